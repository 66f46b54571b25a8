"""``make bench``: how long the kit takes, and how much memory, on cohorts of 100 to 10 000 dossiers.

    python -m benchmarks.run [--sizes 100,1000,10000] [--fresh-clone] [--json FILE] [--keep]

Everything runs under a temporary project folder (``SOCINNOV_ROOT``): the repository's ``data/``
and ``reports/`` are never touched. Each step runs in its own process (``benchmarks.worker``),
which gives its wall time and peak memory (``benchmarks.measure``). Printed at the end: one table
of every measurement beside its target (met / NOT MET), the peers' times on the same data, and how
the cost grows with the number of dossiers and of jurors. See ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from benchmarks import measure

REPO = measure.REPO
PACKAGES = ("pandas", "numpy", "scipy", "pyarrow", "pandera", "statsmodels", "krippendorff", "pingouin",
            "papermill", "nbconvert", "matplotlib")
REPORTS = "cohorte,accord,criteres,evolution"  # the jury's reports (« évolution » at 1 400 experiments)
LARGE = 10_000  # the size the targets are set for


@dataclass
class Row:
    scope: str
    measure: str
    value: str
    target: str = ""
    verdict: str = ""


ROWS: list[Row] = []
RESULTS: dict = {}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def seconds(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def mib(x: int | None) -> str:
    return "–" if not x else (f"{x / 2**20:.0f} MiB" if x < 2**30 else f"{x / 2**30:.2f} GiB")


def add(scope: str, what: str, value: str, target: str = "", ok: bool | None = None) -> None:
    verdict = "" if ok is None else ("met" if ok else "NOT MET")
    ROWS.append(Row(scope, what, value, target, verdict))


# ------------------------------------------------------------------------------------------------
# Machine and project folders
# ------------------------------------------------------------------------------------------------

def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) * 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    versions = {}
    for p in PACKAGES:
        try:
            versions[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            versions[p] = "absent"
    return {"date": dt.datetime.now().isoformat(timespec="seconds"), "nproc": os.cpu_count(), "cpu": cpu,
            "memory": mem, "python": platform.python_version(), "packages": versions,
            "load_before": os.getloadavg()}


def make_project(root: Path, cohorts: tuple[str, ...] = ()) -> Path:
    """A project folder as ``tests/conftest.py::make_project`` builds one, with some repo cohorts."""
    for sub in ("data/raw", "data/processed", "data/external", "reports"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "notebooks", root / "notebooks", dirs_exist_ok=True)
    for f in (REPO / "data" / "external").iterdir():
        if f.is_file():
            shutil.copy(f, root / "data" / "external" / f.name)
    for c in cohorts:
        shutil.copytree(REPO / "data" / "raw" / c, root / "data" / "raw" / c, dirs_exist_ok=True)
    return root


def socinnov_command() -> list[str]:
    exe = Path(sys.executable).parent / "socinnov"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "socinnov"]


def project_env(root: Path) -> dict:
    return dict(os.environ, SOCINNOV_ROOT=str(root), SOCINNOV_KEY_FILE=str(root / "cle-pseudonymes"),
                MPLBACKEND="Agg")


def step(name: str, *args: str, root: Path, timeout: float | None = None) -> measure.Run:
    log(f"  {name} {' '.join(args)}…")
    r = measure.worker(name, *args, root=root, timeout=timeout)
    if not r.ok:
        tail = "\n".join((r.stderr or r.stdout).strip().splitlines()[-6:])
        log(f"    {'ARRÊTÉ après ' + seconds(r.wall) if r.timed_out else 'ÉCHEC'} : {tail}")
    else:
        log(f"    {seconds(r.wall)} (processus), mémoire de pointe {mib(r.peak_rss)}")
    return r


# ------------------------------------------------------------------------------------------------
# The demo cohort: make report cold, warm, after a change
# ------------------------------------------------------------------------------------------------

_LINE = re.compile(r"^\[(\d+)/(\d+)\] (.+) \((jury|comite|public)\)\s*(?::\s*(.*))?$")


def built_reports(output: str) -> tuple[list[str], list[str]]:
    """(rebuilt, unchanged) reports named in a ``socinnov report`` log; a rebuilt one is followed
    by what the log says of it (its seconds, or its failure)."""
    rebuilt, unchanged = [], []
    lines = output.splitlines()
    for i, line in enumerate(lines):
        m = _LINE.match(line.strip())
        if not m:
            continue
        state = m.group(5) or (lines[i + 1].strip() if i + 1 < len(lines) else "")
        name = f"{m.group(3)} ({m.group(4)})"
        if "inchangé" in state:
            unchanged.append(name)
        else:
            rebuilt.append(f"{name} : {state}")
    return rebuilt, unchanged


def demo_section(base: Path, repeat: int = 1) -> None:
    log("Cohorte de démonstration : make report (tous les publics), à froid, à chaud, après une modification…")
    root = make_project(base / "demo-project", ("demo", "demo-2018"))
    command = socinnov_command() + ["report", "demo", "--audience", "all"]
    env = project_env(root)
    # The floor and the cold build alternate, ``repeat`` times each, and the minimum of each is kept:
    # on a shared machine the minimum is the run least disturbed by others.
    floors, colds = [], []
    for i in range(repeat):
        floor = step("floor", root=root, timeout=900)
        if floor.ok and floor.result:
            floors.append(floor.result["seconds"])
        shutil.rmtree(root / "reports", ignore_errors=True)
        shutil.rmtree(root / "data" / "processed", ignore_errors=True)
        (root / "reports").mkdir()
        (root / "data" / "processed").mkdir(parents=True)
        cold = measure.run(command, env=env, cwd=REPO, timeout=1800)
        colds.append(cold)
        log(f"  à froid ({i + 1}/{repeat}) : {seconds(cold.wall)}, code {cold.returncode} ; "
            f"plancher {seconds(floors[-1]) if floors else '?'}")
    cold = min(colds, key=lambda r: r.wall)
    rebuilt, _ = built_reports(cold.stderr + cold.stdout)
    RESULTS["demo_cold"] = {"wall": cold.wall, "walls": [r.wall for r in colds], "peak_rss": cold.peak_rss,
                            "returncode": cold.returncode, "reports": rebuilt, "floors": floors}
    log(f"  à froid : {seconds(cold.wall)}, code {cold.returncode}, {len(rebuilt)} rapports")
    runs = f" (min. de {repeat})" if repeat > 1 else ""
    add("démo", f"make report, installé, à froid (ingest + 10 rapports, 3 publics){runs}", seconds(cold.wall),
        "<= 15 s", cold.wall <= 15 and cold.returncode == 0)
    if cold.returncode != 0:
        add("démo", "  … code de sortie (1 = un carnet a échoué)", str(cold.returncode))
    add("démo", "  … mémoire de pointe (processus + noyaux)", mib(cold.peak_rss))
    if floors:
        add("démo", f"plancher : 10 carnets triviaux, papermill + nbconvert, un noyau neuf chacun, 2 à la fois{runs}",
            seconds(min(floors)))
        add("démo", "  … make report à froid / plancher", f"x{cold.wall / min(floors):.2f}", "< 1 (sous le plancher)",
            cold.wall < min(floors))
    warm = measure.run(command, env=env, cwd=REPO, timeout=600)
    rebuilt_warm, unchanged = built_reports(warm.stderr + warm.stdout)
    RESULTS["demo_warm"] = {"wall": warm.wall, "rebuilt": rebuilt_warm, "unchanged": unchanged}
    add("démo", "make report, second passage sans changement", seconds(warm.wall), "<= 2 s", warm.wall <= 2)
    if rebuilt_warm:
        add("démo", "  … reconstruits quand même", ", ".join(rebuilt_warm))
    # One juror's « Structure » (jures.csv): the reports that read the jurors' table (accord, for the
    # jury and the comité; valorisation, whose consent scan looks for jurors' names) are rebuilt.
    jures = root / "data" / "raw" / "demo" / "jures.csv"
    lines = jures.read_text(encoding="utf-8-sig").splitlines()
    cells = lines[1].split(";")
    cells[-1] = (cells[-1] + " (modifiée)").strip()
    lines[1] = ";".join(cells)
    jures.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    change = measure.run(command, env=env, cwd=REPO, timeout=1800)
    rebuilt_change, unchanged_change = built_reports(change.stderr + change.stdout)
    RESULTS["demo_change_jurors"] = {"wall": change.wall, "rebuilt": rebuilt_change, "unchanged": unchanged_change}
    # what depends on it: every report that declares the jurors' table, for each of its audiences
    from socinnov.reporting.build import discover_reports

    depends = sum(len(s.audiences) for s in discover_reports() if "jurors" in s.inputs)
    add("démo", "structure d'un juré modifiée (jures.csv) : reconstruits",
        f"{len(rebuilt_change)} / {len(rebuilt_change) + len(unchanged_change)} en {seconds(change.wall)}",
        f"seulement ce qui en dépend ({depends})", len(rebuilt_change) <= depends)
    # The cohort that demo's criteria report compares with (appel.yaml: comparer_avec: demo-2018).
    other = root / "data" / "raw" / "demo-2018" / "decisions.csv"
    text = other.read_text(encoding="utf-8-sig")
    other.write_text(text.replace("Projet", "Projet ", 1) if "Projet" in text else text + "\n", encoding="utf-8-sig")
    compared = measure.run(command, env=env, cwd=REPO, timeout=1800)
    rebuilt_other, _ = built_reports(compared.stderr + compared.stdout)
    RESULTS["demo_change_other_cohort"] = {"wall": compared.wall, "rebuilt": rebuilt_other}
    criteria_rebuilt = any("critères" in r for r in rebuilt_other)
    add("démo", "cohorte comparée (demo-2018) modifiée : « critères » de demo reconstruit ?",
        "oui" if criteria_rebuilt else "non (rapport périmé)", "oui", criteria_rebuilt)
    sheets = step("sheets", "--cohort", "demo", root=root, timeout=900)
    per_sheet("démo (120 dossiers)", sheets)


def per_sheet(scope: str, r: measure.Run) -> None:
    res = r.result
    if not r.ok or not res:
        add(scope, "fiches par dossier", "échec" if not r.timed_out else "arrêté")
        return
    n = res.get("debate_sheets", 0)
    if n:
        each = res["debate_seconds"] / n
        add(scope, f"fiches de débat : {n} fiches, amorti par fiche", seconds(each), "<= 0.5 s", each <= 0.5)
    n = res.get("trajectory_sheets", 0)
    if n:
        each = res["trajectory_seconds"] / n
        add(scope, f"fiches de trajectoire : {n} fiches, amorti par fiche", seconds(each), "<= 0.5 s", each <= 0.5)


# ------------------------------------------------------------------------------------------------
# Large cohorts
# ------------------------------------------------------------------------------------------------

def size_section(root: Path, n: int, a) -> dict:
    cohort = f"bench-{n}"
    scope = f"{n} dossiers"
    big = n >= LARGE
    out: dict = {"dossiers": n}
    log(f"{n} dossiers, {a.jurors} jurés, {a.per_dossier} par dossier :")
    common = ["--cohort", cohort, "--n-boot", str(a.n_boot), "--per-dossier", str(a.per_dossier)]
    gen = step("generate", "--dossiers", str(n), "--jurors", str(a.jurors), "--seed", str(a.seed), *common, root=root)
    if not gen.ok:
        add(scope, "génération", "échec")
        return out
    rows = gen.result["rows"]
    out.update(generate=gen.result["seconds"], ratings=rows["ratings"], csv_bytes=gen.result["csv_bytes"])
    ratings = f"{rows['ratings']:,}".replace(",", " ")
    add(scope, f"cohorte écrite ({ratings} notes, {gen.result['csv_bytes'] / 2**20:.0f} Mio de CSV)",
        seconds(gen.result["seconds"]))

    ing = step("ingest", *common, root=root, timeout=a.timeout)
    if ing.ok:
        r = ing.result
        out.update(ingest=r["seconds"], ingest_eligibility=r.get("check_eligibility"),
                   ingest_without_eligibility=r["seconds_without_eligibility"], ingest_peak=ing.peak_rss)
        add(scope, "ingest (lecture, validation, éligibilité, Parquet)", seconds(r["seconds"]),
            "<= 10 s" if big else "", (r["seconds"] <= 10) if big else None)
        add(scope, "  … dont éligibilité (socinnov.call.eligibility)", seconds(r.get("check_eligibility")))
        add(scope, "  … dont lecture et validation des fichiers", seconds(r.get("validate_cohort")))
        add(scope, "  … mémoire de pointe", mib(ing.peak_rss))
    else:
        add(scope, "ingest", f"> {seconds(ing.wall)} (arrêté)" if ing.timed_out else "échec",
            "<= 10 s" if big else "", False if big else None)
        return out

    agr = step("agreement", *common, root=root, timeout=a.timeout)
    if agr.ok:
        r = agr.result
        out.update(agreement=r["seconds"], agreement_peak=agr.peak_rss, agreement_units=r["units_first_table"])
        add(scope, f"accord : tous les indices, IC bootstrap ({a.n_boot} rééch.), {r['tables']} critères",
            seconds(r["seconds"]), "<= 30 s" if big else "", (r["seconds"] <= 30) if big else None)
        add(scope, "  … mémoire de pointe", mib(agr.peak_rss))
    if a.parallel_agreement:
        par = step("agreement", *common, "--processes", "2", root=root, timeout=a.timeout)
        if par.ok:
            out["agreement_2proc"] = par.result["seconds"]
            add(scope, "  … les mêmes, 2 processus (un critère chacun)", seconds(par.result["seconds"]))
    acc = step("accord-agreement", *common, root=root, timeout=a.timeout)
    if acc.ok:
        r = acc.result
        out.update(accord_agreement=r["cold"], accord_agreement_cached=r["warm"])
        add(scope, "accord (carnet) : ses 3 calculs d'accord (critères, tours, faisabilité), à froid",
            seconds(r["cold"]))
        add(scope, "  … redemandés par le rapport suivant (comité, critères, diffusion) : lus du cache",
            seconds(r["warm"]))

    jur = step("jurors", *common, root=root, timeout=a.timeout)
    if jur.ok:
        out["jurors"] = jur.result["seconds"]
        add(scope, f"sévérité des jurés (modèle mixte REML, {jur.result['jurors']} jurés)",
            seconds(jur.result["seconds"]))

    line = step("funding-line", *common, root=root, timeout=a.timeout)
    if line.ok:
        out.update(g_study=line.result["g_study"], ranking=line.result["ranking"])
        add(scope, "ligne de financement : étude G et étude D", seconds(line.result["g_study"]))
        add(scope, "  … classement a posteriori (1 000 tirages) et zone grise", seconds(line.result["ranking"]))

    peers = step("peers", *common, root=root, timeout=a.timeout)
    if peers.ok:
        peer_rows(scope, peers.result, a.n_boot, big)
        out["peers"] = peers.result

    if a.reports and n >= a.report_min:
        rep = step("reports", *common, "--only", REPORTS, root=root, timeout=a.report_timeout)
        if rep.ok:
            r = rep.result
            out.update(reports=r["seconds"], reports_peak=rep.peak_rss, reports_notebooks=r["notebooks"])
            parallel = next((m for m in r["log"] if "à la fois" in m), "")
            add(scope, f"rapports du jury, {len(r['notebooks'])} carnets ({parallel.split(',')[-1].strip(' …') or 'jury'})",
                seconds(r["seconds"]), "<= 90 s" if big else "", (r["seconds"] <= 90) if big else None)
            for name, t in r["notebooks"].items():
                add(scope, f"  … carnet {name}", seconds(t))
            if r["errors"]:
                add(scope, "  … ÉCHECS", "; ".join(f"{k}: {v}" for k, v in r["errors"].items()))
            add(scope, "  … mémoire de pointe (processus + noyaux)", mib(rep.peak_rss),
                "<= 4 GiB" if big else "", (rep.peak_rss <= 4 * 2**30) if big else None)
        else:
            out["reports"] = None
            add(scope, "rapports du jury (cohorte, accord, critères, évolution)",
                f"> {seconds(rep.wall)} (arrêté)" if rep.timed_out else "échec", "<= 90 s" if big else "",
                False if big else None)
            add(scope, "  … mémoire de pointe avant l'arrêt (processus + noyaux)", mib(rep.peak_rss),
                "<= 4 GiB" if big else "", (rep.peak_rss <= 4 * 2**30) if big else None)
    peaks = [x for x in (out.get("ingest_peak"), out.get("agreement_peak"), out.get("reports_peak")) if x]
    if big and peaks and not a.reports:
        add(scope, "mémoire de pointe (ingest, accord)", mib(max(peaks)), "<= 4 GiB", max(peaks) <= 4 * 2**30)
    if n <= a.sheets_max:
        sheets = step("sheets", "--cohort", cohort, root=root, timeout=a.timeout)
        per_sheet(scope, sheets)
    return out


def peer_rows(scope: str, r: dict, n_boot: int, big: bool) -> None:
    n = r["criteria"]
    pairs = (
        ("alpha de Krippendorff (krippendorff.alpha), depuis la table longue", "ours_alpha", "peer_alpha_long", True),
        ("  … le pair sur sa matrice déjà formée", "ours_alpha", "peer_alpha", False),
        (f"alpha de Krippendorff, {n_boot} rééch. (pair : relancé {n_boot} fois, est.)", "ours_alpha_boot",
         "peer_alpha_boot", True),
        (f"kappa de Fleiss (statsmodels), plan complet de {r['complete_dossiers']:.0f} dossiers, table longue",
         "ours_fleiss", "peer_fleiss_long", True),
        ("  … le pair sur sa matrice déjà formée", "ours_fleiss", "peer_fleiss", False),
        (f"kappa de Fleiss, {n_boot} rééch. (pair relancé, est.)", "ours_fleiss_boot", "peer_fleiss_boot", True),
        ("ICC (pingouin.intraclass_corr), plan complet, table longue", "ours_icc", "peer_icc", True),
    )
    for label, ours, peer, judged in pairs:
        ratio = r[ours] / r[peer] if r.get(peer) else float("nan")
        add(scope, f"pairs, {n} critères : {label}",
            f"nous {seconds(r[ours])} / eux {seconds(r[peer])} = x{ratio:.2f}", "x <= 1" if judged else "",
            (ratio <= 1) if judged else None)


# ------------------------------------------------------------------------------------------------
# Scaling, fresh clone, output
# ------------------------------------------------------------------------------------------------

def scaling(sizes: dict[int, dict]) -> list[str]:
    """Exponent b of time ~ n^b, fitted by least squares on log-log, per measure."""
    lines = []
    keys = [("generate", "génération des CSV"), ("ingest", "ingest"),
            ("ingest_without_eligibility", "ingest hors éligibilité"), ("ingest_eligibility", "éligibilité"),
            ("agreement", "accord (tous indices, bootstrap)"), ("jurors", "sévérité des jurés"),
            ("reports", "rapports du jury (4 carnets)")]
    for key, label in keys:
        pts = [(n, s[key]) for n, s in sorted(sizes.items()) if s.get(key)]
        if len(pts) < 2:
            continue
        xs = [math.log(n) for n, _ in pts]
        ys = [math.log(t) for _, t in pts]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        values = ", ".join(f"{n}: {seconds(t)}" for n, t in pts)
        lines.append(f"  {label:34s} temps ~ n^{b:.2f}   ({values})")
    return lines


def juror_sweep(root: Path, a) -> list[str]:
    lines = []
    for m in [int(x) for x in a.juror_sweep.split(",") if x]:
        if m < a.per_dossier:
            continue
        r = step("sweep", "--dossiers", str(a.sweep_dossiers), "--jurors", str(m), "--per-dossier",
                 str(a.per_dossier), "--n-boot", str(a.n_boot), "--seed", str(a.seed), root=root, timeout=a.timeout)
        if r.ok:
            RESULTS.setdefault("juror_sweep", {})[m] = r.result
            lines.append(f"  {m:4d} jurés : accord {r.result['tables']} critères {seconds(r.result['agreement_seconds'])}, "
                         f"sévérité {seconds(r.result['jurors_seconds'])}")
    return lines


def fresh_clone(base: Path) -> None:
    """``git clone`` of the repository (its last commit), then ``make install`` and ``make report``."""
    target = base / "fresh-clone"
    log(f"Clone neuf dans {target} : make install puis make report…")
    clone = measure.run(["git", "clone", "--quiet", str(REPO), str(target)], timeout=600)
    env = {k: v for k, v in os.environ.items() if k not in ("SOCINNOV_ROOT", "VIRTUAL_ENV")}
    env["SOCINNOV_KEY_FILE"] = str(base / "cle-pseudonymes-clone")
    install = measure.run(["make", "install"], env=env, cwd=target, timeout=3600)
    report = measure.run(["make", "report"], env=env, cwd=target, timeout=3600)
    total = clone.wall + install.wall + report.wall
    commit = subprocess.run(["git", "-C", str(target), "log", "-1", "--format=%h %cs"], capture_output=True, check=False,
                            text=True).stdout.strip()
    RESULTS["fresh_clone"] = {"commit": commit, "clone": clone.wall, "install": install.wall,
                              "report": report.wall, "report_returncode": report.returncode, "total": total}
    add("clone neuf", f"git clone + make report (installation comprise), commit {commit}", seconds(total),
        "<= 60 s", total <= 60 and report.returncode == 0)
    add("clone neuf", "  … dont make install (venv + requirements.lock)", seconds(install.wall))
    add("clone neuf", "  … dont make report", f"{seconds(report.wall)}, code {report.returncode}")


def print_table(info: dict, scale_lines: list[str], sweep_lines: list[str]) -> None:
    width = max(len(r.measure) for r in ROWS) if ROWS else 40
    vwidth = max(len(r.value) for r in ROWS) if ROWS else 10
    print()
    print(f"socinnov — banc d'essai du {info['date']}")
    print(f"machine : {info['nproc']} cœurs, {info['cpu']}, {info['memory'] / 2**30:.1f} GiB ; Python {info['python']} ; "
          f"charge avant/après {info['load_before'][0]:.2f} / {info.get('load_after', [float('nan')])[0]:.2f}")
    print("paquets : " + ", ".join(f"{k} {v}" for k, v in info["packages"].items()))
    scope = None
    print()
    print(f"{'':2}{'mesure':{width}}  {'valeur':>{vwidth}}  {'cible':<28} verdict")
    for r in ROWS:
        if r.scope != scope:
            scope = r.scope
            print(f"— {scope}")
        print(f"  {r.measure:{width}}  {r.value:>{vwidth}}  {r.target:<28} {r.verdict}")
    if scale_lines:
        print("\nCroissance avec le nombre de dossiers (ajustement log-log sur les tailles mesurées) :")
        print("\n".join(scale_lines))
    if sweep_lines:
        print("\nCroissance avec le nombre de jurés (mêmes dossiers, 8 jurés par dossier) :")
        print("\n".join(sweep_lines))
    met = sum(r.verdict == "met" for r in ROWS)
    missed = [r for r in ROWS if r.verdict == "NOT MET"]
    print(f"\nCibles : {met} atteintes, {len(missed)} manquées" + (" : " if missed else "")
          + "; ".join(f"{r.scope} / {r.measure.strip()}" for r in missed))


_SUMMARY = re.compile(r"(\d+) (?:tests? )?(passed|failed|skipped|deselected|errors?|collected)")


def test_suite() -> None:
    """``make test`` (every test, as CI runs it) and ``make test-fast`` (the inner loop), run in the
    repository with the venv's pytest; collection timed on its own, since every run pays it."""
    env = {k: v for k, v in os.environ.items() if k not in ("SOCINNOV_ROOT", "PYTEST_ADDOPTS")}
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    for label, extra, target in (("collecte seule (--collect-only)", ["--collect-only"], None),
                                 ("make test-fast (sans les tests lents)", ["-m", "not slow"], None),
                                 ("make test (tous les tests)", [], 180.0)):
        log(f"Tests : {label}…")
        r = measure.run([*pytest, *extra], env=env, cwd=REPO, timeout=3600)
        counts = {kind: int(n) for n, kind in _SUMMARY.findall(r.stdout.splitlines()[-1] if r.stdout else "")}
        RESULTS.setdefault("tests", {})[label] = {"seconds": r.wall, "returncode": r.returncode, **counts}
        said = ", ".join(f"{n} {kind}" for kind, n in counts.items()) or f"code {r.returncode}"
        add("tests", f"{label} : {said}", seconds(r.wall), f"<= {target / 60:.0f} min" if target else "",
            (r.wall <= target and r.returncode == 0) if target else None)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="100,1000,10000", help="dossiers per cohort, comma-separated")
    p.add_argument("--jurors", type=int, default=80)
    p.add_argument("--per-dossier", type=int, default=8)
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--juror-sweep", default="10,20,40,80", help="jurors for the sweep ('' to skip)")
    p.add_argument("--sweep-dossiers", type=int, default=1000)
    p.add_argument("--no-demo", dest="demo", action="store_false", help="skip the demo cohort's make report")
    p.add_argument("--demo-repeat", type=int, default=1,
                   help="cold demo builds and floors, alternated; the minimum of each is reported")
    p.add_argument("--no-reports", dest="reports", action="store_false", help="skip the report builds")
    p.add_argument("--report-timeout", type=float, default=420.0, help="seconds before a report build is stopped")
    p.add_argument("--report-min", type=int, default=1000,
                   help="smallest cohort whose reports are built (the demo's are, whatever its size)")
    p.add_argument("--timeout", type=float, default=1200.0, help="seconds before any other step is stopped")
    p.add_argument("--sheets-max", type=int, default=100, help="largest cohort whose sheets are all written")
    p.add_argument("--parallel-agreement", action="store_true", help="also time agreement on 2 processes")
    p.add_argument("--fresh-clone", action="store_true", help="also time git clone + make report (minutes)")
    p.add_argument("--test-suite", action="store_true", help="also time the test suite (make test, test-fast)")
    p.add_argument("--root", type=Path, help="work folder (default: a temporary one, removed at the end)")
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    p.add_argument("--json", type=Path, help="write every measurement to this JSON file")
    a = p.parse_args(argv)
    base = a.root or Path(tempfile.mkdtemp(prefix="socinnov-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    info = machine()
    RESULTS["machine"] = info
    started = time.perf_counter()
    log(f"Banc d'essai dans {base}")
    try:
        if a.demo:
            demo_section(base, repeat=a.demo_repeat)
        root = make_project(base / "project")
        sizes = {}
        for n in [int(x) for x in a.sizes.split(",") if x]:
            sizes[n] = size_section(root, n, a)
        RESULTS["sizes"] = sizes
        sweep_lines = juror_sweep(root, a) if a.juror_sweep else []
        if a.fresh_clone:
            fresh_clone(base)
        if a.test_suite:
            test_suite()
    finally:
        info["load_after"] = os.getloadavg()
        info["seconds"] = time.perf_counter() - started
        if a.json:
            a.json.write_text(json.dumps(RESULTS, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
        if not a.keep and a.root is None:
            shutil.rmtree(base, ignore_errors=True)
    print_table(info, scaling(sizes), sweep_lines)
    print(f"\nDurée totale du banc d'essai : {seconds(info['seconds'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

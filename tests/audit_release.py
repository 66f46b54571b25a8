"""A public release written the way the public notebooks display it, for the audit's tests.

Building the public reports runs papermill (about a minute); these tests need only what the
public notebooks display: the same ``PublicCohort`` calls as ``notebooks/diffusion.ipynb`` and
``notebooks/valorisation.ipynb``, rendered by the same ``display.table_html`` and the same map
figure (its caption), saved as executed notebooks beside the open dataset.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from socinnov.privacy.opendata import write_open_dataset
from socinnov.privacy.store import load_cohort
from socinnov.reporting import display, plots


def _notebook(outputs: list[str]) -> dict:
    cells = [{"cell_type": "code", "execution_count": i, "metadata": {}, "source": "",
              "outputs": [{"output_type": "display_data", "metadata": {},
                           "data": {"text/html": html, "text/plain": "<IPython.core.display.HTML object>"}}]}
             for i, html in enumerate(outputs, 1)]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _caption(fig) -> str:
    import matplotlib.pyplot as plt

    plt.close(fig)
    return f"<figure><figcaption>{fig.alt_text}</figcaption></figure>"


def publish(cohort: str, public: Path, *, legacy: bool = False) -> Path:
    """Write ``public/`` for ``cohort`` as the release would (notebook outputs + open dataset).

    ``legacy``: ``PublicCohort`` as it was before issue 16 was fixed, for the attacks to be
    reproduced: each table protected alone, the map without the dossiers from outside the
    region, pending decisions counted as funded, the funnel's « Éligibles » always shown."""
    from unittest import mock

    from socinnov.analysis import overview
    from socinnov.call import vocabulary as voc
    from socinnov.privacy import disclosure
    from socinnov.privacy.aggregates import PublicCohort
    from socinnov.privacy.published import DECISION_LABELS, legal_group

    if not legacy:
        return _publish(cohort, public)
    original_init = PublicCohort.__init__

    def init(self, name, manifest, tables, **kw):
        original_init(self, name, manifest, tables, **kw)
        self._tables = tables  # every decision, validated or not
        self._d = overview.with_decision(tables).assign(
            decision=lambda d: d["decision"].map(DECISION_LABELS).fillna(d["decision"]),
            legal_group=lambda d: d["legal_category"].map(legal_group))

    def funnel(self):
        f = overview.funnel(self._tables).drop(columns="Part des dépôts")
        n = dict(zip(f["Étape"], f["Dossiers"]))
        small = {k for k, v in n.items() if 0 < v < self.min_count}
        if small & {"Retenus - financés", "Retenus - réorientés"}:
            small |= {"Retenus - financés", "Retenus - réorientés"}
        f["Dossiers"] = [disclosure.SECRET if s in small else v for s, v in zip(f["Étape"], f["Dossiers"])]
        return f

    def profile(self, by):
        labels = {"legal_group": "Catégorie de porteur", "stage": "Stade d'avancement", "departement": "Département"}
        d = self._d
        if by == "departement":
            d = d.assign(departement=d["departement"].map(lambda c: voc.REGION_DEPARTEMENTS.get(c, "hors région")))
        return disclosure.crosstab(d, by, "decision", min_count=self.min_count, row_label=labels[by])

    def departement_counts(self):
        counts = overview.departement_counts(self._tables)
        for col in ("deposes", "finances"):
            table = disclosure.protect_counts(counts.set_index("code")[[col]], min_count=self.min_count)
            counts[col] = pd.to_numeric(table.loc[counts["code"], col].replace(disclosure.SECRET, None)).to_numpy()
        return counts

    with mock.patch.object(PublicCohort, "__init__", init), mock.patch.object(PublicCohort, "funnel", funnel), \
            mock.patch.object(PublicCohort, "profile", profile), \
            mock.patch.object(PublicCohort, "departement_counts", departement_counts):
        return _publish(cohort, public)


def _publish(cohort: str, public: Path) -> Path:
    data = load_cohort(cohort, audience="public")
    jury = load_cohort(cohort, audience="jury")
    (public / "notebooks").mkdir(parents=True, exist_ok=True)
    counts = data.departement_counts()
    diffusion = [display.table_html(data.funnel(), precision=2),
                 display.table_html(data.profile("legal_group"), index=True),
                 display.table_html(data.profile("stage"), index=True),
                 display.table_html(data.innovation_types()),
                 _caption(plots.departement_map(counts, value="deposes", title="Dossiers déposés")),
                 display.table_html(data.amounts()),
                 display.table_html(data.level_distribution(), index=True)]
    valorisation = [display.table_html(data.laureates()),
                    _caption(plots.departement_map(counts, value="finances", title="Expérimentations financées")),
                    display.table_html(data.granted_by_departement(), index=True)]
    for name, outputs in (("diffusion", diffusion), ("valorisation", valorisation)):
        (public / "notebooks" / f"{name}.ipynb").write_text(json.dumps(_notebook(outputs), ensure_ascii=False),
                                                           encoding="utf-8")
    write_open_dataset(jury, public / "donnees-ouvertes")
    return public


# ---------------------------------------------------------------------------------------------
# Adversarial edits of a cohort's raw files (French headers, as a user supplies them)

import pandas as pd

ID = "Identifiant du dossier"


def _encoding(path: Path) -> str:
    """UTF-8 as the kit writes, or Windows-1252 as an office saves from its spreadsheet."""
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding=_encoding(path))


def _write(df: pd.DataFrame, path: Path, encoding: str = "utf-8-sig") -> None:
    df.to_csv(path, sep=";", index=False, encoding=encoding)


def decision_of(raw: Path, decision: str) -> str:
    dec = _read(raw / "decisions.csv")
    return dec.loc[dec["Décision"] == decision, ID].iloc[0]


def make_rare(raw: Path) -> str:
    """One funded dossier made unique: out of the region, scaling up, a rare legal status."""
    dossier = decision_of(raw, "retenu - financé")
    d = _read(raw / "dossiers.csv")
    row = d[ID] == dossier
    d.loc[row, "Département"] = "75"
    d.loc[row, "4. Stade d'avancement"] = "changement d'échelle"
    d.loc[row, "Statut juridique"] = "organisation syndicale"
    _write(d, raw / "dossiers.csv")
    return dossier


def make_pending(raw: Path) -> str:
    """A funded dossier whose decision the comité d'élu-e-s has not validated yet."""
    dec = _read(raw / "decisions.csv")
    dossier = dec.loc[dec["Décision"] == "retenu - financé", ID].iloc[-1]
    row = dec[ID] == dossier
    dec.loc[row, "Validation par le comité d'élu-e-s"] = "non"
    dec.loc[row, "Date de validation"] = ""
    _write(dec, raw / "decisions.csv")
    for name in ("suivi.csv", "versements.csv", "reevaluations.csv", "indicateurs.csv", "depenses_realisees.csv",
                 "bilans.csv"):  # no follow-up before the vote
        path = raw / name
        if path.exists():
            df = _read(path)
            if ID in df:
                _write(df[df[ID] != dossier], path)
    return dossier


def withdraw(raw: Path, decision: str = "non retenu") -> str:
    """A dossier withdrawn by its porteur: gone from every file."""
    dossier = decision_of(raw, decision)
    for path in raw.glob("*.csv"):
        df = _read(path)
        if ID in df:
            _write(df[df[ID] != dossier], path, _encoding(path))
    return dossier


def correct(raw: Path, dossier: str, column: str, value: str) -> None:
    """One value of ``dossiers.csv`` corrected by the office between two releases."""
    path = raw / "dossiers.csv"
    d = _read(path)
    d.loc[d[ID] == dossier, column] = value
    _write(d, path, _encoding(path))


def write_legacy_open_data(cohort: str, folder: Path) -> None:
    """``dossiers.csv`` as the kit wrote it before issue 16 was fixed: decision never
    suppressed, eligibility outside the quasi-identifiers, pending decisions published as
    taken, nothing masked to match the public tables (the attacks' material)."""
    from socinnov.analysis import overview
    from socinnov.call.eligibility import eligibility_status
    from socinnov.privacy import disclosure, opendata
    from socinnov.privacy.published import DECISION_LABELS, legal_group

    tables = load_cohort(cohort, audience="jury").tables
    d = overview.with_decision(tables)
    status = eligibility_status(tables["eligibility"]).set_index("dossier_id")["eligible"]
    dossiers = pd.DataFrame({
        "dossier_id": d["dossier_id"],
        "ancienne_region": d["departement"].map(opendata.FORMER_REGION_OF).fillna("hors région"),
        "categorie_porteur": d["legal_category"].map(legal_group), "stade": d["stage"],
        "types_innovation": opendata._types(d), "tranche_aide_sollicitee": d["requested_amount"].map(opendata._band),
        "eligible": d["dossier_id"].map(status).astype(bool).astype(str), "issue": d["decision"].map(DECISION_LABELS),
    })
    old_quasi = ["types_innovation", "tranche_aide_sollicitee", "ancienne_region", "categorie_porteur", "stade",
                 "issue"]
    dossiers = disclosure.generalise_rare(dossiers, old_quasi)
    folder.mkdir(parents=True, exist_ok=True)
    dossiers.drop(columns="dossier_id").to_csv(folder / "dossiers.csv", index=False)
    (folder / "notations.csv").unlink(missing_ok=True)


def scenario(root: Path, seed: int, *, n_dossiers: int = 40):
    """One seeded cohort with adversarial edits, released before and after the fixes, then
    again after a withdrawal: yields ``(step, audit result, CPU seconds of the audit)`` as each
    step is audited (the last one against the ledger's release, the two-release programme)."""
    import shutil
    import time

    from socinnov import config
    from socinnov.demo import write_demo
    from socinnov.inputs.ingest import ingest
    from socinnov.privacy import audit, published

    def timed(run):
        start = time.process_time()
        result = run()
        return result, time.process_time() - start

    name = f"graine-{seed}"
    raw = config.raw_dir(name)
    write_demo(raw, seed=seed, n_dossiers=n_dossiers)
    make_rare(raw)
    make_pending(raw)
    ingest(name)
    public = config.reports_dir(name) / "public"
    truth = audit.dossier_types(load_cohort(name, audience="jury").tables, validated_only=False)
    publish(name, public, legacy=True)
    write_legacy_open_data(name, public / "donnees-ouvertes")
    yield "avant", *timed(lambda: audit.audit(published.read_release(public), truth))
    shutil.rmtree(public)
    publish(name, public)
    yield "après", *timed(lambda: audit.audit_cohort(name, record=True))
    withdraw(raw)
    ingest(name)
    shutil.rmtree(public)
    publish(name, public)
    yield "après retrait", *timed(lambda: audit.audit_cohort(name, against_ledger=True))


if __name__ == "__main__":  # the results table of docs/confidentiality.md
    import os
    import sys
    import tempfile

    seeds = [int(s) for s in sys.argv[1:]] or [11, 12, 13]
    root = Path(tempfile.mkdtemp()) / "projet"
    for sub in ("data/raw", "data/processed", "data/external", "reports"):
        (root / sub).mkdir(parents=True)
    repo = Path(__file__).resolve().parent.parent
    for f in (repo / "data" / "external").iterdir():
        if f.is_file():
            (root / "data" / "external" / f.name).write_bytes(f.read_bytes())
    os.environ["SOCINNOV_ROOT"] = str(root)
    os.environ.setdefault("SOCINNOV_KEY_FILE", str(root.parent / "cle-pseudonymes"))  # a throw-away key
    for seed in seeds:
        for step, res, cpu in scenario(root, seed):
            sensitive = [f for f in res.findings if f.sensitive]
            print(f"| graine-{seed} | {step} | {len(sensitive)} | {len(res.failures)} | {cpu:.1f} s | "
                  + "; ".join(f"{f.label} [{f.low:g} ; {f.high:g}] (vrai {f.true:g})" for f in res.failures[:5])
                  + (" …" if len(res.failures) > 5 else "") + " |", flush=True)

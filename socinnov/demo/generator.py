"""A seeded generator of a realistic synthetic cohort for the 2016 ALPC call.

The cohort imitates what the Region's services would hold after the call of 2016: dossiers
filed by fictitious porteurs across the twelve départements, their partners and forecast
budgets, a jury of nine fictitious members rating the eligible dossiers on the acceptability
grid (two rounds: individually, then after debate) in a connected incomplete design that
honours the declared conflicts of interest, feasibility ratings of the retained dossiers, the
jury's decisions validated by the comité d'élu-e-s, and the follow-up of the funded
experiments: waves, re-assessments on the acceptability grid, indicators, spending, reports and
payments (two experiments abandoned, one report late with an expense after the 24 months, one
under-spend, one experiment spreading). About a dozen dossiers break one or two eligibility
rules of the call.

Every random draw comes from one ``numpy.random.default_rng(seed)``, in the fixed order of
:func:`generate`, so the same seed gives the same frames and byte-identical files.
:func:`generate` returns typed frames with the schemas' English column names; :func:`write_demo`
writes the cohort folder as a user would supply it (French headers, ``;``, UTF-8 with BOM,
French dates and amounts), with its ``appel.yaml`` and ``LISEZMOI.md``.

Where each part is drawn: :mod:`~socinnov.demo.profiles` (latent traits, ineligibility cases),
:mod:`~socinnov.demo.dossiers` (dossiers, partners, budget), :mod:`~socinnov.demo.jury` (jurors,
conflicts, rating design), :mod:`~socinnov.demo.ratings`, :mod:`~socinnov.demo.decisions`,
:mod:`~socinnov.demo.followup` (waves, payments, re-assessments, indicators, spending, reports);
:mod:`~socinnov.demo.readme` writes the folder's documents; the French material is in
``socinnov/demo/content/*.yaml``.

All names, identifiers and contact details are fictitious: SIRET numbers start with ``000``,
e-mail addresses end in ``.exemple.fr``, telephone numbers are in the ``01 99 00`` range.
Real communes and départements only place the dossiers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from socinnov import files
from socinnov.call.schemas import TABLES
from socinnov.demo.decisions import FUNDED, make_decisions, retained_ids
from socinnov.demo.dossiers import make_budget, make_dossiers, make_partners
from socinnov.demo.drawing import ACCEPTABILITY_VERSION
from socinnov.demo.followup import (
    followup_plan,
    make_activity_reports,
    make_followup,
    make_indicators,
    make_payments,
    make_reassessments,
    make_spending,
)
from socinnov.demo.jury import make_conflicts, make_design, make_jurors
from socinnov.demo.profiles import draw_profiles
from socinnov.demo.ratings import (
    acceptability_ratings,
    feasibility_ratings,
    make_ratings,
    mean_scores,
)
from socinnov.demo.readme import call_yaml_text, readme_text
from socinnov.errors import UserError
from socinnov.inputs.tabular import write_table

__all__ = ["DEFAULT_N_DOSSIERS", "DEFAULT_SEED", "EDITIONS", "MIN_DOSSIERS", "TooFewDossiers", "generate",
           "write_demo"]

DEFAULT_SEED = 2016
DEFAULT_N_DOSSIERS = 120
MIN_DOSSIERS = 20
"""Below this the drawn jury may not be connected (a juror's severity then cannot be told apart
from the quality of the dossiers they rate)."""


class TooFewDossiers(UserError, ValueError):
    """A demo cohort asked with fewer than :data:`MIN_DOSSIERS` dossiers (``socinnov demo --dossiers``)."""

    hint = f"demander {MIN_DOSSIERS} dossiers au moins (--dossiers)"
#: The two committed demo cohorts: the 2016 call, and a second call year rated with the refined grid.
EDITIONS = {
    "demo": dict(seed=2016, n_dossiers=120, compare_with="demo-2018"),
    "demo-2018": dict(seed=2018, n_dossiers=110, year=2018, acceptability_version="2018", compare_with="demo"),
}


def generate(*, seed: int = DEFAULT_SEED, n_dossiers: int = DEFAULT_N_DOSSIERS, year: int = 2016,
             acceptability_version: str | None = None) -> dict[str, pd.DataFrame]:
    """Generate a synthetic cohort.

    Parameters
    ----------
    seed : int
        Seed of the single ``numpy.random.default_rng`` every draw comes from.
    n_dossiers : int
        Number of dossiers filed (at least :data:`MIN_DOSSIERS`, else :class:`TooFewDossiers`); about one in twelve breaks eligibility rules.
    year : int
        Year of the call: the cohort is drawn as for 2016, then every date moves by
        ``year - 2016`` years and dossier identifiers take the year (``AMI18-001``).
    acceptability_version : str, optional
        Version of the acceptability grid the jury rates with (default: the call's, 2016).

    Returns
    -------
    dict of str to pandas.DataFrame
        One frame per table of ``schemas.TABLES``, keyed by ``Table.name``, with the schemas'
        English column names and typed values (floats, booleans, timestamps, integers).
    """
    if n_dossiers < MIN_DOSSIERS:
        raise TooFewDossiers(f"{n_dossiers} dossiers : trop peu pour former un jury connexe")
    token = ACCEPTABILITY_VERSION.set(acceptability_version)
    try:
        frames = _generate(seed, n_dossiers)
    finally:
        ACCEPTABILITY_VERSION.reset(token)
    return frames if year == 2016 else _move_to_year(frames, year)


def _move_to_year(frames: dict[str, pd.DataFrame], year: int) -> dict[str, pd.DataFrame]:
    """Shift every date by whole years and give dossier identifiers the call's year."""
    shift = pd.DateOffset(years=year - 2016)
    out = {}
    for name, df in frames.items():
        df = df.copy()
        for col in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[col]):
                df[col] = df[col] + shift
        if "dossier_id" in df.columns:
            df["dossier_id"] = df["dossier_id"].str.replace("AMI16-", f"AMI{year % 100:02d}-", regex=False)
        out[name] = df
    return out


def _generate(seed: int, n_dossiers: int) -> dict[str, pd.DataFrame]:
    """Every table of a 2016 cohort, drawn from one generator in a fixed order (never reorder)."""
    rng = np.random.default_rng(seed)
    plist = draw_profiles(rng, n_dossiers)
    dossiers = make_dossiers(rng, plist)
    partners = make_partners(rng, plist)
    budget = make_budget(rng, plist)
    jurors = make_jurors(rng)
    conflicts = make_conflicts(rng, plist, jurors)
    profiles = {p.dossier_id: p for p in plist}
    eligible = [p.dossier_id for p in plist if p.eligible]
    juror_ids = list(jurors["juror_id"])
    design = make_design(rng, eligible, juror_ids, conflicts)
    severity = dict(zip(juror_ids, rng.normal(0, 0.3, len(juror_ids))))
    acc_long = acceptability_ratings(rng, profiles, design, severity)
    retained = retained_ids(mean_scores(acc_long))
    feas_long = feasibility_ratings(rng, profiles, {d: design[d] for d in retained}, severity)
    decisions = make_decisions(rng, profiles, acc_long, feas_long, retained,
                               target_funded=max(2, round(n_dossiers * 17 / 120)))
    funded = sorted(decisions.loc[decisions["decision"] == FUNDED, "dossier_id"])
    abandoned, spreading = followup_plan(rng, funded, profiles)
    ratings = make_ratings(acc_long, feas_long)
    followup = make_followup(rng, profiles, funded, abandoned, spreading)
    payments = make_payments(rng, profiles, decisions, abandoned)
    return {
        "dossiers": dossiers,
        "partners": partners,
        "budget": budget,
        "jurors": jurors,
        "conflicts": conflicts,
        "assignments": pd.DataFrame([(d, j) for d in eligible for j in design[d]], columns=["dossier_id", "juror_id"]),
        "ratings": ratings,
        "decisions": decisions,
        "followup": followup,
        "payments": payments,
        "reassessments": make_reassessments(rng, profiles, followup, abandoned, spreading),
        "indicators": make_indicators(rng, profiles, followup, abandoned, spreading),
        "spending": make_spending(rng, profiles, funded, budget, abandoned),
        "activity_reports": make_activity_reports(rng, profiles, funded, payments, abandoned),
    }


def _write_files(folder: Path, frames: dict[str, pd.DataFrame], seed: int, n_dossiers: int,
                 call_text: str) -> list[str]:
    """Write every file of the cohort into ``folder``; return the file names in order."""
    names = []
    for table in TABLES:
        write_table(frames[table.name], table, folder / table.filename)
        names.append(table.filename)
    (folder / "appel.yaml").write_text(call_text, encoding="utf-8", newline="")
    (folder / "LISEZMOI.md").write_text(readme_text(frames, seed, n_dossiers), encoding="utf-8", newline="")
    return names + ["appel.yaml", "LISEZMOI.md"]


def write_demo(out: Path, *, seed: int = DEFAULT_SEED, n_dossiers: int = DEFAULT_N_DOSSIERS,
               year: int = 2016, acceptability_version: str | None = None, compare_with: str | None = None,
               overwrite: bool = False) -> list[Path]:
    """Write a synthetic cohort folder exactly as a user would supply it.

    Parameters
    ----------
    out : pathlib.Path
        The cohort folder to create. Written atomically: files go to a new folder next to
        it, swapped in when complete (``socinnov.files.replacing_folder``).
    seed : int
        Seed of the generator (see :func:`generate`).
    n_dossiers : int
        Number of dossiers.
    year, acceptability_version : see :func:`generate`.
    compare_with : str, optional
        Another cohort (another call year) that the criteria report compares this one with.
    overwrite : bool
        Replace ``out`` if it exists and is not empty; otherwise refuse.

    Returns
    -------
    list of pathlib.Path
        The files written: one CSV per table of ``schemas.TABLES``, ``appel.yaml`` and
        ``LISEZMOI.md``.

    Raises
    ------
    FileExistsError
        If ``out`` is a non-empty folder and ``overwrite`` is false, or is a file.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} existe et n'est pas un dossier")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise FileExistsError(f"{out} n'est pas vide ; passer overwrite=True pour le remplacer")
    frames = generate(seed=seed, n_dossiers=n_dossiers, year=year, acceptability_version=acceptability_version)
    call_text = call_yaml_text(seed, n_dossiers, year=year, acceptability_version=acceptability_version,
                               compare_with=compare_with)
    with files.replacing_folder(out) as tmp:
        names = _write_files(tmp, frames, seed, n_dossiers, call_text)
    return [out / name for name in names]


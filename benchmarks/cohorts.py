"""Large synthetic cohorts for the benchmark, written as a user would supply them.

``socinnov.demo.generator`` draws a realistic cohort dossier by dossier (about 3.5 of 9 jurors per dossier)
and refuses sizes much above a few hundred dossiers (it keeps porteur names unique). A national
file is about many regions and years: e.g. 10 000 dossiers, 80 jurors, 8 jurors per dossier. This
module builds such a cohort quickly:

* every table but the jury's (dossiers, partners, budget, decisions and the follow-up of funded
  experiments) is the demo cohort (seed 2016, 120 dossiers) tiled under new dossier identifiers
  ``AMI16-00001``… and cut at ``n_dossiers``: eligibility, decisions and follow-up stay
  consistent because each copy keeps its own rows;
* the jurors, conflicts of interest and ratings are drawn afresh, vectorised: ``n_jurors``
  jurors, ``per_dossier`` distinct jurors per rated dossier (a random design, connected with
  overwhelming probability, conflicts avoided), both grids and both rounds, levels from a latent
  dossier quality that follows the jury's decision, a juror severity and noise, as the demo does.

Files are written with :func:`socinnov.inputs.tabular.write_table` (French headers, ``;``, UTF-8 BOM), so
ingest reads exactly what a user would hand in.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from socinnov.call import grids
from socinnov.call import vocabulary as voc
from socinnov.call.schemas import TABLES
from socinnov.demo import generator, ratings, readme
from socinnov.inputs.tabular import write_table

# Drawn afresh for the large jury, never tiled (the demo's assignments name the demo's 9 jurors).
JURY_TABLES = ("jurors", "conflicts", "assignments", "ratings")
BASE_SEED = 2016
BASE_SIZE = 120
COMMENTS = ("Le collectif reste à préciser.", "Ancrage territorial convaincant.",
            "La gouvernance n'est pas décrite.", "Modèle économique fragile.")


@cache
def base_cohort() -> dict[str, pd.DataFrame]:
    """The demo cohort every large cohort tiles (generated once per process)."""
    return generator.generate(seed=BASE_SEED, n_dossiers=BASE_SIZE)


def _tile(base: dict[str, pd.DataFrame], n_dossiers: int) -> dict[str, pd.DataFrame]:
    """Every dossier-keyed table of ``base`` repeated under new identifiers, cut at ``n_dossiers``."""
    ids = base["dossiers"]["dossier_id"].tolist()
    copies = -(-n_dossiers // len(ids))
    new_ids = {}
    for k in range(copies):
        for i, d in enumerate(ids):
            number = k * len(ids) + i + 1
            if number <= n_dossiers:
                new_ids[(k, d)] = f"AMI16-{number:05d}"
    out = {}
    for name, df in base.items():
        if name in JURY_TABLES or "dossier_id" not in df.columns:
            continue
        parts = []
        for k in range(copies):
            mapped = df["dossier_id"].map(lambda d, k=k: new_ids.get((k, d)))
            part = df.assign(dossier_id=mapped.to_numpy())
            parts.append(part[mapped.notna().to_numpy()])
        out[name] = pd.concat(parts, ignore_index=True)
    return out


def _jurors(n_jurors: int) -> pd.DataFrame:
    roles = np.array(voc.JUROR_ROLES, dtype=object)
    return pd.DataFrame({
        "juror_id": [f"J{j:03d}" for j in range(1, n_jurors + 1)],
        "name": [f"Juré fictif {j:03d}" for j in range(1, n_jurors + 1)],
        "role": roles[np.arange(n_jurors) % len(roles)],
        "structure": [f"Structure fictive {j % 17 + 1}" for j in range(n_jurors)],
    })


def _design(rng: np.random.Generator, n_units: int, n_jurors: int, per_dossier: int) -> np.ndarray:
    """``n_units x per_dossier`` juror indices, distinct within a row (uniformly random subsets)."""
    if per_dossier > n_jurors:
        raise ValueError(f"{per_dossier} jurés par dossier pour un jury de {n_jurors}")
    keys = rng.random((n_units, n_jurors))
    return np.argpartition(keys, per_dossier - 1, axis=1)[:, :per_dossier]


def _grid_ratings(rng: np.random.Generator, grid: grids.Grid, dossier_ids: np.ndarray, quality: np.ndarray,
                  design: np.ndarray, severity: np.ndarray, juror_ids: np.ndarray, cuts, *, noise: float,
                  missing: float, if_relevant_blank: float) -> pd.DataFrame:
    """Long ratings of one grid: every (dossier, juror of its design, criterion, round)."""
    criteria = grid.criteria
    n, k = design.shape
    c = len(criteria)
    offsets = rng.normal(0, 0.25, c)
    latent = (quality[:, None, None] + severity[design][:, :, None] + offsets[None, None, :]
              + rng.normal(0, noise, (n, k, c)))
    consensus = latent.mean(axis=1, keepdims=True)
    debated = consensus + 0.35 * (latent - consensus) + rng.normal(0, 0.2, (n, k, c))
    labels = np.array(grid.level_labels + (None,), dtype=object)
    blank = rng.random((n, k, c)) < missing
    relevant_only = np.array([grid.dimension(cr.dimension).if_relevant for cr in criteria])
    if relevant_only.any():  # a section "si pertinent": mostly left empty, per (dossier, juror)
        skip = rng.random((n, k, 1)) < if_relevant_blank
        blank |= skip & relevant_only[None, None, :]
    parts = []
    for round_, values in zip(voc.ROUNDS, (latent, debated)):
        codes = np.digitize(values, cuts)
        codes = np.where(blank, len(grid.levels), codes)
        comment = np.full(n * k * c, None, dtype=object)
        picked = rng.random(n * k * c) < 0.01
        comment[picked] = np.array(COMMENTS, dtype=object)[rng.integers(0, len(COMMENTS), int(picked.sum()))]
        parts.append(pd.DataFrame({
            "dossier_id": np.repeat(dossier_ids, k * c),
            "juror_id": np.repeat(juror_ids[design].ravel(), c),
            "grid": grid.id,
            "grid_version": grid.version,
            "criterion": np.tile(np.array([cr.id for cr in criteria], dtype=object), n * k),
            "round": round_,
            "level": labels[codes.ravel()],
            "comment": comment,
        }))
    return pd.concat(parts, ignore_index=True)


def generate(n_dossiers: int, *, n_jurors: int = 80, per_dossier: int = 8, seed: int = 1) -> dict[str, pd.DataFrame]:
    """A cohort of ``n_dossiers`` dossiers, ``n_jurors`` jurors and ``per_dossier`` jurors per rated dossier.

    Returns typed frames keyed by ``Table.name``, like :func:`socinnov.demo.generator.generate`.
    """
    base = base_cohort()
    frames = _tile(base, n_dossiers)
    rng = np.random.default_rng(seed)
    jurors = _jurors(n_jurors)
    juror_ids = jurors["juror_id"].to_numpy(dtype=object)
    severity = rng.normal(0, 0.3, n_jurors)
    decisions = frames["decisions"]
    shift = decisions["decision"].map({"retenu - financé": 1.2, "retenu - réorienté": 0.6,
                                       "non retenu": -0.4}).to_numpy(dtype=float)
    quality = shift + rng.normal(0, 0.6, len(decisions))
    rated = decisions["dossier_id"].to_numpy(dtype=object)  # the demo decides every rated dossier
    design = _design(rng, len(rated), n_jurors, per_dossier)
    # Conflicts: about 2 % of rated dossiers, with a juror outside their design.
    conflicted = np.flatnonzero(rng.random(len(rated)) < 0.02)
    conflict_rows = []
    for i in conflicted:
        outside = np.setdiff1d(np.arange(n_jurors), design[i])
        if len(outside):
            conflict_rows.append((juror_ids[rng.choice(outside)], rated[i], "Partenaire de l'action"))
    conflicts = pd.DataFrame(conflict_rows, columns=["juror_id", "dossier_id", "reason"])
    acceptability = grids.load_grid(grids.ACCEPTABILITY, "2016")
    feasibility = grids.load_grid(grids.FEASIBILITY, "2016")
    acc = _grid_ratings(rng, acceptability, rated, quality, design, severity, juror_ids, ratings.ACCEPTABILITY_CUTS,
                        noise=0.6, missing=0.015, if_relevant_blank=0.0)
    retained = decisions["decision"].isin(("retenu - financé", "retenu - réorienté")).to_numpy()
    feas = _grid_ratings(rng, feasibility, rated[retained], quality[retained] * 0.8 - 0.1, design[retained],
                         0.7 * severity, juror_ids, ratings.FEASIBILITY_CUTS, noise=0.55, missing=0.01,
                         if_relevant_blank=0.6)
    frames.update(jurors=jurors, conflicts=conflicts, ratings=pd.concat([acc, feas], ignore_index=True))
    return frames


def write_cohort(folder: Path, n_dossiers: int, *, n_jurors: int = 80, per_dossier: int = 8,
                 seed: int = 1) -> dict[str, int]:
    """Write a cohort folder (CSV files and ``appel.yaml``); return the rows of each table."""
    frames = generate(n_dossiers, n_jurors=n_jurors, per_dossier=per_dossier, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        if table.name in frames:
            write_table(frames[table.name], table, folder / table.filename)
    (folder / "appel.yaml").write_text(readme.call_yaml_text(seed, n_dossiers), encoding="utf-8")
    return {name: len(df) for name, df in frames.items()}

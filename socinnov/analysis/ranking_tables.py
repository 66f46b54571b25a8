"""The funding line in the reports: ranking uncertainty and the grey zone, as French tables and sentences.

:func:`funding_line` runs ``socinnov.analysis.ranking`` on one grid's ratings of one round, with
the number of dossiers the jury funded (or, before the decisions, the call's envelope and the
amounts requested), and never fails on valid data: too few dossiers or jurors, no decision nor
envelope, a rating plan split in groups without a common juror give a French sentence instead
of (or beside) the figures. ``*_fr`` functions give what the jury's and the committee's reports
show; the public reports show nothing of ranks.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from socinnov import fr
from socinnov.analysis.juror_effects import DisconnectedDesignWarning
from socinnov.analysis.ranking import ABOVE, BELOW, GREY, grey_zone, rank_posterior
from socinnov.call.grids import Grid, grid_ratings
from socinnov.call.vocabulary import FUNDED, INDIVIDUAL

__all__ = [
    "SMALL_DOSSIERS",
    "SMALL_JURORS",
    "FundingLine",
    "funding_line",
    "ranking_summary_fr",
    "ranking_table_fr",
]


#: Under these sizes the sections say that the intervals rest on few data: the variances are
#: estimated on few dossiers, and the empirical-Bayes posterior takes them as known, so the rank
#: intervals are then too narrow (see ``socinnov.analysis.ranking`` and ``docs/decisions.md``).
SMALL_DOSSIERS = 20
SMALL_JURORS = 3  # jurors per dossier, on average


@dataclass
class FundingLine:
    """The grey zone of one grid's ratings (``zone``: ``ranking.grey_zone`` output, or ``None``)."""

    zone: pd.DataFrame | None
    n_dossiers: int
    n_jurors: int
    jurors_per_dossier: float
    basis: str  # how the number fundable was set, in French; "" without a line
    notes: list[str] = field(default_factory=list)  # French caveats, in the order they apply
    seed: int = 0


def _count(n: int, one: str, many: str) -> str:
    return f"{fr.number(n)} {one if n < 2 else many}"  # French: « 0 dossier », « 1 dossier »


def _ranks(low: float, high: float) -> str:
    a, b = fr.number(low), fr.number(high)
    return a if a == b else f"{a} à {b}"


def funding_line(ratings: pd.DataFrame, grid: Grid, decisions: pd.DataFrame | None = None, *,
                 dossiers: pd.DataFrame | None = None, envelope: float | None = None, round: str = INDIVIDUAL,
                 n_draws: int = 2000, seed: int = 0) -> FundingLine:
    """Expected ranks, rank intervals and the grey zone of the dossiers rated on ``grid``.

    The number fundable is the number of rated dossiers the jury funded (« retenu - financé »);
    without any, the number that fit in ``envelope`` by expected rank (the aid requested, column
    ``requested_amount`` of ``dossiers``); without either, the ranks are given without a line.

    Returns
    -------
    FundingLine
        ``zone`` is ``None`` when the ratings cannot rank (fewer than 3 dossiers, or no dossier
        rated by two jurors); ``notes`` say why, and when the data are few.
    """
    r = grid_ratings(ratings, grid, round).dropna(subset=["level_code"])
    r = r.assign(level_code=r["level_code"].astype(float))
    n_d, n_j = int(r["dossier_id"].nunique()), int(r["juror_id"].nunique())
    per = float(r.groupby("dossier_id")["juror_id"].nunique().mean()) if n_d else 0.0
    line = FundingLine(zone=None, n_dossiers=n_d, n_jurors=n_j, jurors_per_dossier=per, basis="", seed=seed)
    multi = int((r.groupby("dossier_id")["juror_id"].nunique() >= 2).sum()) if n_d else 0
    if n_d < 3 or multi == 0:
        line.notes.append(f"Classement non estimé : {_count(n_d, 'dossier noté', 'dossiers notés')} sur la "
                          f"{grid.title.lower()}, {_count(multi, 'dossier', 'dossiers')} par au moins deux jurés ; il en faut "
                          "au moins trois, dont certains notés par deux jurés, pour séparer la sévérité des jurés de "
                          "la qualité des dossiers.")
        return line
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DisconnectedDesignWarning)
        # Dossiers and jurors numbered by first appearance, as the cache numbers them
        # (``socinnov.cache``): the committee's copy (same rows, pseudonymised ids) then gets the
        # very draws of the jury's, so that both reports show the same ranks and the same grey
        # zone (numbered by their ids, the jurors' pseudonyms sort otherwise and change the draws).
        codes, names = pd.factorize(r["dossier_id"], sort=False)
        jurors = pd.factorize(r["juror_id"], sort=False)[0]
        post = rank_posterior(r.assign(dossier_id=codes, juror_id=jurors), n_draws=n_draws, seed=seed)
    if any(issubclass(w.category, DisconnectedDesignWarning) for w in caught):
        line.notes.append("Le plan de notation se divise en groupes de jurés et de dossiers sans juré commun : "
                          "d'un groupe à l'autre, les rangs supposent des jurés de même sévérité moyenne.")
    rated = set(names)
    amounts = None
    if dossiers is not None and "requested_amount" in dossiers:
        requested = dossiers.drop_duplicates("dossier_id").set_index("dossier_id")["requested_amount"]
        amounts = pd.Series(requested.reindex(names).to_numpy(), index=np.arange(len(names)))
    n_funded = 0
    if decisions is not None and len(decisions):
        n_funded = int(decisions[decisions["dossier_id"].isin(rated)]["decision"].eq(FUNDED).sum())
    if n_funded:
        zone = grey_zone(post, n_funded=n_funded)
        line.basis = f"{_count(n_funded, 'dossier financé', 'dossiers financés')} par le jury"
    elif envelope and amounts is not None and pd.Series(amounts).reindex(post.ids).notna().all():
        zone = grey_zone(post, amounts=amounts, envelope=envelope)
        line.basis = (f"enveloppe de {fr.euros(envelope)} et aides sollicitées "
                      f"({_count(zone.attrs['n_fundable'], 'dossier', 'dossiers')} y tiennent par rang attendu)")
    else:
        zone = grey_zone(post, n_funded=0)
        line.notes.append("Pas encore de dossier financé ni d'enveloppe déclarée (enveloppe dans appel.yaml) : les "
                          "rangs sont donnés sans ligne de financement.")
    zone["dossier_id"] = names[zone["dossier_id"].to_numpy()]
    line.zone = zone
    if n_d < SMALL_DOSSIERS or per < SMALL_JURORS:
        line.notes.append(
            f"Peu de données : {_count(n_d, 'dossier', 'dossiers')}, {_count(n_j, 'juré', 'jurés')} "
            f"({fr.number(per, 1)} par dossier en moyenne). Les variances du modèle sont estimées sur ces seules "
            "notes et tenues pour connues : les intervalles de rang sont alors trop étroits, et la zone grise "
            "plus petite qu'elle n'est. À lire comme un ordre de grandeur.")
    if post.dossier_variance <= 0:
        line.notes.append("La variance entre dossiers est estimée nulle : une fois la sévérité des jurés retirée, "
                          "les notes ne distinguent pas les dossiers, et tous les rangs se valent.")
    return line


def ranking_summary_fr(line: FundingLine) -> str:
    """A French paragraph: where the funding line passes, how many dossiers the ratings cannot separate."""
    parts = []
    z = line.zone
    if z is not None:
        n = len(z)
        parts.append(f"Classement de {_count(n, 'dossier', 'dossiers')} notés par {_count(line.n_jurors, 'juré', 'jurés')} "
                     f"({fr.number(line.jurors_per_dossier, 1)} par dossier en moyenne), sur la note moyenne de "
                     "chaque juré corrigée de sa sévérité et de la difficulté des critères.")
        if z.attrs.get("n_fundable"):
            counts = z["group"].value_counts()
            above, grey, below = (int(counts.get(g, 0)) for g in (ABOVE, GREY, BELOW))
            parts.append(f"Ligne de financement : {line.basis}, soit le rang attendu "
                         f"{fr.number(z.attrs['funding_line'], 1)}. {_count(above, 'dossier', 'dossiers')} "
                         f"au-dessus de la ligne (tout l'intervalle de rang à 50 % au-dessus), "
                         f"{_count(grey, 'dossier', 'dossiers')} dans la zone grise, {fr.number(below)} en dessous.")
            if grey:
                parts.append(f"Les notes ne permettent pas de départager les {_count(grey, 'dossier', 'dossiers')} de "
                             "la zone grise : leur place par rapport à la ligne tient à l'incertitude des notes plus "
                             "qu'à un écart établi. Un tirage au sort partiel parmi eux (Heyard et al. 2022) serait "
                             "une façon assumée de les départager ; ce rapport n'en fait aucun.")
            else:
                parts.append("Aucun dossier n'est dans la zone grise : les notes séparent nettement les dossiers "
                             "financés des autres.")
    return " ".join(parts + line.notes)


def ranking_table_fr(line: FundingLine, decisions: pd.DataFrame | None = None, *, window: int = 5) -> pd.DataFrame:
    """The dossiers around the funding line: the grey zone and ``window`` dossiers on either side.

    Columns: dossier, jurors, raw mean level, expected rank with its 50 % and 90 % intervals,
    probability of being funded, position, the jury's decision. Without a line: the ``2 window``
    first dossiers by expected rank.
    """
    z = line.zone
    if z is None or z.empty:
        return pd.DataFrame({"Dossier": []})
    z = z.reset_index(drop=True)
    grey = np.flatnonzero(z["group"].to_numpy() == GREY)
    if len(grey):
        lo, hi = max(grey.min() - window, 0), grey.max() + window + 1
    elif z.attrs.get("n_fundable"):
        k = int(z.attrs["n_fundable"])
        lo, hi = max(k - window, 0), k + window
    else:
        lo, hi = 0, 2 * window
    z = z.iloc[lo:hi]
    decided = (decisions.set_index("dossier_id")["decision"] if decisions is not None and len(decisions)
               else pd.Series(dtype=object))
    out = pd.DataFrame({
        "Dossier": z["dossier_id"].to_numpy(),
        "Jurés": z["n_jurors"].to_numpy(),
        "Niveau moyen (brut)": [fr.number(v, 2) for v in z["raw_score"]],
        "Rang attendu": [fr.number(v, 1) for v in z["expected_rank"]],
        "Rangs probables (50 %)": [_ranks(a, b) for a, b in zip(z["rank_low"], z["rank_high"])],
        "Rangs possibles (90 %)": [_ranks(a, b) for a, b in zip(z["rank_low_outer"], z["rank_high_outer"])],
    })
    if z.attrs.get("n_fundable"):
        out["Probabilité d'être financé"] = [fr.percent(p) for p in z["p_funded"]]
        out["Position"] = z["group"].to_numpy()
    out["Décision du jury"] = z["dossier_id"].map(decided).astype(object).fillna("–").to_numpy()
    return out

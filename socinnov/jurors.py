"""Juror effects: who rates harder, dossier scores adjusted for who rated them, and what changes.

Model (one row per dossier and juror, the mean level over the criteria of the grid):

    score[d, j] = mu + severity[j] + dossier[d] + e[d, j],   dossier[d] ~ N(0, s2_d), e ~ N(0, s2_e)

fitted with statsmodels ``MixedLM`` (dossiers as groups). Jurors are *fixed* effects coded
sum-to-zero, so that each juror's severity reads as "levels above (+) or below (-) the average
juror" with its own standard error: with 5 to 15 jurors there are too few to estimate a
juror variance well, and the committee wants each juror's own estimate, not one shrunk toward
the mean. Dossiers are random effects, crossed with jurors through the rating design.

The estimates mean something only if the design links every dossier to every other through
shared jurors (``design_components``): otherwise a dossier's score and its jurors' severity
cannot be told apart, and ``juror_effects`` warns.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.stats import norm


class DisconnectedDesignWarning(UserWarning):
    """The rating design splits into separate groups of jurors and dossiers."""


def design_components(data: pd.DataFrame, *, unit: str = "dossier_id", rater: str = "juror_id") -> pd.Series:
    """Connected component of each unit in the bipartite unit-rater graph (0, 1, …).

    One component means every dossier is linked to every other through chains of shared jurors.
    """
    pairs = data[[unit, rater]].dropna().drop_duplicates()
    u_codes, u_index = pd.factorize(pairs[unit])
    r_codes, _ = pd.factorize(pairs[rater])
    n_u, n_r = len(u_index), int(r_codes.max()) + 1 if len(r_codes) else 0
    graph = sparse.coo_matrix((np.ones(len(pairs)), (u_codes, n_u + r_codes)), shape=(n_u + n_r, n_u + n_r))
    _, labels = connected_components(graph, directed=False)
    return pd.Series(labels[:n_u], index=u_index, name="component")


@dataclass
class JurorEffects:
    severity: pd.DataFrame  # juror_id, effect, se, ci_low, ci_high, n_dossiers
    adjusted: pd.DataFrame  # dossier_id, raw_score, adjusted_score, n_jurors
    dossier_variance: float
    residual_variance: float
    n_components: int


def _dossier_juror_means(ratings: pd.DataFrame) -> pd.DataFrame:
    r = ratings.dropna(subset=["level_code"])
    return (r.assign(level_code=r["level_code"].astype(float))
            .groupby(["dossier_id", "juror_id"], as_index=False)["level_code"].mean()
            .rename(columns={"level_code": "score"}))


def juror_effects(ratings: pd.DataFrame, *, confidence: float = 0.95) -> JurorEffects:
    """Fit the model above on one grid's ratings of one round (``dossier_id, juror_id, level_code``)."""
    dj = _dossier_juror_means(ratings)
    components = design_components(dj)
    n_comp = int(components.nunique())
    if n_comp > 1:
        warnings.warn(
            f"le plan de notation se divise en {n_comp} groupes de jurés et de dossiers sans juré commun : "
            "la sévérité des jurés et les scores ajustés ne sont pas comparables d'un groupe à l'autre",
            DisconnectedDesignWarning, stacklevel=2)
    jurors = sorted(dj["juror_id"].unique())
    dj["juror_id"] = pd.Categorical(dj["juror_id"], categories=jurors)
    model = smf.mixedlm("score ~ C(juror_id, Sum)", dj, groups=dj["dossier_id"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on tiny designs; checked below
        fit = model.fit(reml=True, method=["lbfgs", "powell"])
    names = [n for n in fit.fe_params.index if n.startswith("C(juror_id")]
    # Sum coding: coefficients for all jurors but the last; the last is minus their sum.
    contrast = np.vstack([np.eye(len(names)), -np.ones((1, len(names)))])
    beta = fit.fe_params[names].to_numpy()
    cov = fit.cov_params().loc[names, names].to_numpy()
    effect = contrast @ beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", contrast, cov, contrast))
    z = norm.ppf(0.5 + confidence / 2)
    counts = dj.groupby("juror_id", observed=True)["dossier_id"].nunique()
    severity = pd.DataFrame({"juror_id": jurors, "effect": effect, "se": se, "ci_low": effect - z * se,
                             "ci_high": effect + z * se, "n_dossiers": counts.reindex(jurors).to_numpy()})
    effect_of = dict(zip(jurors, effect))
    dj["adjusted"] = dj["score"] - dj["juror_id"].map(effect_of).astype(float)
    adjusted = (dj.groupby("dossier_id", as_index=False)
                .agg(raw_score=("score", "mean"), adjusted_score=("adjusted", "mean"), n_jurors=("juror_id", "size")))
    return JurorEffects(severity=severity, adjusted=adjusted, dossier_variance=float(fit.cov_re.iloc[0, 0]),
                        residual_variance=float(fit.scale), n_components=n_comp)


def decision_changes(adjusted: pd.DataFrame, *, n_selected: int) -> pd.DataFrame:
    """Dossiers whose place in the top ``n_selected`` changes when scores are adjusted for jurors.

    As Tesio et al. (2015) did for grant referees: rank by raw then by adjusted score, keep the
    ``n_selected`` best in each ranking, and list the dossiers that are in one selection only.
    Returns ``dossier_id, raw_rank, adjusted_rank, change`` (``"entre"`` or ``"sort"``).

    References
    ----------
    Tesio, L., Simone, A., Grzeda, M. T., Ponzio, M., Dati, G., Zaratin, P., Perucca, L. & Battaglia,
    M. A. (2015). Funding medical research projects: taking into account referees' severity and
    consistency through many-faceted Rasch modeling of projects' scores. Journal of Applied
    Measurement, 16(2), 129-152.
    """
    d = adjusted.copy()
    d["raw_rank"] = d["raw_score"].rank(ascending=False, method="first").astype(int)
    d["adjusted_rank"] = d["adjusted_score"].rank(ascending=False, method="first").astype(int)
    raw_in = d["raw_rank"] <= n_selected
    adj_in = d["adjusted_rank"] <= n_selected
    out = d[raw_in != adj_in].copy()
    out["change"] = np.where(adj_in[raw_in != adj_in], "entre", "sort")
    return out[["dossier_id", "raw_rank", "adjusted_rank", "change"]].sort_values("adjusted_rank", ignore_index=True)

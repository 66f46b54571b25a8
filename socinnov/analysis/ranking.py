"""How sure is the funding line? Expected ranks, rank intervals, probability of funding, grey zone, lottery.

Model
    The ratings of one grid and one round: each rating is first corrected for its criterion's
    mean (criterion effects, fixed: a dossier that misses a rating on a harsh criterion is not
    favoured), then averaged per dossier and juror, and

        score[d, j] = mu + severity[j] + theta[d] + e[d, j],  theta ~ N(0, s2_theta), e ~ N(0, s2_e)

    is fitted by REML exactly as ``socinnov.analysis.juror_effects`` fits it (jurors fixed,
    sum-coded; dossiers random; the same closed-form solver). A dossier's *true score* is
    ``mu + theta[d]``: its expected mean level over the grid's criteria from the average juror.
Posterior
    Empirical Bayes: the variances are set at their REML estimates, and the fixed effects
    (``mu`` and the severities) have a flat prior, so their posterior is ``N(beta_hat, Cov(beta_hat))``.
    Given them, dossiers are independent a posteriori (each dossier's ratings involve only its own
    ``theta``), with ``theta[d] | beta, y ~ N(c_d sum_j r_dj, c_d s2_e)``,
    ``c_d = s2_theta / (s2_e + n_d s2_theta)``, ``r_dj`` the residuals from the fixed part. Drawing
    ``beta`` then every ``theta`` is an exact draw from this Gaussian posterior; the severities'
    uncertainty, shared by the dossiers of a juror, moves their ranks together.
Ranks
    In every draw the dossiers are ranked (1 = best). For each dossier: the expected rank (ER,
    the posterior mean of its rank), a central interval of its rank (50 % and 90 % by default,
    as ERforResearch's ``plot_er_distributions``), the percentile ``PCER = 100 (ER - 1/2) / n``, the
    SUCRA ``(n - ER) / (n - 1)``, and the probability of being funded (among the ``n_funded`` best
    of the draw, or within an envelope given the amounts requested).
Funding line and grey zone
    As Heyard et al. (2022) and ERforResearch: the funding line is the ER of the last fundable
    dossier (by ER); a dossier whose rank interval lies wholly above it is funded, wholly below
    it is not, and one whose interval contains it (or whose ER is the line) is in the grey zone,
    where the ratings cannot separate the dossiers. If the grey zone and the funded together do
    not exceed what can be funded, the grey zone is funded. A partial lottery then draws, with
    a recorded seed, which dossiers of the grey zone take the remaining places.

Why empirical Bayes rather than a sampler (PyMC, Stan, JAGS as ERforResearch): the posterior
above is Gaussian and exact given the variances, drawn in a second at 10 000 dossiers with
numpy alone; a sampler adds a compiler toolchain or hundreds of MB of dependencies and minutes
per call, for one difference: the uncertainty of two variances, small once a call has 100
dossiers (it widens the intervals of the smallest cohorts; see ``docs/decisions.md``).

References
----------
Heyard, R., Ott, M., Salanti, G. & Egger, M. (2022). Rethinking the funding line at the Swiss
National Science Foundation: Bayesian ranking and lottery. *Statistics and Public Policy*, 9(1),
110-121. doi:10.1080/2330443X.2022.2086190. R package ERforResearch (github.com/snsf-data/ERforResearch).
Lingsma, H. F., Eijkemans, M. J. & Steyerberg, E. W. (2009). Incorporating natural variation into
IVF clinic league tables: the expected rank. *BMC Medical Research Methodology*, 9, 53.
Salanti, G., Ades, A. E. & Ioannidis, J. P. (2011). Graphical methods and numerical summaries for
presenting results from multiple-treatment meta-analysis (SUCRA, rankograms). *Journal of
Clinical Epidemiology*, 64, 163-171.
"""

from __future__ import annotations

import secrets
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from socinnov.analysis.juror_effects import (
    DisconnectedDesignWarning,
    design_components,
    fit_random_intercept,
)

#: Groups of the funding line, as the reports name them.
ABOVE, GREY, BELOW = "au-dessus de la ligne", "zone grise", "sous la ligne"


@dataclass
class RankingPosterior:
    """Posterior of the dossiers' true scores and ranks (see the module's docstring)."""

    dossiers: pd.DataFrame  # one row per dossier, sorted by expected rank; see rank_posterior
    draws: np.ndarray  # (n_draws, n_dossiers) true scores, columns in the order of ``ids``
    ranks: np.ndarray  # (n_draws, n_dossiers) ranks, 1 = best
    ids: np.ndarray  # dossier ids, the columns of ``draws`` and ``ranks``
    dossier_variance: float
    residual_variance: float
    seed: int


def _dossier_juror_scores(ratings: pd.DataFrame, response: str) -> pd.DataFrame:
    keys = [c for c in ("dossier_id", "juror_id", "criterion") if c in ratings]
    r = ratings.dropna(subset=[response]).sort_values(keys, kind="stable")  # same sums whatever the row order
    y = r[response].astype(float)
    if "criterion" in r:
        y = y - y.groupby(r["criterion"]).transform("mean") + y.mean()
    return (r.assign(_y=y).groupby(["dossier_id", "juror_id"], as_index=False)["_y"].mean()
            .rename(columns={"_y": "score"}))


def _rank_draws(draws: np.ndarray) -> np.ndarray:
    order = np.argsort(-draws, axis=1, kind="stable")
    ranks = np.empty_like(order, dtype=np.int32)
    rows = np.arange(draws.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, draws.shape[1] + 1, dtype=np.int32)[None, :]
    return ranks


def rank_posterior(ratings: pd.DataFrame, *, n_draws: int = 2000, seed: int = 0, inner: float = 0.5,
                   outer: float = 0.9, response: str = "level_code") -> RankingPosterior:
    """Expected rank, rank intervals, PCER and SUCRA of every dossier, from one grid's ratings of one round.

    Parameters
    ----------
    ratings : long ratings table (``dossier_id, juror_id, criterion, level_code``) of one grid and round.
    n_draws : posterior draws (2000 give the expected ranks to about 1 % of a rank's spread).
    seed : seed of the draws; the same table and seed give the same result, whatever the row order.
    inner, outer : levels of the two central rank intervals.

    Returns
    -------
    RankingPosterior whose ``dossiers`` has the columns ``dossier_id, n_jurors, raw_score,
    posterior_mean, posterior_sd, rank_pm`` (rank of the posterior mean, as ERforResearch's
    ``rank_pm``), ``expected_rank, rank_low, rank_high, rank_low_outer,
    rank_high_outer, pcer, sucra``, sorted by expected rank (then dossier).

    References
    ----------
    Heyard, R., Ott, M., Salanti, G. & Egger, M. (2022). Rethinking the funding line at the Swiss
    National Science Foundation: Bayesian ranking and lottery. *Statistics and Public Policy*, 9(1), 110-121.
    """
    for column in ("grid", "grid_version", "round"):
        if column in ratings and ratings[column].nunique() > 1:
            raise ValueError(f"le classement porte sur une grille et un tour : la colonne {column} a "
                             f"{ratings[column].nunique()} valeurs")
    dj = _dossier_juror_scores(ratings, response)
    n_comp = int(design_components(dj).nunique())
    if n_comp > 1:
        warnings.warn(f"le plan de notation se divise en {n_comp} groupes de jurés et de dossiers sans juré "
                      "commun : les rangs d'un groupe à l'autre dépendent d'une hypothèse (jurés de même "
                      "sévérité moyenne dans chaque groupe)", DisconnectedDesignWarning, stacklevel=2)
    ids = np.sort(dj["dossier_id"].unique())
    jurors = np.sort(dj["juror_id"].unique())
    d_code = np.searchsorted(ids, dj["dossier_id"].to_numpy())
    j_code = np.searchsorted(jurors, dj["juror_id"].to_numpy())
    y = dj["score"].to_numpy(dtype=float)
    fit = fit_random_intercept(y, j_code, d_code, len(jurors))
    s2t, s2e = fit.group_variance, fit.scale
    # Fixed-effect design (intercept, sum-coded jurors), summed per dossier.
    p = len(jurors)
    x = np.zeros((len(y), p))
    x[:, 0] = 1.0
    last = j_code == p - 1
    x[np.flatnonzero(~last), 1 + j_code[~last]] = 1.0
    x[np.ix_(np.flatnonzero(last), np.arange(1, p))] = -1.0
    n_d = len(ids)
    s_mat = sparse.csr_matrix((np.ones(len(y)), (d_code, np.arange(len(y)))), shape=(n_d, len(y))) @ x
    y_sum = np.bincount(d_code, weights=y, minlength=n_d)
    size = np.bincount(d_code, minlength=n_d).astype(float)
    c = s2t / (s2e + size * s2t) if s2t > 0 else np.zeros(n_d)
    v = c * s2e

    rng = np.random.default_rng(seed)
    cov = (fit.fe_cov + fit.fe_cov.T) / 2
    vals, vecs = np.linalg.eigh(cov)
    beta = fit.fe_params + rng.standard_normal((n_draws, p)) @ (vecs * np.sqrt(np.clip(vals, 0, None))).T
    # draws = beta[:, :1] + c * (y_sum - beta @ S') + sqrt(v) * noise, computed in place: each
    # temporary is n_draws x n_dossiers (160 MB at 10 000 dossiers), and fresh memory is costly.
    draws = beta @ s_mat.T
    np.subtract(y_sum[None, :], draws, out=draws)
    np.multiply(c, draws, out=draws)
    np.add(beta[:, :1], draws, out=draws)
    noise = rng.standard_normal((n_draws, n_d))
    np.multiply(np.sqrt(v), noise, out=noise)
    draws += noise
    del noise
    # Exact posterior mean and sd of each true score (linear in beta): the ranks of equal dossiers tie.
    load = -c[:, None] * s_mat
    load[:, 0] += 1.0
    post_mean = load @ fit.fe_params + c * y_sum
    post_sd = np.sqrt(np.einsum("ij,jk,ik->i", load, cov, load) + v)
    ranks = _rank_draws(draws)
    er = ranks.mean(axis=0)
    lo, hi = (1 - inner) / 2, (1 + inner) / 2
    olo, ohi = (1 - outer) / 2, (1 + outer) / 2
    q = np.quantile(ranks, [lo, hi, olo, ohi], axis=0)
    raw = pd.Series(y).groupby(d_code).mean().reindex(range(n_d)).to_numpy()
    table = pd.DataFrame({
        "dossier_id": ids, "n_jurors": size.astype(int), "raw_score": raw,
        "posterior_mean": post_mean, "posterior_sd": post_sd,
        "rank_pm": pd.Series(np.round(post_mean, 12)).rank(ascending=False, method="min").astype(int).to_numpy(),
        "expected_rank": er, "rank_low": q[0], "rank_high": q[1], "rank_low_outer": q[2], "rank_high_outer": q[3],
        "pcer": 100 * (er - 0.5) / n_d, "sucra": (n_d - er) / (n_d - 1) if n_d > 1 else np.nan,
    }).sort_values(["expected_rank", "dossier_id"], ignore_index=True)
    return RankingPosterior(dossiers=table, draws=draws, ranks=ranks, ids=ids, dossier_variance=float(s2t),
                            residual_variance=float(s2e), seed=seed)


def _amounts_of(post: RankingPosterior, amounts: pd.Series) -> np.ndarray:
    a = pd.Series(amounts).reindex(post.ids)
    if a.isna().any():
        missing = ", ".join(map(str, a.index[a.isna()][:5]))
        raise ValueError(f"montant demandé manquant pour {int(a.isna().sum())} dossier(s) classé(s) : {missing}")
    return a.to_numpy(dtype=float)


def _funded_by_envelope(order: np.ndarray, amounts: np.ndarray, envelope: float) -> np.ndarray:
    """Funded mask for dossiers taken in ``order`` (best first) until the next one exceeds the envelope."""
    cum = np.cumsum(amounts[order], axis=-1)
    funded_sorted = cum <= envelope + 1e-9
    funded_sorted = np.cumprod(funded_sorted, axis=-1).astype(bool)  # the line stops at the first that does not fit
    mask = np.zeros_like(funded_sorted)
    np.put_along_axis(mask, order, funded_sorted, axis=-1)
    return mask


def funding_probability(post: RankingPosterior, *, n_funded: int | None = None, amounts: pd.Series | None = None,
                        envelope: float | None = None) -> pd.Series:
    """Posterior probability of each dossier to be funded, by number funded or by envelope.

    By number: the share of draws in which the dossier is among the ``n_funded`` best. By
    envelope: in each draw the dossiers are funded from the best down, while the cumulated
    ``amounts`` (requested aid, indexed by ``dossier_id``) stay within ``envelope``; the line
    stops at the first dossier that does not fit.
    """
    if (n_funded is None) == (envelope is None):
        raise ValueError("give either n_funded, or amounts and envelope")
    if n_funded is not None:
        p = (post.ranks <= n_funded).mean(axis=0)
    else:
        a = _amounts_of(post, amounts)
        order = np.argsort(post.ranks, axis=1)
        p = _funded_by_envelope(order, a, envelope).mean(axis=0)
    return pd.Series(p, index=pd.Index(post.ids, name="dossier_id"), name="p_funded")


def rankogram(post: RankingPosterior, dossiers=None, *, cumulative: bool = False) -> pd.DataFrame:
    """Probability of each rank (or of each rank or better) for the given dossiers (all by default).

    Returns a wide table: one row per dossier, one column per rank 1..n (Salanti et al. 2011).
    """
    chosen = post.ids if dossiers is None else np.asarray(list(dossiers))
    cols = np.searchsorted(post.ids, chosen)
    n = len(post.ids)
    probs = np.stack([np.bincount(post.ranks[:, k], minlength=n + 1)[1:] for k in cols]) / post.ranks.shape[0]
    if cumulative:
        probs = np.cumsum(probs, axis=1)
    return pd.DataFrame(probs, index=pd.Index(chosen, name="dossier_id"), columns=range(1, n + 1))


def grey_zone(post: RankingPosterior, *, n_funded: int | None = None, amounts: pd.Series | None = None,
              envelope: float | None = None, interval: str = "inner") -> pd.DataFrame:
    """Place each dossier above the funding line, in the grey zone, or below it (Heyard et al. 2022).

    The number fundable is ``n_funded``, or, with an envelope, the number of dossiers that fit in
    it when taken by expected rank. The line is the ER of the last fundable dossier; groups by the
    ``"inner"`` (default, as ERforResearch) or ``"outer"`` rank interval, see the module's docstring.

    Returns ``post.dossiers`` with ``p_funded``, ``group`` (``ABOVE``, ``GREY``, ``BELOW``) and the
    attribute ``attrs["funding_line"]`` (the ER of the line) and ``attrs["n_fundable"]``.
    """
    if interval not in ("inner", "outer"):
        raise ValueError(f"interval must be 'inner' or 'outer', not {interval!r}")
    d = post.dossiers.copy()
    p = funding_probability(post, n_funded=n_funded, amounts=amounts, envelope=envelope)
    d["p_funded"] = d["dossier_id"].map(p).to_numpy()
    if n_funded is None:
        a = _amounts_of(post, amounts)[np.searchsorted(post.ids, d["dossier_id"].to_numpy())]
        n_funded = int(_funded_by_envelope(np.arange(len(d)), a, envelope).sum())
    n_funded = min(max(int(n_funded), 0), len(d))
    lo, hi = ("rank_low", "rank_high") if interval == "inner" else ("rank_low_outer", "rank_high_outer")
    if n_funded == 0:
        d["group"] = BELOW
        line = np.nan
    else:
        line = float(np.sort(d["expected_rank"].to_numpy())[n_funded - 1])
        grey = ((d[lo] <= line) & (d[hi] >= line)) | (d["expected_rank"] == line)
        d["group"] = np.where(grey, GREY, np.where(d[hi] < line, ABOVE, BELOW))
        if (d["group"] != BELOW).sum() <= n_funded:
            d.loc[d["group"] == GREY, "group"] = ABOVE
    d.attrs.update(funding_line=line, n_fundable=n_funded, interval=interval)
    return d


@dataclass
class Lottery:
    """A seeded draw among the grey zone: who takes the places left above the line."""

    seed: int
    places: int  # places drawn: number fundable minus the dossiers above the line (by envelope: winners)
    candidates: list  # the grey zone's dossiers, in the order of their ids
    winners: list  # in the order drawn
    table: pd.DataFrame  # the grey_zone table with a ``decision`` column


def draw_order(candidates: list, seed: int) -> list:
    """The candidates in a uniformly random order, from ``seed`` alone (numpy's PCG64 generator)."""
    return [candidates[i] for i in np.random.default_rng(seed).permutation(len(candidates))]


def partial_lottery(zone: pd.DataFrame, *, seed: int | None = None, amounts: pd.Series | None = None,
                    envelope: float | None = None) -> Lottery:
    """Draw which dossiers of the grey zone are funded (partial randomisation, Heyard et al. 2022).

    Parameters
    ----------
    zone : the result of ``grey_zone``.
    seed : the draw's seed; ``None`` draws a fresh one (``secrets``), always returned so that the
        draw can be published and replayed.
    amounts, envelope : with an envelope, the grey zone's dossiers are taken in the drawn order
        and funded while they fit in what the dossiers above the line leave of it; otherwise the
        places are the number fundable minus the dossiers above the line.

    Returns
    -------
    Lottery; ``table["decision"]`` is ``"financé"`` (above the line or drawn), ``"non financé"``.
    The draw depends only on the seed and the set of candidates, not on the order of the rows.
    """
    seed = secrets.randbits(63) if seed is None else int(seed)
    d = zone.copy()
    candidates = sorted(d.loc[d["group"] == GREY, "dossier_id"].tolist())
    drawn = draw_order(candidates, seed)
    above = d.loc[d["group"] == ABOVE, "dossier_id"].tolist()
    if envelope is None:
        places = max(int(zone.attrs["n_fundable"]) - len(above), 0)
        winners = drawn[:places]
    else:
        a = pd.Series(amounts)
        left = envelope - float(a.reindex(above).sum())
        cum = np.cumsum(a.reindex(drawn).to_numpy(dtype=float))
        winners = drawn[:int(np.sum(np.cumprod(cum <= left + 1e-9)))]
        places = len(winners)
    d["decision"] = np.where(d["dossier_id"].isin(above + winners), "financé", "non financé")
    return Lottery(seed=seed, places=places, candidates=candidates, winners=winners, table=d)

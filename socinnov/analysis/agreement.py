"""Inter-rater agreement and reliability statistics for jury ratings.

Every function takes a *long-format* table (one row per rating: unit, rater,
value; a missing value is a missing rating) and returns a tidy
:class:`pandas.DataFrame` with the columns ``statistic, estimate, ci_low,
ci_high, note``. Incomplete designs (not every rater rates every unit) and
missing ratings are the normal case.

Statistics and where they come from
-----------------------------------
=============================  =============================================
statistic                      computed by
=============================  =============================================
percent agreement (exact,      hand-written (no library handles missing
within one level)              ratings with pairwise agreement)
Krippendorff's alpha           ``krippendorff.alpha``
Fleiss' kappa                  ``statsmodels`` (complete designs); Gwet's
                               generalisation for missing ratings is
                               hand-written (no Python library has it)
Gwet's AC1 / AC2               hand-written (no maintained Python library)
Cohen's kappa (weighted)       ``statsmodels.stats.inter_rater.cohens_kappa``
ICC (Shrout & Fleiss)          ``pingouin.intraclass_corr`` (complete
                               designs); variance components for incomplete
                               designs are hand-written
Kendall's W                    ``pingouin.friedman``
=============================  =============================================

Bootstrap confidence intervals resample *units*. Re-running a library 1000
times would cost a full recomputation per replicate (about 7 s for
Krippendorff's alpha on 10 000 units), so the replicates are evaluated by
vectorised kernels from per-unit count matrices: a replicate is a vector of
unit multiplicities ``w`` and every statistic is a function of weighted sums
``w @ M`` of per-unit matrices ``M`` (category counts, ordered pairs of
ratings, rater incidence). The kernels evaluated at ``w = 1`` are tested
against the libraries' point estimates.

Weights and the declared scale
------------------------------
Agreement weights (AC2, weighted kappa, "within one level") and the number of
categories ``q`` used by chance-agreement terms are computed on the *declared*
levels (``levels=``, e.g. the four levels of the acceptability grid), not only
on the values that happen to be observed. A level that no juror used still
belongs to the scale: with levels 0-3 declared and only 0-2 observed, a one
level disagreement weighs 1 - 1/3 under linear weights, not 1 - 1/2. On an
ordinal (or nominal) scale the weights use the *positions* of the levels, since
only their order is meaningful; on interval and ratio scales they use the
numeric values of the levels.
"""

from __future__ import annotations

import math
import threading
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from socinnov.errors import UserError

__all__ = [
    "STATISTICS",
    "STATISTIC_LABELS",
    "AgreementInputError",
    "agreement_table",
    "cohen_kappa",
    "counts_matrix",
    "fleiss_kappa",
    "gwet_ac",
    "icc",
    "kendall_w",
    "krippendorff_alpha",
    "percent_agreement",
    "ratings_matrix",
    "weight_matrix",
]

SCALES = ("nominal", "ordinal", "interval", "ratio")
WEIGHTS = ("identity", "linear", "quadratic")

#: Statistics reported by :func:`agreement_table`, in order.
STATISTICS = (
    "percent_agreement",
    "percent_agreement_within_one",
    "krippendorff_alpha",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "cohen_kappa",
    "cohen_kappa_weighted",
    "icc1",
    "icc2",
    "icc3",
    "icc1k",
    "icc2k",
    "icc3k",
    "kendall_w",
)

#: French names of the statistics, as reports and the command line show them.
STATISTIC_LABELS = {
    "percent_agreement": "Accord observé (exact)",
    "percent_agreement_within_one": "Accord à un niveau près",
    "krippendorff_alpha": "Alpha de Krippendorff",
    "fleiss_kappa": "Kappa de Fleiss",
    "gwet_ac1": "AC1 de Gwet",
    "gwet_ac2": "AC2 de Gwet",
    "cohen_kappa": "Kappa de Cohen",
    "cohen_kappa_weighted": "Kappa de Cohen pondéré",
    "icc1": "ICC(1,1)",
    "icc2": "ICC(2,1)",
    "icc3": "ICC(3,1)",
    "icc1k": "ICC(1,k)",
    "icc2k": "ICC(2,k)",
    "icc3k": "ICC(3,k)",
    "kendall_w": "W de Kendall",
}

_COLUMNS = ["statistic", "estimate", "ci_low", "ci_high", "note"]
_WEIGHT_FR = {"identity": "identité", "linear": "linéaire", "quadratic": "quadratique"}
_SCALE_FR = {"nominal": "nominale", "ordinal": "ordinale", "interval": "d'intervalle", "ratio": "de rapport"}
# Bootstrap chunks hold at most this many unit weights (b x n floats, ~20 MB).
_CHUNK_CELLS = 2_500_000
# Above this many cells (n x q x q) krippendorff.alpha would need gigabytes of memory.
_KRIPPENDORFF_MAX_CELLS = 50_000_000


class AgreementInputError(UserError, ValueError):
    """Bad input data; the message is in French, for the jury analysts.

    Attributes
    ----------
    reason : str
        What is wrong and what to do, without the location.
    column : str or None
        Column concerned.
    position : int or None
        0-based position of the offending row in ``data``.
    value : object
        Offending value, if any.
    """

    def __init__(self, reason, *, column=None, position=None, index=None, value=None):
        self.reason = reason
        self.column = column
        self.position = position
        self.index = index
        self.value = value
        where = []
        if column is not None:
            where.append(f"colonne « {column} »")
        if position is not None:
            where.append(f"ligne d'index {index!r}" if index is not None else f"ligne {position}")
        super().__init__((", ".join(where) + " : " if where else "") + reason)


# ---------------------------------------------------------------------------
# Reading and reshaping (kept apart from the statistics)
# ---------------------------------------------------------------------------


def _norm(text) -> str:
    return unicodedata.normalize("NFC", str(text)).strip().casefold()


def _to_float(text) -> float | None:
    """Parse a number written with '.' or a French decimal comma; None if not a number."""
    if isinstance(text, (int, float, np.integer, np.floating)) and not isinstance(text, bool):
        return float(text)
    s = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if "," in s and "." not in s:
        s = s.replace(",", ".")
    try:
        x = float(s)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _level_label(x: float):
    return int(x) if float(x).is_integer() else float(x)


@dataclass
class _Ratings:
    """Ratings coded on the declared scale (internal)."""

    units: np.ndarray  # unit labels, length n (units with >= 1 rating)
    raters: np.ndarray  # rater labels, length m
    levels: tuple  # level labels, length q
    level_values: np.ndarray  # numeric value of each level (positions for text labels)
    labelled: bool  # levels are text labels (values are their positions 0..q-1)
    scale: str
    unit_idx: np.ndarray  # one entry per (non-missing) rating
    rater_idx: np.ndarray
    code: np.ndarray
    n_missing: int
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(self.units)

    @property
    def m(self) -> int:
        return len(self.raters)

    @property
    def q(self) -> int:
        return len(self.levels)

    @property
    def n_ratings(self) -> int:
        return len(self.code)

    @property
    def per_unit(self) -> np.ndarray:
        if "per_unit" not in self._cache:
            self._cache["per_unit"] = np.bincount(self.unit_idx, minlength=self.n)
        return self._cache["per_unit"]

    @property
    def complete(self) -> bool:
        return bool(np.all(self.per_unit == self.m))

    @property
    def weight_values(self) -> np.ndarray:
        """Scores used by agreement weights: positions on an ordinal (or nominal) scale,
        where only the order of the levels is meaningful; values on interval/ratio scales."""
        if self.scale in ("nominal", "ordinal"):
            return np.arange(self.q, dtype=float)
        return self.level_values

    def y(self) -> np.ndarray:
        return self.level_values[self.code]


def _encode_values(raw: pd.Series, scale: str, levels, column: str, positions: np.ndarray):
    """Code non-missing values on the declared levels.

    ``positions`` are the 0-based positions of ``raw``'s rows in the input table.
    Returns ``codes, labels, level_values, labelled``.
    """
    uniques_codes, uniques = pd.factorize(raw, sort=False)
    uniques = list(uniques)

    def fail(u_idx, reason):
        pos = int(np.argmax(uniques_codes == u_idx))
        raise AgreementInputError(reason, column=column, position=int(positions[pos]),
                                  index=raw.index[pos], value=uniques[u_idx])

    if levels is not None:
        labels = list(levels)
        if len(labels) == 0:
            raise AgreementInputError("la liste des niveaux déclarés est vide")
        keys = [_norm(x) for x in labels]
        if len(set(keys)) != len(keys):
            raise AgreementInputError(f"niveaux déclarés en double : {', '.join(map(str, labels))}")
        nums = [_to_float(x) for x in labels]
        numeric = all(v is not None for v in nums)
        if numeric:
            level_values = np.array(nums, dtype=float)
        else:
            level_values = np.arange(len(labels), dtype=float)
        by_key = {k: i for i, k in enumerate(keys)}
        by_num = {v: i for i, v in enumerate(nums)} if numeric else {}
        mapping = np.empty(len(uniques), dtype=np.int64)
        for i, u in enumerate(uniques):
            code = by_key.get(_norm(u))
            if code is None and numeric:
                code = by_num.get(_to_float(u))
            if code is None:
                fail(i, f"valeur « {u} » hors des niveaux déclarés ({', '.join(map(str, labels))})")
            mapping[i] = code
        return mapping[uniques_codes], tuple(labels), level_values, not numeric

    nums = [_to_float(u) for u in uniques]
    if all(v is not None for v in nums):
        order = sorted(set(nums))
        index = {v: i for i, v in enumerate(order)}
        mapping = np.array([index[v] for v in nums], dtype=np.int64)
        return mapping[uniques_codes], tuple(_level_label(v) for v in order), np.array(order), False
    if scale == "nominal":
        texts = sorted({str(u).strip() for u in uniques})
        index = {t: i for i, t in enumerate(texts)}
        mapping = np.array([index[str(u).strip()] for u in uniques], dtype=np.int64)
        return mapping[uniques_codes], tuple(texts), np.arange(len(texts), dtype=float), True
    bad = next(i for i, v in enumerate(nums) if v is None)
    if scale in ("interval", "ratio"):
        fail(bad, f"« {uniques[bad]} » n'est pas un nombre alors que l'échelle est "
                  f"{_SCALE_FR[scale]} : corrigez la valeur ou déclarez les niveaux (levels)")
    fail(bad, f"valeurs textuelles (« {uniques[bad]} ») sur une échelle ordinale : déclarez l'ordre "
              "des niveaux (levels), par exemple Inexistant,Faible,Intermédiaire,Fort")


def _is_missing(s: pd.Series) -> np.ndarray:
    miss = s.isna().to_numpy(copy=True)
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        miss |= s.astype(str).str.strip().eq("").to_numpy() & ~miss
    return miss


def _prepare(data, unit, rater, value, scale="ordinal", levels=None) -> _Ratings:
    """Validate a long-format table and code it on the declared scale."""
    if not isinstance(data, pd.DataFrame):
        raise AgreementInputError("les données doivent être un DataFrame pandas au format long")
    if scale not in SCALES:
        raise AgreementInputError(f"échelle inconnue « {scale} » : choisir parmi {', '.join(SCALES)}")
    for col in (unit, rater, value):
        if col not in data.columns:
            raise AgreementInputError(
                f"colonne absente ; colonnes disponibles : {', '.join(map(str, data.columns))}",
                column=col)
    positions = np.arange(len(data))
    for col in (unit, rater):
        miss = _is_missing(data[col])
        if miss.any():
            pos = int(np.flatnonzero(miss)[0])
            raise AgreementInputError("identifiant vide : chaque ligne doit nommer l'unité et "
                                      "l'évaluateur", column=col, position=pos,
                                      index=data.index[pos])
    vmiss = _is_missing(data[value])
    keep = ~vmiss
    if not keep.any():
        raise AgreementInputError("aucune note : toutes les valeurs sont vides", column=value)
    raw = data[value][keep]
    codes, labels, level_values, labelled = _encode_values(raw, scale, levels, value,
                                                           positions[keep])
    if scale == "ratio" and np.any(level_values < 0):
        raise AgreementInputError("une échelle de rapport n'admet pas de valeurs négatives",
                                  column=value)
    u_codes, u_labels = pd.factorize(data[unit][keep], sort=False)
    r_codes, r_labels = pd.factorize(data[rater][keep], sort=False)
    m = len(r_labels)
    pair = u_codes.astype(np.int64) * max(m, 1) + r_codes
    repeated = pd.Series(pair).duplicated().to_numpy()
    if repeated.any():
        pos = int(positions[keep][np.argmax(repeated)])  # first repeated (unit, rater) row
        raise AgreementInputError(
            f"l'évaluateur « {data[rater].iloc[pos]} » a noté l'unité « {data[unit].iloc[pos]} » "
            "plusieurs fois : gardez une seule note par évaluateur et par unité",
            column=rater, position=pos, index=data.index[pos])
    if m < 2:
        raise AgreementInputError(
            "un seul évaluateur a noté des unités : il en faut au moins deux pour mesurer un accord",
            column=rater)
    return _Ratings(
        units=np.asarray(u_labels, dtype=object),
        raters=np.asarray(r_labels, dtype=object),
        levels=labels,
        level_values=np.asarray(level_values, dtype=float),
        labelled=labelled,
        scale=scale,
        unit_idx=u_codes.astype(np.int64),
        rater_idx=r_codes.astype(np.int64),
        code=np.asarray(codes, dtype=np.int64),
        n_missing=int(vmiss.sum()),
    )


def ratings_matrix(data: pd.DataFrame, *, unit: str, rater: str, value: str,
                   scale: str = "ordinal", levels: Sequence | None = None) -> pd.DataFrame:
    """Reshape long ratings into a units x raters matrix of level codes.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format, one row per rating.
    unit, rater, value : str
        Column names.
    scale : {'nominal', 'ordinal', 'interval', 'ratio'}
    levels : sequence, optional
        Declared levels in order (e.g. ``["Inexistant", "Faible",
        "Intermédiaire", "Fort"]``); default: the observed values.

    Returns
    -------
    pandas.DataFrame
        Index: units, columns: raters, cells: numeric value of the level
        (its position 0..q-1 for text labels), NaN for a missing rating.

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import ratings_matrix
    >>> df = pd.DataFrame({"u": [1, 1, 2], "r": ["a", "b", "a"], "v": [0, 1, 3]})
    >>> ratings_matrix(df, unit="u", rater="r", value="v").to_numpy().tolist()
    [[0.0, 1.0], [3.0, nan]]
    """
    rt = _prepare(data, unit, rater, value, scale, levels)
    mat = np.full((rt.n, rt.m), np.nan)
    mat[rt.unit_idx, rt.rater_idx] = rt.y()
    return pd.DataFrame(mat, index=pd.Index(rt.units, name=unit),
                        columns=pd.Index(rt.raters, name=rater))


def counts_matrix(data: pd.DataFrame, *, unit: str, rater: str, value: str,
                  scale: str = "ordinal", levels: Sequence | None = None) -> pd.DataFrame:
    """Reshape long ratings into a units x levels matrix of rating counts.

    Columns are the declared levels, including levels nobody used.

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import counts_matrix
    >>> df = pd.DataFrame({"u": [1, 1, 2, 2], "r": ["a", "b", "a", "b"], "v": [0, 1, 1, 1]})
    >>> counts_matrix(df, unit="u", rater="r", value="v", levels=[0, 1, 2, 3]).to_numpy().tolist()
    [[1, 1, 0, 0], [0, 2, 0, 0]]
    """
    rt = _prepare(data, unit, rater, value, scale, levels)
    counts = _unit_counts(rt).toarray().astype(np.int64)
    return pd.DataFrame(counts, index=pd.Index(rt.units, name=unit),
                        columns=pd.Index(list(rt.levels), name=value))


# ---------------------------------------------------------------------------
# Per-unit matrices (sufficient statistics for every coefficient)
# ---------------------------------------------------------------------------


def _unit_counts(rt: _Ratings) -> sparse.csr_matrix:
    """n x q counts of ratings per unit and level."""
    if "counts" not in rt._cache:
        dense = np.bincount(rt.unit_idx * rt.q + rt.code, minlength=rt.n * rt.q)
        rt._cache["counts"] = sparse.csr_matrix(dense.reshape(rt.n, rt.q).astype(float))
    return rt._cache["counts"]


def _row_pairs(mat: sparse.csr_matrix, *, self_pairs: bool):
    """All ordered pairs of stored entries sharing a row: (row, col_a, col_b, a, b)."""
    mat.sort_indices()
    indptr = mat.indptr
    nnz = indptr[-1]
    row = np.repeat(np.arange(mat.shape[0]), np.diff(indptr))
    width = int(np.diff(indptr).max()) if mat.shape[0] else 0
    a_all = np.arange(nnz)
    out_a, out_b = [], []
    for d in range(-(width - 1), width):
        if d == 0 and not self_pairs:
            continue
        b = a_all + d
        ok = (b >= 0) & (b < nnz)
        a, b = a_all[ok], b[ok]
        same = row[a] == row[b]
        out_a.append(a[same])
        out_b.append(b[same])
    a = np.concatenate(out_a) if out_a else np.zeros(0, np.int64)
    b = np.concatenate(out_b) if out_b else np.zeros(0, np.int64)
    return row[a], mat.indices[a], mat.indices[b], a, b


def _unit_pairs(rt: _Ratings) -> sparse.csr_matrix:
    """n x q^2 counts of ordered pairs of ratings (by two different raters) per unit.

    ``P[u, c*q + k] = n_uc * n_uk - [c == k] * n_uc``; its sum over units,
    divided by ``m_u - 1``, is Krippendorff's coincidence matrix.
    """
    if "pairs" not in rt._cache:
        counts = _unit_counts(rt)
        row, ca, cb, a, b = _row_pairs(counts, self_pairs=True)
        val = counts.data[a] * counts.data[b] - np.where(a == b, counts.data[a], 0.0)
        pairs = sparse.csr_matrix((val, (row, ca * rt.q + cb)), shape=(rt.n, rt.q * rt.q))
        pairs.eliminate_zeros()
        rt._cache["pairs"] = pairs
    return rt._cache["pairs"]


def _scale_rows(mat: sparse.csr_matrix, factor: np.ndarray) -> sparse.csr_matrix:
    return sparse.csr_matrix(sparse.diags(factor) @ mat)


_TRANSPOSED = threading.local()


def _wdot(w: np.ndarray, mat) -> np.ndarray:
    """Weighted sums over units: ``w (b x n) @ mat (n x k)`` for sparse or dense ``mat``.

    For one chunk of replicates ``w``, several statistics share a per-unit matrix (the pairs of
    ratings serve percent agreement, Fleiss, AC1 and AC2): each product is computed once per
    chunk and returned read-only. scipy multiplies a sparse matrix by a C-ordered dense one, so
    ``w.T`` is also copied once per chunk rather than once per product.
    """
    if not sparse.issparse(mat):
        return w @ mat
    memo = getattr(_TRANSPOSED, "memo", None)
    if memo is None or memo["w"] is not w:
        memo = {"w": w, "wt": np.ascontiguousarray(w.T), "products": {}}
        _TRANSPOSED.memo = memo
    key = id(mat)
    if key not in memo["products"]:
        out = np.asarray((mat.T @ memo["wt"]).T)
        out.flags.writeable = False
        memo["products"][key] = (mat, out)  # the matrix is kept alive so that its id stays its own
    return memo["products"][key][1]


# ---------------------------------------------------------------------------
# Weights on the declared scale
# ---------------------------------------------------------------------------


def weight_matrix(level_values: Sequence[float], weights: str = "identity") -> np.ndarray:
    """Agreement weights ``w_kl`` on the declared levels (Gwet 2014, ch. 3).

    ``identity``: 1 if k == l else 0; ``linear``: 1 - |x_k - x_l| / (x_max - x_min);
    ``quadratic``: 1 - (x_k - x_l)^2 / (x_max - x_min)^2, where ``x`` are the
    scores of *all declared* levels: their positions 0..q-1 on an ordinal scale,
    their numeric values on an interval or ratio scale.

    Examples
    --------
    >>> from socinnov.analysis.agreement import weight_matrix
    >>> weight_matrix([0, 1, 2, 3], "linear")[0].round(3).tolist()
    [1.0, 0.667, 0.333, 0.0]
    """
    x = np.asarray(level_values, dtype=float)
    if weights not in WEIGHTS:
        raise AgreementInputError(f"pondération inconnue « {weights} » : choisir parmi "
                                  f"{', '.join(WEIGHTS)}")
    if weights == "identity" or len(x) < 2:
        return np.eye(len(x))
    span = x.max() - x.min()
    diff = np.abs(x[:, None] - x[None, :]) / span
    return 1.0 - (diff if weights == "linear" else diff**2)


def _tolerance_matrix(q: int, tolerance: int) -> np.ndarray:
    pos = np.arange(q)
    return (np.abs(pos[:, None] - pos[None, :]) <= tolerance).astype(float)


# ---------------------------------------------------------------------------
# Bootstrap machinery
# ---------------------------------------------------------------------------


def _weight_chunks(n: int, n_boot: int, seed, width: int = 1) -> Iterator[np.ndarray]:
    """Bootstrap resamples of units as multiplicity vectors, in chunks (b x n).

    ``width`` is the largest number of cells a kernel computes per replicate (q^2 for
    the coincidence matrix); chunks are sized so that b * max(n, width) stays bounded.
    The resamples do not depend on the chunk size.
    """
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_boot, _CHUNK_CELLS // max(n, width, 1)))
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        # One draw of b x n: numpy's Generator gives the same stream as b draws of n, so the
        # resamples still do not depend on the chunk size (tests/test_agreement.py checks it).
        idx = rng.integers(0, n, size=(b, n))
        idx += (np.arange(b) * n)[:, None]
        yield np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(float)
        done += b


@dataclass
class _Stat:
    """One or several statistics sharing a kernel (internal)."""

    names: tuple
    estimate: np.ndarray
    notes: list
    kernel: Callable[[np.ndarray], np.ndarray] | None = None  # (b x n) -> (b x len(names))
    ci: np.ndarray | None = None  # analytic CI (len(names) x 2), e.g. exact ICC intervals
    ci_note: str | None = None


def _evaluate(stats: list[_Stat], rt: _Ratings, n_boot: int, seed, confidence: float) -> pd.DataFrame:
    if not 0 < confidence < 1:
        raise AgreementInputError("le niveau de confiance doit être strictement entre 0 et 1")
    if n_boot < 0:
        raise AgreementInputError("le nombre de rééchantillonnages bootstrap doit être positif")
    boot = [s for s in stats if s.kernel is not None and s.ci is None
            and np.any(np.isfinite(s.estimate))]
    reps = {id(s): [] for s in boot}
    if n_boot > 0 and boot:
        with np.errstate(divide="ignore", invalid="ignore"):
            for w in _weight_chunks(rt.n, n_boot, seed, width=rt.q * rt.q):
                for s in boot:
                    reps[id(s)].append(np.asarray(s.kernel(w)).reshape(len(w), -1))
            _TRANSPOSED.memo = None  # the last chunk's products are not kept
    alpha = (1 - confidence) / 2
    pct = f"{confidence * 100:g}".replace(".", ",")
    rows = []
    for s in stats:
        low = np.full(len(s.names), np.nan)
        high = np.full(len(s.names), np.nan)
        ci_note = None
        if s.ci is not None:
            low, high = s.ci[:, 0], s.ci[:, 1]
            ci_note = s.ci_note
        elif id(s) in reps and reps[id(s)]:
            r = np.concatenate(reps[id(s)], axis=0)
            ok = np.isfinite(r)
            for j in range(r.shape[1]):
                if ok[:, j].sum() >= 2:
                    low[j], high[j] = np.quantile(r[ok[:, j], j], [alpha, 1 - alpha])
            ci_note = (f"IC {pct} % bootstrap percentile ({n_boot} rééchantillonnages des unités, "
                       f"graine {seed})")
            if (~ok).any():
                ci_note += f", {int((~ok).any(axis=1).sum())} répliques non calculables écartées"
        for j, name in enumerate(s.names):
            est = float(s.estimate[j])
            note = [s.notes[j]] if s.notes[j] else []
            if not np.isfinite(est) and s.kernel is not None:
                note.append("non calculable sur ces données (dénominateur nul : notes sans "
                            "variation)")
            if np.isfinite(est):
                if ci_note:
                    note.append(ci_note)
                elif n_boot == 0 and s.kernel is not None:
                    note.append("sans IC (bootstrap non demandé)")
            rows.append({"statistic": name, "estimate": est if np.isfinite(est) else np.nan,
                         "ci_low": low[j] if np.isfinite(est) else np.nan,
                         "ci_high": high[j] if np.isfinite(est) else np.nan,
                         "note": " ; ".join(note)})
    return pd.DataFrame(rows, columns=_COLUMNS)


def _lazy(build: Callable[[], Callable[[np.ndarray], np.ndarray]]) -> Callable[[np.ndarray], np.ndarray]:
    """A kernel built on its first call: its per-unit matrices cost nothing when the estimate
    comes from a library and no bootstrap is asked for."""
    built: list = []

    def kernel(w: np.ndarray) -> np.ndarray:
        if not built:
            built.append(build())
        return built[0](w)

    return kernel


def _nan_stat(names, reason) -> _Stat:
    names = tuple(names)
    return _Stat(names, np.full(len(names), np.nan), [reason] * len(names))


# ---------------------------------------------------------------------------
# Statistic builders (point estimate + bootstrap kernel)
# ---------------------------------------------------------------------------


def _pa_parts(rt: _Ratings):
    """Per-unit matrices for Gwet's observed agreement p_a (units with >= 2 ratings)."""
    if "pa_parts" not in rt._cache:
        m_u = rt.per_unit.astype(float)
        two = m_u >= 2
        factor = np.where(two, 1.0 / np.where(two, m_u * (m_u - 1), 1.0), 0.0)
        rt._cache["pa_parts"] = (_scale_rows(_unit_pairs(rt), factor), two.astype(float))
    return rt._cache["pa_parts"]


def _stat_percent(rt: _Ratings, tolerance: int) -> _Stat:
    name = "percent_agreement" if tolerance == 0 else (
        "percent_agreement_within_one" if tolerance == 1 else f"percent_agreement_within_{tolerance}")
    if tolerance > 0 and rt.scale == "nominal":
        return _nan_stat([name], "sans objet sur une échelle nominale (niveaux non ordonnés)")
    # Hand-written: Gwet's pairwise p_a over units rated at least twice (irrCAC
    # pa.coeff.raw); no Python library computes it with missing ratings.
    pp, two = _pa_parts(rt)
    agree = _tolerance_matrix(rt.q, tolerance).ravel()

    def kernel(w):
        return _wdot(w, pp) @ agree / (w @ two)

    n2 = int(two.sum())
    if n2 == 0:
        return _nan_stat([name], "aucune unité n'est notée par au moins deux évaluateurs")
    est = kernel(np.ones((1, rt.n)))
    if tolerance == 0:
        note = f"paires d'évaluations identiques, sur {n2} unités notées au moins deux fois"
    else:
        note = (f"paires d'évaluations à au plus {tolerance} niveau{'x' if tolerance > 1 else ''} "
                f"d'écart sur les {rt.q} niveaux déclarés, sur {n2} unités notées au moins deux fois")
    return _Stat((name,), est, [note], kernel)


def _pi_parts(rt: _Ratings):
    if "pi_parts" not in rt._cache:
        m_u = rt.per_unit.astype(float)
        rt._cache["pi_parts"] = _scale_rows(_unit_counts(rt), 1.0 / m_u)
    return rt._cache["pi_parts"]


def _gwet_family_kernel(rt: _Ratings, agree: np.ndarray, kind: str):
    """Gwet (2014) p_a and chance agreement for AC1/AC2 ('ac') or generalised Fleiss ('fleiss')."""
    pp, two = _pa_parts(rt)
    pin = _pi_parts(rt)
    a_flat = agree.ravel()
    q = rt.q
    t_w = agree.sum()

    def kernel(w):
        pa = _wdot(w, pp) @ a_flat / (w @ two)
        pi = _wdot(w, pin) / w.sum(axis=1, keepdims=True)
        if kind == "ac":
            pe = t_w / (q * (q - 1)) * np.sum(pi * (1 - pi), axis=1)
        else:
            pe = np.einsum("bk,kl,bl->b", pi, agree, pi)
        return (pa - pe) / (1 - pe)

    return kernel


def _stat_gwet(rt: _Ratings, weights: str) -> _Stat:
    name = "gwet_ac1" if weights == "identity" else "gwet_ac2"
    if rt.q < 2:
        return _nan_stat([name], "un seul niveau déclaré : coefficient non défini")
    if weights != "identity" and rt.scale == "nominal":
        return _nan_stat([name], f"pondération {_WEIGHT_FR[weights]} sans objet sur une échelle "
                                 "nominale (utilisez weights='identity')")
    if not np.any(rt.per_unit >= 2):
        return _nan_stat([name], "aucune unité n'est notée par au moins deux évaluateurs")
    # Hand-written: Gwet's AC1/AC2 (Gwet 2008; Gwet 2014, irrCAC gwet.ac1.raw) has no
    # maintained Python implementation.
    kernel = _gwet_family_kernel(rt, weight_matrix(rt.weight_values, weights), "ac")
    with np.errstate(divide="ignore", invalid="ignore"):
        est = kernel(np.ones((1, rt.n)))
    note = (f"Gwet (2008), {rt.q} niveaux déclarés" if weights == "identity" else
            f"pondération {_WEIGHT_FR[weights]} sur les {rt.q} niveaux déclarés")
    return _Stat((name,), est, [note], kernel)


def _stat_fleiss(rt: _Ratings) -> _Stat:
    name = "fleiss_kappa"
    if rt.q < 2:
        return _nan_stat([name], "un seul niveau déclaré : coefficient non défini")
    if not np.any(rt.per_unit >= 2):
        return _nan_stat([name], "aucune unité n'est notée par au moins deux évaluateurs")
    kernel = _lazy(lambda: _gwet_family_kernel(rt, np.eye(rt.q), "fleiss"))
    per_unit = rt.per_unit
    if np.all(per_unit == per_unit[0]):
        from statsmodels.stats.inter_rater import fleiss_kappa as _sm_fleiss

        with np.errstate(divide="ignore", invalid="ignore"):
            est = np.array([_sm_fleiss(_unit_counts(rt).toarray(), method="fleiss")])
        note = f"Fleiss (1971), {int(per_unit[0])} évaluations par unité ; statsmodels"
    else:
        # Hand-written: Gwet's generalisation of Fleiss' kappa to a varying number of
        # ratings per unit (Gwet 2014, irrCAC fleiss.kappa.raw); statsmodels assumes a
        # constant number of raters per unit.
        with np.errstate(divide="ignore", invalid="ignore"):
            est = kernel(np.ones((1, rt.n)))
        note = ("nombre d'évaluations variable selon les unités : généralisation de Gwet (2014) "
                "aux évaluations manquantes")
    return _Stat((name,), est, [note], kernel)


def _alpha_distance(rt: _Ratings, n_c: np.ndarray) -> np.ndarray:
    """Squared distance delta^2_ck (b x q x q) for the scale; n_c: (b x q) value totals."""
    x = rt.level_values
    b, q = n_c.shape
    if rt.scale == "nominal":
        return np.broadcast_to(1.0 - np.eye(q), (b, q, q))
    if rt.scale == "ordinal":
        # sum_{g=c..k} n_g - (n_c + n_k)/2 equals the difference of mid-ranks cs_g - n_g/2.
        mid = np.cumsum(n_c, axis=1) - n_c / 2
        return (mid[:, :, None] - mid[:, None, :]) ** 2
    if rt.scale == "interval":
        return np.broadcast_to((x[:, None] - x[None, :]) ** 2, (b, q, q))
    tot = x[:, None] + x[None, :]
    ratio = np.divide(x[:, None] - x[None, :], tot, out=np.zeros((q, q)), where=tot != 0)
    return np.broadcast_to(ratio**2, (b, q, q))


def _alpha_values(rt: _Ratings) -> np.ndarray:
    # krippendorff's interval/ratio metrics use the values; ordinal uses their order only.
    return rt.level_values if rt.scale in ("interval", "ratio") else np.arange(rt.q, dtype=float)


def _stat_alpha(rt: _Ratings) -> _Stat:
    import krippendorff

    name = "krippendorff_alpha"
    m_u = rt.per_unit.astype(float)
    if not np.any(m_u >= 2):
        return _nan_stat([name], "aucune unité n'est notée par au moins deux évaluateurs")
    q = rt.q

    def kernel(w):
        if "coincidences" not in rt._cache:  # built on first use: only the bootstrap needs it
            factor = np.where(m_u >= 2, 1.0 / np.maximum(m_u - 1, 1.0), 0.0)
            rt._cache["coincidences"] = _scale_rows(_unit_pairs(rt), factor)
        o = _wdot(w, rt._cache["coincidences"]).reshape(len(w), q, q)
        n_c = o.sum(axis=2)
        n_tot = n_c.sum(axis=1)
        d2 = _alpha_distance(rt, n_c)
        d_o = np.einsum("bck,bck->b", o, d2)
        d_e = np.einsum("bc,bk,bck->b", n_c, n_c, d2)
        return 1.0 - (n_tot - 1) * d_o / d_e

    counts = _unit_counts(rt).toarray()
    pairable = counts[m_u >= 2]
    if np.count_nonzero(pairable.sum(axis=0)) < 2:
        return _nan_stat([name], "une seule valeur parmi les unités notées au moins deux fois : "
                                 "alpha non défini (aucune variation)")
    note = f"échelle {_SCALE_FR[rt.scale]}, {q} niveaux déclarés ; bibliothèque krippendorff"
    with np.errstate(divide="ignore", invalid="ignore"):
        if rt.n * q * q <= _KRIPPENDORFF_MAX_CELLS:
            est = np.array([krippendorff.alpha(value_counts=counts, value_domain=_alpha_values(rt),
                                               level_of_measurement=rt.scale)], dtype=float)
        else:
            # krippendorff.alpha builds an n x q x q array (several GB for thousands of
            # units on a fine numeric scale); the sparse kernel gives the same value.
            est = kernel(np.ones((1, rt.n)))
            note = (f"échelle {_SCALE_FR[rt.scale]}, {q} niveaux ; calcul direct sur la matrice "
                    "de coïncidences (trop de valeurs distinctes pour le paquet krippendorff)")
    return _Stat((name,), est, [note], kernel)


def _stat_cohen(rt: _Ratings, weights: str) -> _Stat:
    name = "cohen_kappa" if weights == "identity" else "cohen_kappa_weighted"
    if rt.m != 2:
        return _nan_stat([name], f"le kappa de Cohen exige exactement deux évaluateurs "
                                 f"({rt.m} présents) : voir le kappa de Fleiss ou l'AC1 de Gwet")
    if weights != "identity" and rt.scale == "nominal":
        return _nan_stat([name], f"pondération {_WEIGHT_FR[weights]} sans objet sur une échelle "
                                 "nominale")
    from statsmodels.stats.inter_rater import cohens_kappa as _sm_cohen

    q = rt.q
    first = np.full(rt.n, -1)
    second = np.full(rt.n, -1)
    first[rt.unit_idx[rt.rater_idx == 0]] = rt.code[rt.rater_idx == 0]
    second[rt.unit_idx[rt.rater_idx == 1]] = rt.code[rt.rater_idx == 1]
    both = (first >= 0) & (second >= 0)
    n_both = int(both.sum())
    if n_both == 0:
        return _nan_stat([name], "aucune unité n'est notée par les deux évaluateurs")
    rows = np.flatnonzero(both)
    cells = sparse.csr_matrix((np.ones(n_both), (rows, first[both] * q + second[both])),
                              shape=(rt.n, q * q))
    agree = weight_matrix(rt.weight_values, weights)

    def kernel(w):
        t = _wdot(w, cells).reshape(len(w), q, q)
        p = t / t.sum(axis=(1, 2), keepdims=True)
        row, col = p.sum(axis=2), p.sum(axis=1)
        po = np.einsum("bkl,kl->b", p, agree)
        pe = np.einsum("bk,kl,bl->b", row, agree, col)
        return (po - pe) / (1 - pe)

    table = np.asarray(cells.sum(axis=0)).reshape(q, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        if weights == "identity":
            est = _sm_cohen(table, return_results=False)
        else:
            est = _sm_cohen(table, weights=1.0 - agree, return_results=False)
    note = f"{n_both} unités notées par les deux évaluateurs ; statsmodels"
    if weights != "identity":
        note = f"pondération {_WEIGHT_FR[weights]} sur les {q} niveaux déclarés, " + note
    return _Stat((name,), np.array([est], dtype=float), [note], kernel)


_ICC_NAMES = ("icc1", "icc2", "icc3", "icc1k", "icc2k", "icc3k")
_ICC_LABELS = ("ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)")


def _pinv_quadratic(c_mat: np.ndarray, v: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``v' pinv(C) v`` and ``rank(C)`` for a stack of reduced normal matrices ``C`` (b x m x m),
    as ``np.linalg.pinv`` and ``np.linalg.matrix_rank`` (hermitian) give them. ``c_mat`` is
    overwritten.

    ``C`` is the Laplacian of the raters' graph (raters linked by the units they share, weights
    w_u / n_u). When that graph is connected over the ``present`` raters, its null space is their
    constant vector, to which ``v`` is orthogonal, so ``A = C + 11'/m_eff`` (+ 1 on absent raters)
    is positive definite and ``v' pinv(C) v = v' A^-1 v``, rank ``m_eff - 1``: one batched
    Cholesky factorisation instead of an eigendecomposition and a rank per replicate (the cost of
    the ICC bootstrap with dozens of raters). Connected graphs have pivots bounded well away from
    zero (algebraic connectivity >= 4 w_min / (n_max m^2)); a disconnected one has a vanishing
    pivot: those replicates, and any whose smallest pivot is not clearly positive, take the
    eigendecomposition as before.
    """
    from scipy.linalg import solve_triangular

    b, m, _ = c_mat.shape
    p = present.astype(float)
    m_eff = np.maximum(p.sum(axis=1), 1.0)
    outer = p[:, :, None] * (p / m_eff[:, None])[:, None, :]
    a = c_mat
    a += outer
    diag = np.arange(m)
    a[:, diag, diag] += 1.0 - p
    quad = np.full(b, np.nan)
    rank = np.full(b, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        try:
            chol = np.linalg.cholesky(a)
            ok = np.ones(b, dtype=bool)
        except np.linalg.LinAlgError:
            chol = np.zeros_like(a)
            ok = np.zeros(b, dtype=bool)
            for i in range(b):
                try:
                    chol[i] = np.linalg.cholesky(a[i])
                    ok[i] = True
                except np.linalg.LinAlgError:
                    pass
        pivots = np.einsum("bii->bi", chol) ** 2
        scale = np.abs(np.einsum("bii->bi", a)).max(axis=1)
        fast = ok & np.all(np.isfinite(pivots), axis=1) & (pivots.min(axis=1) > 1e-9 * scale)
    if fast.all():
        z = solve_triangular(chol, v[:, :, None], lower=True)[:, :, 0]
        return np.sum(z * z, axis=1) - v.sum(axis=1) ** 2 / m_eff, p.sum(axis=1) - 1
    if fast.any():
        z = solve_triangular(chol[fast], v[fast][:, :, None], lower=True)[:, :, 0]
        quad[fast] = np.sum(z * z, axis=1) - v[fast].sum(axis=1) ** 2 / m_eff[fast]
        rank[fast] = p[fast].sum(axis=1) - 1
    slow = ~fast
    c_slow = a[slow] - outer[slow]
    c_slow[:, diag, diag] -= 1.0 - p[slow]
    quad[slow] = np.einsum("bi,bij,bj->b", v[slow], np.linalg.pinv(c_slow, hermitian=True), v[slow])
    rank[slow] = np.linalg.matrix_rank(c_slow, hermitian=True)
    return quad, rank


def _icc_kernel(rt: _Ratings):
    """Variance-components ICCs for (possibly) incomplete designs, with unit weights.

    Hand-written: pingouin and statsmodels offer no ANOVA estimator for unbalanced
    crossed designs (statsmodels' MixedLM would fit crossed REML far more slowly and
    is not the Shrout-Fleiss estimator). Henderson's method III (fitting constants):
    sigma2_e from the additive two-way fit, sigma2_r from R(raters | units), sigma2_u
    from R(units | raters); one-way ANOVA with Searle's n0 for ICC(1,1). On a complete
    design these reduce exactly to Shrout & Fleiss (1979).
    """
    n, m = rt.n, rt.m
    y = rt.y()
    n_i = rt.per_unit.astype(float)
    s_i = np.bincount(rt.unit_idx, weights=y, minlength=n)
    qq_i = np.bincount(rt.unit_idx, weights=y * y, minlength=n)
    inc = sparse.csr_matrix((np.ones(len(y)), (rt.unit_idx, rt.rater_idx)), shape=(n, m))
    ymat = sparse.csr_matrix((y, (rt.unit_idx, rt.rater_idx)), shape=(n, m))
    row, ja, jb, _, _ = _row_pairs(inc, self_pairs=True)
    # The reduced normal matrix is symmetric: its upper triangle (pairs ja <= jb) suffices.
    upper = ja <= jb
    pairs, pair_idx = np.unique(ja[upper] * m + jb[upper], return_inverse=True)
    cross = sparse.csr_matrix((1.0 / n_i[row[upper]], (row[upper], pair_idx)), shape=(n, len(pairs)))
    pair_a, pair_b = np.divmod(pairs, m)
    gmat = _scale_rows(inc, s_i / n_i)
    dense = np.column_stack([np.ones(n), n_i, s_i, qq_i, s_i**2 / n_i, n_i**2, 1.0 / n_i])

    def kernel(w):
        b = len(w)
        w_units, n_tot, s_tot, syy, r_u, sum_n2, inv_n = (w @ dense).T
        n_j = _wdot(w, inc)
        y_j = _wdot(w, ymat)
        cu = _wdot(w, cross)
        c_mat = np.zeros((b, m, m))
        c_mat[:, pair_a, pair_b] = -cu
        c_mat[:, pair_b, pair_a] = -cu
        c_mat[:, np.arange(m), np.arange(m)] += n_j
        qv = y_j - _wdot(w, gmat)
        r_r = np.sum(np.divide(y_j**2, n_j, out=np.zeros_like(y_j), where=n_j > 0), axis=1)
        r_r_u, rank = _pinv_quadratic(c_mat, qv, n_j > 0)
        m_eff = (n_j > 0).sum(axis=1).astype(float)
        n_comp = m_eff - rank
        # two-way additive model (Henderson III)
        se2 = (syy - r_u - r_r_u) / (n_tot - w_units - rank)
        r_u_r = r_u + r_r_u - r_r
        su2 = (r_u_r - (w_units - n_comp) * se2) / (n_tot - m_eff)
        sr2 = (r_r_u - rank * se2) / (n_tot - w_units)
        # one-way model (ANOVA estimator, Searle's n0)
        msw = (syy - r_u) / (n_tot - w_units)
        msb = (r_u - s_tot**2 / n_tot) / (w_units - 1)
        n0 = (n_tot - sum_n2 / n_tot) / (w_units - 1)
        su1 = (msb - msw) / n0
        k_h = w_units / inv_n  # harmonic mean of ratings per unit
        return np.column_stack([
            su1 / (su1 + msw),
            su2 / (su2 + sr2 + se2),
            su2 / (su2 + se2),
            su1 / (su1 + msw / k_h),
            su2 / (su2 + (sr2 + se2) / k_h),
            su2 / (su2 + se2 / k_h),
        ])

    return kernel


def _stat_icc(rt: _Ratings, confidence: float) -> _Stat:
    if rt.scale == "nominal":
        return _nan_stat(_ICC_NAMES, "sans objet sur une échelle nominale (l'ICC suppose des "
                                     "valeurs numériques)")
    if not np.any(rt.per_unit >= 2):
        return _nan_stat(_ICC_NAMES, "aucune unité n'est notée par au moins deux évaluateurs")
    values_note = f" (codes 0 à {rt.q - 1} des niveaux)" if rt.labelled else ""
    kernel = _lazy(lambda: _icc_kernel(rt))  # a complete design's estimate and CI need no kernel
    if rt.complete:
        import pingouin as pg

        n, m = rt.n, rt.m
        mat = np.empty((n, m))
        mat[rt.unit_idx, rt.rater_idx] = rt.y()
        if n < 2:
            return _nan_stat(_ICC_NAMES, "il faut au moins deux unités")
        long = pd.DataFrame({"unit": np.repeat(np.arange(n), m), "rater": np.tile(np.arange(m), n),
                             "y": mat.ravel()})
        saved = dict(pg.options)
        pg.options.pop("round.column.CI95", None)  # pingouin rounds intervals to 2 decimals
        source = "pingouin"
        try:
            with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
                # pingouin 0.7 calls DataFrame.dropna(inplace=True), deprecated in pandas 3.1
                warnings.filterwarnings("ignore", message=".*inplace keyword.*")
                res = pg.intraclass_corr(long, targets="unit", raters="rater", ratings="y")
            est = res["ICC"].to_numpy(dtype=float)
            ci = (np.vstack(res["CI95"].to_numpy()).astype(float)
                  if abs(confidence - 0.95) < 1e-12 else None)
        except AssertionError:  # pingouin refuses fewer than 5 ratings
            with np.errstate(divide="ignore", invalid="ignore"):
                est = kernel(np.ones((1, n)))[0]
            ci, source = None, "moins de 5 notes"
        finally:
            pg.options.clear()
            pg.options.update(saved)
        if ci is None:
            with np.errstate(divide="ignore", invalid="ignore"):
                ci = _icc_exact_ci(mat, est, confidence)
        notes = [f"{lab} de Shrout et Fleiss (1979), plan complet ({n} unités x {m} "
                 f"évaluateurs){values_note} ; {source}" for lab in _ICC_LABELS]
        pct = f"{confidence * 100:g}".replace(".", ",")
        return _Stat(_ICC_NAMES, est, notes, kernel, ci=ci,
                     ci_note=f"IC {pct} % exact (loi F, Shrout et Fleiss 1979 ; McGraw et Wong 1996)")
    if rt.n < 2:
        return _nan_stat(_ICC_NAMES, "il faut au moins deux unités")
    with np.errstate(divide="ignore", invalid="ignore"):
        est = kernel(np.ones((1, rt.n)))[0]
    k_h = rt.n / np.sum(1.0 / rt.per_unit)
    k_txt = f"{k_h:.2f}".replace(".", ",")
    notes = [f"plan incomplet : {lab} estimé par composantes de variance (Henderson III"
             f"{', ANOVA à un facteur' if i in (0, 3) else ''})"
             f"{'' if i < 3 else f', k = moyenne harmonique {k_txt} évaluations par unité'}"
             f"{values_note}" for i, lab in enumerate(_ICC_LABELS)]
    return _Stat(_ICC_NAMES, est, notes, kernel)


def _icc_exact_ci(mat: np.ndarray, est: np.ndarray, confidence: float) -> np.ndarray:
    """Shrout & Fleiss (1979) / McGraw & Wong (1996) F intervals at any confidence level.

    Same formulas as pingouin.intraclass_corr, which only offers 95 %.
    """
    from scipy.stats import f

    n, k = mat.shape
    grand = mat.mean()
    ss_r = k * np.sum((mat.mean(1) - grand) ** 2)
    ss_c = n * np.sum((mat.mean(0) - grand) ** 2)
    ss_e = np.sum((mat - grand) ** 2) - ss_r - ss_c
    msb, msj = ss_r / (n - 1), ss_c / (k - 1)
    mse = ss_e / ((n - 1) * (k - 1))
    msw = (ss_c + ss_e) / (n * (k - 1))
    a = 1 - confidence
    icc2 = est[1]
    f1, df1, df1kd, df2kd = msb / msw, n - 1, n * (k - 1), (n - 1) * (k - 1)
    f1l, f1u = f1 / f.ppf(1 - a / 2, df1, df1kd), f1 * f.ppf(1 - a / 2, df1kd, df1)
    f3 = msb / mse
    f3l, f3u = f3 / f.ppf(1 - a / 2, df1, df2kd), f3 * f.ppf(1 - a / 2, df2kd, df1)
    fj = msj / mse
    vn = df2kd * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    vd = df1 * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    v = vn / vd
    f2u, f2l = f.ppf(1 - a / 2, n - 1, v), f.ppf(1 - a / 2, v, n - 1)
    l2 = n * (msb - f2u * mse) / (f2u * (k * msj + (k * n - k - n) * mse) + n * msb)
    u2 = n * (f2l * msb - mse) / (k * msj + (k * n - k - n) * mse + n * f2l * msb)
    return np.array([
        [(f1l - 1) / (f1l + k - 1), (f1u - 1) / (f1u + k - 1)],
        [l2, u2],
        [(f3l - 1) / (f3l + k - 1), (f3u - 1) / (f3u + k - 1)],
        [1 - 1 / f1l, 1 - 1 / f1u],
        [l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1))],
        [1 - 1 / f3l, 1 - 1 / f3u],
    ])


def _stat_kendall(rt: _Ratings) -> _Stat:
    name = "kendall_w"
    if rt.scale == "nominal":
        return _nan_stat([name], "sans objet sur une échelle nominale (W suppose un ordre)")
    full = np.flatnonzero(rt.per_unit == rt.m)
    if len(full) < 2:
        return _nan_stat([name], "W de Kendall exige des unités notées par tous les évaluateurs : "
                                 f"{len(full)} unité(s) dans ce cas")
    m = rt.m
    mat = np.full((rt.n, m), np.nan)
    mat[rt.unit_idx, rt.rater_idx] = rt.y()
    x = mat[full]
    n_c = len(full)
    # Per rater: units sorted by value, tie groups, and each unit's group.
    orders, starts, groups = [], [], []
    for j in range(m):
        order = np.argsort(x[:, j], kind="stable")
        sv = x[order, j]
        new = np.r_[True, sv[1:] != sv[:-1]]
        g_sorted = np.cumsum(new) - 1
        g = np.empty(n_c, dtype=np.int64)
        g[order] = g_sorted
        orders.append(order)
        starts.append(np.flatnonzero(new))
        groups.append(g)

    def kernel(w):
        # Hand-written vectorised replicate of Kendall's W with tie correction: mid-ranks
        # of a resample are cumulative sums of unit multiplicities within each rater's
        # sorted order (no re-ranking per replicate).
        wc = w[:, full]
        big_n = wc.sum(axis=1)
        rank_sum = np.zeros_like(wc)
        ties = np.zeros(len(w))
        for order, st, g in zip(orders, starts, groups):
            seg = np.add.reduceat(wc[:, order], st, axis=1)
            mid = np.cumsum(seg, axis=1) - seg + (seg + 1) / 2
            rank_sum += mid[:, g]
            ties += np.sum(seg**3 - seg, axis=1)
        dev = rank_sum - (m * (big_n + 1) / 2)[:, None]
        s = np.sum(wc * dev**2, axis=1)
        return 12 * s / (m**2 * (big_n**3 - big_n) - m * ties)

    import pingouin as pg

    long = pd.DataFrame({"unit": np.repeat(np.arange(n_c), m), "rater": np.tile(np.arange(m), n_c),
                         "y": x.ravel()})
    with np.errstate(divide="ignore", invalid="ignore"):
        res = pg.friedman(long, dv="y", within="unit", subject="rater")
    est = np.array([float(res["W"].iloc[0])])
    note = f"corrigé des ex aequo, sur {n_c} unités notées par les {m} évaluateurs"
    if n_c < rt.n:
        note += f" ({rt.n - n_c} unités incomplètes écartées)"
    note += " ; pingouin"
    return _Stat((name,), est, [note], kernel)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def _check_weights(weights):
    if weights not in WEIGHTS:
        raise AgreementInputError(f"pondération inconnue « {weights} » : choisir parmi "
                                  f"{', '.join(WEIGHTS)}")


def percent_agreement(data: pd.DataFrame, *, unit: str, rater: str, value: str,
                      scale: str = "ordinal", levels: Sequence | None = None, tolerance: int = 0,
                      n_boot: int = 1000, seed=0, confidence: float = 0.95) -> pd.DataFrame:
    """Observed agreement: share of agreeing pairs of ratings of the same unit.

    For each unit rated at least twice, the proportion of ordered pairs of its
    ratings (by two different raters) that agree, exactly (``tolerance=0``) or
    within ``tolerance`` levels of the declared scale; averaged over those units
    (Gwet's p_a, irrCAC ``pa.coeff.raw``). A fraction in [0, 1].

    Parameters
    ----------
    data : pandas.DataFrame
        Long format, one row per rating; an empty value is a missing rating.
    unit, rater, value : str
        Column names.
    scale : {'nominal', 'ordinal', 'interval', 'ratio'}
        Level of measurement; tolerance > 0 needs an ordered scale.
    levels : sequence, optional
        Declared levels in order; default: observed values.
    tolerance : int
        Number of levels two ratings may differ by and still agree.
    n_boot : int
        Bootstrap resamples of units for the confidence interval (0: none).
    seed : int or None
        Seed of the bootstrap.
    confidence : float
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row: ``statistic, estimate, ci_low, ci_high, note``.

    References
    ----------
    Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability* (4th ed.). Advanced Analytics.

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import percent_agreement
    >>> df = pd.DataFrame({"u": [1, 1, 2, 2], "r": ["a", "b"] * 2, "v": [2, 2, 1, 3]})
    >>> percent_agreement(df, unit="u", rater="r", value="v", levels=[0, 1, 2, 3],
    ...                   n_boot=0)["estimate"].item()
    0.5
    """
    if int(tolerance) != tolerance or tolerance < 0:
        raise AgreementInputError("la tolérance doit être un entier positif ou nul")
    rt = _prepare(data, unit, rater, value, scale, levels)
    return _evaluate([_stat_percent(rt, int(tolerance))], rt, n_boot, seed, confidence)


def krippendorff_alpha(data: pd.DataFrame, *, unit: str, rater: str, value: str,
                       scale: str = "ordinal", levels: Sequence | None = None,
                       n_boot: int = 1000, seed=0, confidence: float = 0.95) -> pd.DataFrame:
    """Krippendorff's alpha (nominal, ordinal, interval or ratio metric).

    The estimate is computed by the ``krippendorff`` package from the units x
    levels counts on the declared levels; units rated once are not pairable and
    do not contribute.

    Parameters
    ----------
    data, unit, rater, value, scale, levels, n_boot, seed, confidence
        See :func:`percent_agreement`. ``scale`` selects the distance metric.

    Returns
    -------
    pandas.DataFrame
        One row: ``statistic, estimate, ci_low, ci_high, note``.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
    Annenberg School for Communication Departmental Papers 43.

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import krippendorff_alpha
    >>> df = pd.DataFrame({"u": [1, 1, 2, 2, 3, 3], "r": ["a", "b"] * 3,
    ...                    "v": [0, 0, 1, 1, 3, 2]})
    >>> round(krippendorff_alpha(df, unit="u", rater="r", value="v", scale="interval",
    ...                          n_boot=0)["estimate"].item(), 3)
    0.878
    """
    rt = _prepare(data, unit, rater, value, scale, levels)
    return _evaluate([_stat_alpha(rt)], rt, n_boot, seed, confidence)


def fleiss_kappa(data: pd.DataFrame, *, unit: str, rater: str, value: str,
                 scale: str = "ordinal", levels: Sequence | None = None,
                 n_boot: int = 1000, seed=0, confidence: float = 0.95) -> pd.DataFrame:
    """Fleiss' kappa, with Gwet's generalisation when units have varying numbers of ratings.

    With the same number of ratings on every unit the estimate is
    ``statsmodels.stats.inter_rater.fleiss_kappa`` (Fleiss 1971). Otherwise
    p_a is averaged over units rated at least twice and the chance agreement
    uses the mean per-unit category proportions (Gwet 2014, irrCAC
    ``fleiss.kappa.raw``); both coincide on complete designs. The number of
    categories is the number of declared levels.

    Parameters
    ----------
    data, unit, rater, value, scale, levels, n_boot, seed, confidence
        See :func:`percent_agreement`.

    Returns
    -------
    pandas.DataFrame
        One row: ``statistic, estimate, ci_low, ci_high, note``.

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    Psychological Bulletin, 76, 378-382.
    Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability* (4th ed.).

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import fleiss_kappa
    >>> df = pd.DataFrame({"u": [1, 1, 1, 2, 2, 2], "r": ["a", "b", "c"] * 2,
    ...                    "v": ["x", "x", "x", "y", "y", "x"]})
    >>> round(fleiss_kappa(df, unit="u", rater="r", value="v", scale="nominal",
    ...                    n_boot=0)["estimate"].item(), 3)
    0.25
    """
    rt = _prepare(data, unit, rater, value, scale, levels)
    return _evaluate([_stat_fleiss(rt)], rt, n_boot, seed, confidence)


def gwet_ac(data: pd.DataFrame, *, unit: str, rater: str, value: str,
            scale: str = "ordinal", levels: Sequence | None = None, weights: str = "identity",
            n_boot: int = 1000, seed=0, confidence: float = 0.95) -> pd.DataFrame:
    """Gwet's AC1 (``weights='identity'``) or AC2 (linear or quadratic weights).

    Weights are computed on the declared levels (see :func:`weight_matrix`),
    and the chance-agreement term uses the number of declared levels ``q``.

    Parameters
    ----------
    data, unit, rater, value, scale, levels, n_boot, seed, confidence
        See :func:`percent_agreement`.
    weights : {'identity', 'linear', 'quadratic'}

    Returns
    -------
    pandas.DataFrame
        One row (``gwet_ac1`` or ``gwet_ac2``): ``statistic, estimate, ci_low,
        ci_high, note``.

    References
    ----------
    Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the
    presence of high agreement. British Journal of Mathematical and Statistical
    Psychology, 61, 29-48.
    Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability* (4th ed.).

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import gwet_ac
    >>> df = pd.DataFrame({"u": [1, 1, 2, 2], "r": ["a", "b"] * 2, "v": [2, 2, 1, 2]})
    >>> round(gwet_ac(df, unit="u", rater="r", value="v", levels=[0, 1, 2, 3],
    ...               weights="linear", n_boot=0)["estimate"].item(), 3)
    0.765
    """
    _check_weights(weights)
    rt = _prepare(data, unit, rater, value, scale, levels)
    return _evaluate([_stat_gwet(rt, weights)], rt, n_boot, seed, confidence)


def cohen_kappa(data: pd.DataFrame, *, unit: str, rater: str, value: str,
                scale: str = "ordinal", levels: Sequence | None = None, weights: str = "identity",
                n_boot: int = 1000, seed=0, confidence: float = 0.95) -> pd.DataFrame:
    """Cohen's kappa for exactly two raters, unweighted or weighted.

    Computed by ``statsmodels.stats.inter_rater.cohens_kappa`` on the q x q
    table of the declared levels, over the units rated by both raters. With
    more or fewer than two raters the estimate is NaN and the note says why.

    Parameters
    ----------
    data, unit, rater, value, scale, levels, n_boot, seed, confidence
        See :func:`percent_agreement`.
    weights : {'identity', 'linear', 'quadratic'}
        ``linear`` is Cicchetti-Allison, ``quadratic`` Fleiss-Cohen.

    Returns
    -------
    pandas.DataFrame
        One row (``cohen_kappa`` or ``cohen_kappa_weighted``).

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational
    and Psychological Measurement, 20, 37-46.
    Cohen, J. (1968). Weighted kappa. Psychological Bulletin, 70, 213-220.

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import cohen_kappa
    >>> df = pd.DataFrame({"u": [1, 1, 2, 2, 3, 3], "r": ["a", "b"] * 3,
    ...                    "v": ["A", "A", "B", "B", "C", "B"]})
    >>> round(cohen_kappa(df, unit="u", rater="r", value="v", levels=["C", "B", "A"],
    ...                   n_boot=0)["estimate"].item(), 3)
    0.5
    """
    _check_weights(weights)
    rt = _prepare(data, unit, rater, value, scale, levels)
    return _evaluate([_stat_cohen(rt, weights)], rt, n_boot, seed, confidence)


def icc(data: pd.DataFrame, *, unit: str, rater: str, value: str,
        scale: str = "interval", levels: Sequence | None = None,
        n_boot: int = 1000, seed=0, confidence: float = 0.95) -> pd.DataFrame:
    """Intraclass correlations ICC(1,1), ICC(2,1), ICC(3,1) and their k-rater forms.

    On a complete design (every rater rates every unit) the estimates and
    their exact F-based intervals are those of Shrout & Fleiss (1979),
    computed by ``pingouin.intraclass_corr``. On an incomplete design the
    variance components are estimated by Henderson's method III (two-way
    additive model; one-way ANOVA with Searle's n0 for ICC(1,1)), which
    reduces to Shrout & Fleiss on complete data; the k-rater forms use the
    harmonic mean of the number of ratings per unit, and the interval is a
    unit bootstrap. Text levels are scored 0..q-1.

    Parameters
    ----------
    data, unit, rater, value, scale, levels, n_boot, seed, confidence
        See :func:`percent_agreement`.

    Returns
    -------
    pandas.DataFrame
        Six rows ``icc1, icc2, icc3, icc1k, icc2k, icc3k``.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in
    assessing rater reliability. Psychological Bulletin, 86, 420-428.
    McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass
    correlation coefficients. Psychological Methods, 1, 30-46.
    Searle, S. R., Casella, G., & McCulloch, C. E. (1992). *Variance Components*. Wiley.

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import icc
    >>> df = pd.DataFrame({"u": [1, 1, 2, 2, 3, 3], "r": ["a", "b"] * 3,
    ...                    "v": [1, 2, 3, 3, 5, 6]})
    >>> icc(df, unit="u", rater="r", value="v")["statistic"].tolist()
    ['icc1', 'icc2', 'icc3', 'icc1k', 'icc2k', 'icc3k']
    """
    rt = _prepare(data, unit, rater, value, scale, levels)
    return _evaluate([_stat_icc(rt, confidence)], rt, n_boot, seed, confidence)


def kendall_w(data: pd.DataFrame, *, unit: str, rater: str, value: str,
              scale: str = "ordinal", levels: Sequence | None = None,
              n_boot: int = 1000, seed=0, confidence: float = 0.95) -> pd.DataFrame:
    """Kendall's coefficient of concordance W, corrected for ties.

    Each rater ranks the units; computed by ``pingouin.friedman`` on the units
    rated by every rater (W requires complete rankings; other units are left
    out and the note says how many).

    Parameters
    ----------
    data, unit, rater, value, scale, levels, n_boot, seed, confidence
        See :func:`percent_agreement`.

    Returns
    -------
    pandas.DataFrame
        One row ``kendall_w``.

    References
    ----------
    Kendall, M. G., & Babington Smith, B. (1939). The problem of m rankings.
    Annals of Mathematical Statistics, 10, 275-287.

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import kendall_w
    >>> df = pd.DataFrame({"u": [1, 2, 3] * 2, "r": ["a"] * 3 + ["b"] * 3,
    ...                    "v": [1, 2, 3, 1, 2, 3]})
    >>> kendall_w(df, unit="u", rater="r", value="v", n_boot=0)["estimate"].item()
    1.0
    """
    rt = _prepare(data, unit, rater, value, scale, levels)
    return _evaluate([_stat_kendall(rt)], rt, n_boot, seed, confidence)


def agreement_table(data: pd.DataFrame, *, unit: str, rater: str, value: str,
                    scale: str = "ordinal", levels: Sequence | None = None,
                    weights: str = "linear", n_boot: int = 1000, seed=0,
                    confidence: float = 0.95,
                    statistics: Sequence[str] | None = None) -> pd.DataFrame:
    """All agreement statistics of one rating variable, one row per statistic.

    The rows are, in order, :data:`STATISTICS`. A statistic that does not
    apply has a NaN estimate and a note saying why (Cohen's kappa with other
    than two raters, weighted or rank statistics on a nominal scale, Kendall's
    W without complete units). All bootstrap intervals use the same resamples
    of units.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format, one row per rating; an empty value is a missing rating.
    unit, rater, value : str
        Column names.
    scale : {'nominal', 'ordinal', 'interval', 'ratio'}
        Level of measurement (Krippendorff's metric; whether weights apply).
    levels : sequence, optional
        Declared levels in order, e.g. ``["Inexistant", "Faible",
        "Intermédiaire", "Fort"]`` or ``["C", "B", "A"]``; default: observed values.
    weights : {'identity', 'linear', 'quadratic'}
        Weights of AC2 and of the weighted kappa, on the declared levels.
    n_boot : int
        Bootstrap resamples of units (0: no bootstrap interval).
    seed : int or None
        Seed of the bootstrap.
    confidence : float
        Confidence level.
    statistics : sequence of str, optional
        Only these rows of :data:`STATISTICS`, in that order (default: all). A
        statistic left out is not computed, nor bootstrapped: the ICCs' bootstrap
        is most of the cost with dozens of raters. The rows kept are the same as
        in the full table, intervals included (same resamples).

    Returns
    -------
    pandas.DataFrame
        Columns ``statistic, estimate, ci_low, ci_high, note``; percentages are
        fractions in [0, 1]. ``attrs`` holds ``n_units``, ``n_raters``,
        ``n_ratings``, ``n_missing`` and ``levels``.

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import agreement_table
    >>> df = pd.DataFrame({"dossier": [1, 1, 2, 2, 3, 3, 3],
    ...                    "jure": ["a", "b", "a", "b", "a", "b", "c"],
    ...                    "note": ["Fort", "Fort", "Faible", "Intermédiaire", "Fort", "Fort", ""]})
    >>> tab = agreement_table(df, unit="dossier", rater="jure", value="note",
    ...                       levels=["Inexistant", "Faible", "Intermédiaire", "Fort"], n_boot=200)
    >>> tab.set_index("statistic").loc["percent_agreement", "estimate"].round(3)
    np.float64(0.667)
    """
    _check_weights(weights)
    wanted = STATISTICS if statistics is None else tuple(statistics)
    unknown = [x for x in wanted if x not in STATISTICS]
    if unknown:
        raise AgreementInputError(f"statistique(s) inconnue(s) : {', '.join(map(str, unknown))} ; "
                                  f"statistiques : {', '.join(STATISTICS)}")
    rt = _prepare(data, unit, rater, value, scale, levels)

    def want(*names):
        return any(x in wanted for x in names)

    stats = []
    if want("percent_agreement"):
        stats.append(_stat_percent(rt, 0))
    if want("percent_agreement_within_one"):
        stats.append(_stat_percent(rt, 1))
    if want("krippendorff_alpha"):
        stats.append(_stat_alpha(rt))
    if want("fleiss_kappa"):
        stats.append(_stat_fleiss(rt))
    if want("gwet_ac1"):
        stats.append(_stat_gwet(rt, "identity"))
    if want("gwet_ac2"):
        if weights == "identity":
            ac2 = _stat_gwet(rt, "identity")
            ac2.names = ("gwet_ac2",)
            ac2.notes = ["pondération identité : égal à l'AC1"]
            stats.append(ac2)
        else:
            stats.append(_stat_gwet(rt, weights))
    if want("cohen_kappa"):
        stats.append(_stat_cohen(rt, "identity"))
    if want("cohen_kappa_weighted"):
        if weights == "identity":
            kw = _stat_cohen(rt, "identity")
            kw.names = ("cohen_kappa_weighted",)
            if np.isfinite(kw.estimate).all():
                kw.notes = ["pondération identité : égal au kappa non pondéré"]
            stats.append(kw)
        else:
            stats.append(_stat_cohen(rt, weights))
    if want(*_ICC_NAMES):
        stats.append(_stat_icc(rt, confidence))
    if want("kendall_w"):
        stats.append(_stat_kendall(rt))
    out = _evaluate(stats, rt, n_boot, seed, confidence)
    if statistics is not None:
        out = out.set_index("statistic").loc[list(wanted)].reset_index()
    out.attrs.update(n_units=rt.n, n_raters=rt.m, n_ratings=rt.n_ratings,
                     n_missing=rt.n_missing, levels=list(rt.levels), scale=rt.scale,
                     weights=weights)
    return out

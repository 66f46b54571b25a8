"""Agreement input: the long ratings table coded on its declared scale, per-unit matrices, weights.

Reading and reshaping are kept apart from the statistics: :func:`prepare` validates a long table
(French messages naming the column and row) and codes it on the declared levels; the per-unit
matrices built from it are the sufficient statistics of every coefficient and of its bootstrap.
"""

from __future__ import annotations

import math
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from socinnov.errors import UserError

__all__ = [
    "SCALES",
    "SCALE_FR",
    "WEIGHTS",
    "WEIGHT_FR",
    "AgreementInputError",
    "Ratings",
    "check_weights",
    "counts_matrix",
    "forget_products",
    "prepare",
    "ratings_matrix",
    "row_pairs",
    "scale_rows",
    "tolerance_matrix",
    "unit_counts",
    "unit_pairs",
    "wdot",
    "weight_matrix",
]

SCALES = ("nominal", "ordinal", "interval", "ratio")
WEIGHTS = ("identity", "linear", "quadratic")
WEIGHT_FR = {"identity": "identité", "linear": "linéaire", "quadratic": "quadratique"}
SCALE_FR = {"nominal": "nominale", "ordinal": "ordinale", "interval": "d'intervalle", "ratio": "de rapport"}


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
class Ratings:
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
                  f"{SCALE_FR[scale]} : corrigez la valeur ou déclarez les niveaux (levels)")
    fail(bad, f"valeurs textuelles (« {uniques[bad]} ») sur une échelle ordinale : déclarez l'ordre "
              "des niveaux (levels), par exemple Inexistant,Faible,Intermédiaire,Fort")


def _is_missing(s: pd.Series) -> np.ndarray:
    miss = s.isna().to_numpy(copy=True)
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        miss |= s.astype(str).str.strip().eq("").to_numpy() & ~miss
    return miss


def prepare(data, unit, rater, value, scale="ordinal", levels=None) -> Ratings:
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
    return Ratings(
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
    rt = prepare(data, unit, rater, value, scale, levels)
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
    rt = prepare(data, unit, rater, value, scale, levels)
    counts = unit_counts(rt).toarray().astype(np.int64)
    return pd.DataFrame(counts, index=pd.Index(rt.units, name=unit),
                        columns=pd.Index(list(rt.levels), name=value))


# ---------------------------------------------------------------------------
# Per-unit matrices (sufficient statistics for every coefficient)
# ---------------------------------------------------------------------------


def unit_counts(rt: Ratings) -> sparse.csr_matrix:
    """n x q counts of ratings per unit and level."""
    if "counts" not in rt._cache:
        dense = np.bincount(rt.unit_idx * rt.q + rt.code, minlength=rt.n * rt.q)
        rt._cache["counts"] = sparse.csr_matrix(dense.reshape(rt.n, rt.q).astype(float))
    return rt._cache["counts"]


def row_pairs(mat: sparse.csr_matrix, *, self_pairs: bool):
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


def unit_pairs(rt: Ratings) -> sparse.csr_matrix:
    """n x q^2 counts of ordered pairs of ratings (by two different raters) per unit.

    ``P[u, c*q + k] = n_uc * n_uk - [c == k] * n_uc``; its sum over units,
    divided by ``m_u - 1``, is Krippendorff's coincidence matrix.
    """
    if "pairs" not in rt._cache:
        counts = unit_counts(rt)
        row, ca, cb, a, b = row_pairs(counts, self_pairs=True)
        val = counts.data[a] * counts.data[b] - np.where(a == b, counts.data[a], 0.0)
        pairs = sparse.csr_matrix((val, (row, ca * rt.q + cb)), shape=(rt.n, rt.q * rt.q))
        pairs.eliminate_zeros()
        rt._cache["pairs"] = pairs
    return rt._cache["pairs"]


def scale_rows(mat: sparse.csr_matrix, factor: np.ndarray) -> sparse.csr_matrix:
    return sparse.csr_matrix(sparse.diags(factor) @ mat)


_TRANSPOSED = threading.local()


def wdot(w: np.ndarray, mat) -> np.ndarray:
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
    check_weights(weights)
    if weights == "identity" or len(x) < 2:
        return np.eye(len(x))
    span = x.max() - x.min()
    diff = np.abs(x[:, None] - x[None, :]) / span
    return 1.0 - (diff if weights == "linear" else diff**2)


def tolerance_matrix(q: int, tolerance: int) -> np.ndarray:
    pos = np.arange(q)
    return (np.abs(pos[:, None] - pos[None, :]) <= tolerance).astype(float)


def check_weights(weights: str) -> None:
    """Refuse an unknown weighting, in French."""
    if weights not in WEIGHTS:
        raise AgreementInputError(f"pondération inconnue « {weights} » : choisir parmi "
                                  f"{', '.join(WEIGHTS)}")


def forget_products() -> None:
    """Drop the weighted sums :func:`wdot` keeps for the current chunk of replicates."""
    _TRANSPOSED.memo = None

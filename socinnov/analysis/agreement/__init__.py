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

Modules
-------
``ratings`` reads and codes the long table on the declared scale (and its per-unit matrices
and agreement weights); ``bootstrap`` evaluates every statistic and its unit-bootstrap
interval; ``coefficients`` holds percent agreement, Krippendorff's alpha, Fleiss' kappa, Gwet's
AC1/AC2 and Cohen's kappa; ``intraclass`` the intraclass correlations; ``kendall`` Kendall's W;
``table`` the whole table of one rating variable (:func:`agreement_table`). The public functions are importable from
the package itself (``from socinnov.analysis.agreement import krippendorff_alpha``).
"""

from socinnov.analysis.agreement.coefficients import (
    cohen_kappa,
    fleiss_kappa,
    gwet_ac,
    krippendorff_alpha,
    percent_agreement,
)
from socinnov.analysis.agreement.intraclass import icc
from socinnov.analysis.agreement.kendall import kendall_w
from socinnov.analysis.agreement.ratings import (
    SCALES,
    WEIGHTS,
    AgreementInputError,
    counts_matrix,
    ratings_matrix,
    weight_matrix,
)
from socinnov.analysis.agreement.table import STATISTIC_LABELS, STATISTICS, agreement_table

__all__ = [
    "SCALES",
    "STATISTICS",
    "STATISTIC_LABELS",
    "WEIGHTS",
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

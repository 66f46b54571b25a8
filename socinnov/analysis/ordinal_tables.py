"""The jurors' severity on the ordinal scale in the reports, beside the linear model's, in French.

:func:`ordinal_severity` fits ``socinnov.analysis.ordinal.rater_model`` on one grid's ratings of
one round and sets each juror's severity in logits (with infit and outfit) beside his effect in
levels from ``socinnov.analysis.juror_effects``. It never fails on valid data: a design the model
cannot fit (too few dossiers, every rating at one level, jurors in groups without a common
dossier, a cohort too large for the dense Hessian) gives a French sentence instead of the table.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from socinnov import fr
from socinnov.analysis.juror_effects import DisconnectedDesignWarning
from socinnov.analysis.ordinal import rater_model, severity_comparison

__all__ = ["MAX_DOSSIERS", "SMALL_DOSSIERS", "OrdinalSeverity", "ordinal_severity"]

#: Above this many dossiers the model is not fitted: its Hessian is dense (one parameter per
#: dossier), 8 s at 1 000 dossiers and cubic beyond (``docs/decisions.md``, ordinal model).
MAX_DOSSIERS = 1000
#: Under this many dossiers the section says that the severities rest on few data.
SMALL_DOSSIERS = 20
#: Infit mean squares read as erratic above, too predictable below (Wright & Linacre's usual band
#: for ratings, as in ``socinnov.analysis.ordinal``).
ERRATIC, PREDICTABLE = 1.3, 0.7


@dataclass
class OrdinalSeverity:
    """What the report shows: a French paragraph and, when the model was fitted, a table."""

    summary: str
    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"Juré": []}))
    comparison: pd.DataFrame | None = None  # ``ordinal.severity_comparison`` output, or None


def _rounded(values: pd.Series) -> np.ndarray:
    """To the two decimals shown, without « -0,00 » for a juror at the mean."""
    return np.round(values.to_numpy(dtype=float), 2) + 0.0


def _reading(infit: float) -> str:
    if not np.isfinite(infit):
        return "–"
    if infit > ERRATIC:
        return f"notes peu prévisibles (infit > {fr.number(ERRATIC, 1)})"
    if infit < PREDICTABLE:
        return f"notes trop prévisibles (infit < {fr.number(PREDICTABLE, 1)})"
    return "conforme au modèle"


def ordinal_severity(ratings: pd.DataFrame, severity_linear: pd.DataFrame) -> OrdinalSeverity:
    """Jurors' severity in logits beside their effect in levels, for one grid's ratings of one round.

    ``ratings``: long ratings (``dossier_id, juror_id, criterion, level_code``) of one grid and
    round; ``severity_linear``: ``JurorEffects.severity`` of the same ratings.
    """
    r = ratings.dropna(subset=["level_code"])
    n_d = int(r["dossier_id"].nunique())
    if n_d > MAX_DOSSIERS:
        return OrdinalSeverity(
            f"Modèle ordinal non estimé : {fr.count(n_d, 'dossier noté', 'dossiers notés')} ; au-delà de {fr.number(MAX_DOSSIERS)} "
            "le calcul (un paramètre par dossier) prendrait trop de temps pour un rapport ; la sévérité en niveaux "
            "ci-dessus reste valable.")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DisconnectedDesignWarning)
        try:
            model = rater_model(r)
        except (ValueError, RuntimeError, np.linalg.LinAlgError):
            model = None
    if model is None or any(issubclass(w.category, DisconnectedDesignWarning) for w in caught):
        why = ("le plan de notation se divise en groupes de jurés et de dossiers sans juré commun"
               if model is not None else "les notes, hors dossiers aux notes toutes extrêmes, ne suffisent pas à "
               "placer jurés, critères et dossiers sur une même échelle")
        return OrdinalSeverity(f"Modèle ordinal non estimé : {why}.")
    comparison = severity_comparison(model, severity_linear)
    jurors = comparison.sort_values("severity_logit", ascending=False, kind="stable")
    table = pd.DataFrame({
        "Juré": jurors["juror_id"].to_numpy(),
        "Sévérité (logits)": _rounded(jurors["severity_logit"]),
        "Erreur type (logits)": jurors["se_logit"].to_numpy(),
        "Sévérité (niveaux, modèle linéaire)": _rounded(-jurors["effect_levels"]),
        "Infit": jurors["infit"].to_numpy(),
        "Outfit": jurors["outfit"].to_numpy(),
        "Lecture": [_reading(v) for v in jurors["infit"]],
    })
    return OrdinalSeverity(_summary(model, comparison, n_d), table, comparison)


def _summary(model, comparison: pd.DataFrame, n_d: int) -> str:
    s = comparison["severity_logit"]
    erratic = int((comparison["infit"] > ERRATIC).sum())
    predictable = int((comparison["infit"] < PREDICTABLE).sum())
    rho = comparison.attrs.get("spearman", np.nan)
    text = ("Les quatre niveaux sont ordonnés mais pas forcément équidistants : un modèle logit cumulatif à facettes "
            "(dossiers, jurés, critères ; McCullagh 1980, à la manière de FACETS, Linacre 1989) place chaque juré "
            f"sur une échelle logit. Les sévérités vont de {fr.number(s.min(), 2)} à {fr.number(s.max(), 2)} logit "
            "(positif : plus sévère que le juré moyen).")
    if np.isfinite(rho):
        text += (f" L'ordre des jurés est, à ρ de Spearman = {fr.number(rho, 2)} près, celui du modèle linéaire "
                 "ci-dessus" + (" : les deux lectures concordent." if rho >= 0.8 else
                                " : les deux lectures divergent, l'écart entre niveaux n'est pas le même partout "
                                "sur l'échelle."))
    text += (f" Ajustement (infit, Wright et Masters 1982) : {fr.count(erratic, 'juré')} aux notes peu prévisibles, "
             f"{fr.count(predictable, 'juré')} aux notes trop prévisibles (même niveau partout, effet de halo).")
    extreme = model.extreme[model.extreme["facet"] == "dossier"]
    if len(extreme):
        text += (f" {fr.count(len(extreme), 'dossier')} aux notes toutes au niveau le plus haut ou le plus bas "
                 "(mesure infinie) mis de côté.")
    if n_d < SMALL_DOSSIERS:
        text += (f" Peu de données : {fr.count(n_d, 'dossier')}. Le modèle estime un paramètre par dossier : sur si "
                 "peu de dossiers, les sévérités en logits sont très incertaines (voir leur erreur type) ; à lire "
                 "comme une indication.")
    return text

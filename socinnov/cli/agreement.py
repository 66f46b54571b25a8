"""Command line: ``socinnov agreement FICHIER.csv --unit COL --rater COL --value COL ...``.

Reads a long-format CSV (one row per rating; an empty value is a missing rating) with the
cohort files' reader (:func:`socinnov.inputs.csv_reader.read_columns`: ``;`` or ``,``, UTF-8 with
or without BOM or Windows-1252, identifiers cleaned as ingest cleans them) and prints every
agreement statistic of :func:`socinnov.analysis.agreement.agreement_table`, as a French table or,
with ``--json``, as one JSON object. Bad input gets a French message on stderr naming the file,
the line and the column, and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pandas as pd

from socinnov.analysis.agreement import (
    SCALES,
    STATISTIC_LABELS,
    STATISTICS,
    WEIGHTS,
    AgreementInputError,
    agreement_table,
)
from socinnov.analysis.agreement.ratings import SCALE_FR, WEIGHT_FR
from socinnov.inputs.csv_reader import TableFormatError, read_columns

__all__ = ["DESCRIPTION", "EXAMPLES", "configure_parser", "main", "run"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2



class _InputProblem(Exception):
    """A problem with the input file, already worded in French."""


DESCRIPTION = """
    Accord inter-évaluateurs (pourcentage d'accord, alpha de Krippendorff, kappas, AC1/AC2 de
    Gwet, ICC, W de Kendall) à partir d'un CSV au format long : une ligne par note, une note vide
    est une note manquante. Chaque statistique vient avec son intervalle de confiance à 95 %
    (bootstrap sur les unités) et, si elle ne s'applique pas, la raison (docs/agreement.md)."""
"""What ``socinnov agreement --help`` says the command does."""
EXAMPLES = [
    ("socinnov agreement notes.csv --unit dossier --rater jure --value note "
     "--levels Inexistant,Faible,Intermédiaire,Fort", "niveaux ordonnés de la grille d'acceptabilité"),
    ("socinnov agreement notes.csv --unit dossier --rater jure --value note --scale interval --bootstrap 0 --json",
     "notes chiffrées, sans intervalle, en JSON"),
]
"""Command lines shown by ``socinnov agreement --help``, with what each does."""


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``socinnov agreement`` to ``parser``."""
    parser.add_argument("file", metavar="FICHIER.csv",
                        help="CSV au format long (séparateur « ; » ou « , », UTF-8 ou Windows-1252)")
    parser.add_argument("--unit", required=True, metavar="COL",
                        help="colonne de l'unité notée (dossier)")
    parser.add_argument("--rater", required=True, metavar="COL",
                        help="colonne de l'évaluateur (juré)")
    parser.add_argument("--value", required=True, metavar="COL",
                        help="colonne de la note (vide = note manquante)")
    parser.add_argument("--scale", choices=SCALES, default="ordinal",
                        help="niveau de mesure (défaut : ordinal)")
    parser.add_argument("--levels", metavar="N1,N2,...",
                        help="niveaux de l'échelle dans l'ordre, par ex. "
                             "Inexistant,Faible,Intermédiaire,Fort ou C,B,A")
    parser.add_argument("--weights", choices=WEIGHTS, default="linear",
                        help="pondération de l'AC2 et du kappa pondéré (défaut : linear)")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                        help="rééchantillonnages bootstrap des unités (défaut : 1000 ; 0 : aucun)")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="graine du bootstrap (défaut : 0)")
    parser.add_argument("--json", action="store_true",
                        help="sortie JSON au lieu du tableau")


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:.3f}".replace(".", ",")


def _json_number(x):
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def _to_json(table: pd.DataFrame, path: str, args) -> dict:
    stats = {}
    for row in table.itertuples(index=False):
        stats[row.statistic] = {
            "estimate": _json_number(row.estimate),
            "ci_low": _json_number(row.ci_low),
            "ci_high": _json_number(row.ci_high),
            "note": row.note,
        }
    attrs = table.attrs
    return {
        "file": path,
        "n_units": int(attrs["n_units"]),
        "n_raters": int(attrs["n_raters"]),
        "n_ratings": int(attrs["n_ratings"]),
        "n_missing": int(attrs["n_missing"]),
        "scale": attrs["scale"],
        "levels": [lv if isinstance(lv, (int, float)) else str(lv) for lv in attrs["levels"]],
        "weights": attrs["weights"],
        "bootstrap": args.bootstrap,
        "seed": args.seed,
        "statistics": {name: stats[name] for name in STATISTICS},
    }


def _to_text(table: pd.DataFrame, path: str, args) -> str:
    attrs = table.attrs
    levels = ", ".join(map(str, attrs["levels"]))
    boot = (f"bootstrap : {args.bootstrap} rééchantillonnages des unités, graine {args.seed}"
            if args.bootstrap > 0 else "sans bootstrap")
    # The bootstrap interval note is the same for every statistic: say it once.
    common = (f" ; IC 95 % bootstrap percentile ({args.bootstrap} rééchantillonnages des unités, "
              f"graine {args.seed})")
    out = [
        f"Accord inter-évaluateurs — {path}",
        (f"Unités : {attrs['n_units']} · évaluateurs : {attrs['n_raters']} · notes : "
         f"{attrs['n_ratings']} ({attrs['n_missing']} manquantes)"),
        (f"Échelle {SCALE_FR[attrs['scale']]} à {len(attrs['levels'])} niveaux ({levels}) · "
         f"pondération {WEIGHT_FR[attrs['weights']]} · {boot}"),
        "",
    ]
    width = max(len(v) for v in STATISTIC_LABELS.values())
    out.append(f"{'Statistique':<{width}}  {'Estimation':>10}  {'IC 95 %':<17}")
    out.append("-" * (width + 31))
    for row in table.itertuples(index=False):
        ci = (f"[{_fmt(row.ci_low)} ; {_fmt(row.ci_high)}]"
              if not (math.isnan(row.ci_low) or math.isnan(row.ci_high)) else "—")
        out.append(f"{STATISTIC_LABELS[row.statistic]:<{width}}  {_fmt(row.estimate):>10}  {ci:<17}")
    out.append("")
    out.append("Les pourcentages d'accord sont des proportions entre 0 et 1.")
    if args.bootstrap > 0:
        out.append("Sauf mention contraire, IC 95 % bootstrap percentile sur les unités.")
    out.append("Remarques :")
    for row in table.itertuples(index=False):
        note = row.note.replace(common, "")
        if note:
            out.append(f"  - {STATISTIC_LABELS[row.statistic]} : {note}")
    return "\n".join(out)


def _parse_levels(text: str | None):
    if text is None:
        return None
    sep = ";" if ";" in text else ","
    levels = [x.strip() for x in text.split(sep)]
    if any(x == "" for x in levels):
        raise _InputProblem(f"--levels « {text} » : niveau vide ; écrivez par exemple "
                            "--levels Inexistant,Faible,Intermédiaire,Fort")
    if len(levels) < 2:
        raise _InputProblem(f"--levels « {text} » : il faut au moins deux niveaux")
    return levels


def _describe(exc: AgreementInputError, path: str, args) -> str:
    where = [path]
    if exc.index is not None:
        where.append(f"ligne {exc.index}")
    if exc.column is not None:
        where.append(f"colonne « {exc.column} »")
    reason = exc.reason.replace("déclarez les niveaux (levels)", "déclarez-les avec --levels")
    reason = reason.replace("des niveaux (levels)", "des niveaux avec --levels")
    return ", ".join(where) + " : " + reason


def run(args: argparse.Namespace) -> int:
    """Run ``socinnov agreement``; return the exit status (0, or 2 for bad input)."""
    path = args.file
    try:
        if args.bootstrap < 0:
            raise _InputProblem(f"--bootstrap {args.bootstrap} : le nombre de rééchantillonnages "
                                "doit être positif ou nul")
        levels = _parse_levels(args.levels)
        data = read_columns(Path(path), [args.unit, args.rater, args.value], name=path)
        table = agreement_table(data, unit=args.unit, rater=args.rater, value=args.value,
                                scale=args.scale, levels=levels, weights=args.weights,
                                n_boot=args.bootstrap, seed=args.seed)
    except _InputProblem as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except TableFormatError as exc:
        print("\n".join(f"Erreur : {problem}" for problem in exc.problems), file=sys.stderr)
        return EXIT_BAD_INPUT
    except AgreementInputError as exc:
        print(f"Erreur : {_describe(exc, path, args)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps(_to_json(table, path, args), ensure_ascii=False, indent=2))
    else:
        print(_to_text(table, path, args))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="socinnov agreement", description=" ".join(DESCRIPTION.split()))
    configure_parser(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

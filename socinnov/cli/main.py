"""The ``socinnov`` command: demo, ingest, report, audit, templates, agreement.

Exit status: 0 success; 1 a report failed (the others were built); 2 bad input or bad usage
(every problem listed, nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from socinnov import __version__
from socinnov.errors import InputError


def _demo(args) -> int:
    from socinnov.demo.generator import write_demo

    written = write_demo(Path(args.out), seed=args.seed, n_dossiers=args.dossiers, overwrite=args.force)
    print(f"Cohorte de démonstration écrite dans {args.out} ({len(written)} fichiers).")
    return 0


def _ingest(args) -> int:
    from socinnov.inputs.ingest import ingest

    target = ingest(args.cohort)
    print(f"Données validées et préparées : {target}")
    return 0


def _report(args) -> int:
    from socinnov.privacy.store import AUDIENCES
    from socinnov.reporting.build import build_reports, main_log
    from socinnov.reporting.pdf import ChromiumMissing

    audiences = AUDIENCES if "all" in args.audience else tuple(dict.fromkeys(args.audience))
    try:
        index, outcomes = build_reports(args.cohort, audiences=audiences, only=tuple(args.only or ()),
                                        force=args.force, pdf=args.pdf, jobs=args.jobs, log=main_log)
    except ChromiumMissing as err:  # asked for PDFs this machine cannot print: nothing built
        print(err, file=sys.stderr)
        return 2
    failed = [o for o in outcomes if o.error]
    if "public" in audiences:
        from socinnov.privacy.release import release_public

        dataset, leaks = release_public(args.cohort, force=args.force)
        print(f"Jeu de données ouvert : {dataset}", file=sys.stderr)
        for leak in leaks:
            print(f"Fuite retirée (fichier supprimé) : {leak}", file=sys.stderr)
        if leaks:
            return 1
    for o in failed:
        print(f"Échec du rapport « {o.spec.title} » : {o.error}\n  carnet exécuté conservé : {o.notebook}",
              file=sys.stderr)
    print(index)
    return 1 if failed else 0


def _opendata(args) -> int:
    from socinnov.privacy.release import release_public

    dataset, leaks = release_public(args.cohort, force=True)
    for leak in leaks:
        print(f"Fuite retirée (fichier supprimé) : {leak}", file=sys.stderr)
    print(dataset)
    return 1 if leaks else 0


def _audit(args) -> int:
    from socinnov.privacy.audit import InfeasibleRelease, audit_cohort

    try:
        result = audit_cohort(args.cohort, min_count=args.seuil, all_intervals=args.detail)
    except InfeasibleRelease as err:
        print(f"Audit impossible : {err}", file=sys.stderr)
        return 1
    print(result.report(), file=sys.stderr if not result.ok else sys.stdout)
    if args.detail:
        for f in result.findings:
            print("  " + f.fr())
    return 0 if result.ok else 1


def _templates(args) -> int:
    from socinnov.call.schemas import TABLES
    from socinnov.inputs.tabular import write_template

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for t in TABLES:
        if (out / t.filename).exists():
            print(f"{out / t.filename} existe déjà : laissé tel quel", file=sys.stderr)
            continue
        write_template(t, out / t.filename)
    print(f"Modèles de fichiers écrits dans {out}")
    return 0


def _forms(args) -> int:
    from socinnov.inputs.forms import write_forms

    paths = write_forms(args.cohort, Path(args.out) if args.out else None, force=args.force)
    for path in paths:
        print(f"  {path.name}")
    print(f"{len(paths)} formulaires de notation écrits dans {paths[0].parent}")
    return 0


def _import_forms(args) -> int:
    from socinnov.inputs.form_import import import_forms, write_ratings

    result = import_forms(args.cohort, Path(args.folder))
    out = write_ratings(result.ratings, Path(args.out), force=args.force)
    print(result.missing_report(), file=sys.stderr)
    print(f"{len(result.files)} classeurs lus, {len(result.ratings)} lignes de notation écrites dans {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from socinnov.cli import agreement

    parser = argparse.ArgumentParser(prog="socinnov", description="Kit d'analyse de l'AMI innovation sociale.")
    parser.add_argument("--version", action="version", version=f"socinnov {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="écrire une cohorte fictive de démonstration")
    p.add_argument("--out", required=True, help="dossier à créer")
    p.add_argument("--seed", type=int, default=2016, help="graine du générateur (défaut 2016)")
    p.add_argument("--dossiers", type=int, default=120, help="nombre de dossiers (défaut 120)")
    p.add_argument("--force", action="store_true", help="remplacer un dossier existant")
    p.set_defaults(func=_demo)

    p = sub.add_parser("ingest", help="valider data/raw/COHORTE et préparer data/processed/COHORTE")
    p.add_argument("cohort", help="nom de la cohorte (dossier sous data/raw) ou chemin d'un dossier")
    p.set_defaults(func=_ingest)

    p = sub.add_parser("report", help="construire les rapports d'une cohorte")
    p.add_argument("cohort", help="nom de la cohorte (dossier sous data/raw) ou chemin d'un dossier")
    p.add_argument("--audience", action="append", choices=("jury", "comite", "public", "all"),
                   help="public du rapport (répétable ; défaut : jury)")
    p.add_argument("--only", action="append", help="ne construire que ce rapport (répétable)")
    p.add_argument("--force", action="store_true", help="reconstruire même si rien n'a changé")
    p.add_argument("--jobs", type=int, default=None,
                   help="rapports construits en même temps (défaut : un par cœur)")
    p.add_argument("--pdf", action="store_true",
                   help="imprimer aussi chaque rapport en PDF à côté de son HTML (Chromium requis)")
    p.set_defaults(func=_report, audience=None)

    p = sub.add_parser("opendata", help="écrire le jeu de données ouvert (pseudonymisé, contrôlé) d'une cohorte")
    p.add_argument("cohort", help="nom de la cohorte (dossier sous data/raw) ou chemin d'un dossier")
    p.set_defaults(func=_opendata)

    p = sub.add_parser("audit", help="attaquer la diffusion publique d'une cohorte : tout fichier public lu "
                                      "ensemble, et les diffusions antérieures du registre")
    p.add_argument("cohort", help="nom de la cohorte (dossier sous data/raw) ou chemin d'un dossier")
    p.add_argument("--seuil", type=int, default=5, help="effectif minimal publié (défaut 5)")
    p.add_argument("--detail", action="store_true", help="afficher l'intervalle de chaque quantité examinée")
    p.set_defaults(func=_audit)

    p = sub.add_parser("templates", help="écrire des fichiers d'entrée vides, en-têtes en français")
    p.add_argument("out", help="dossier où écrire les modèles")
    p.set_defaults(func=_templates)

    p = sub.add_parser("forms", help="écrire un classeur de notation par juré (formulaires Excel)")
    p.add_argument("cohort", help="nom de la cohorte (dossier sous data/raw) ou chemin d'un dossier")
    p.add_argument("--out", help="dossier où écrire les classeurs (défaut : reports/COHORTE/jury/formulaires)")
    p.add_argument("--force", action="store_true", help="remplacer aussi les classeurs où des notes sont saisies")
    p.set_defaults(func=_forms)

    p = sub.add_parser("import-forms", help="lire les classeurs de notation retournés en un fichier notations.csv")
    p.add_argument("cohort", help="nom de la cohorte (dossier sous data/raw) ou chemin d'un dossier")
    p.add_argument("folder", help="dossier des classeurs retournés (.xlsx)")
    p.add_argument("--out", required=True, help="fichier CSV à écrire (jamais sous data/raw)")
    p.add_argument("--force", action="store_true", help="remplacer le fichier CSV s'il existe")
    p.set_defaults(func=_import_forms)

    p = sub.add_parser("agreement", help="accord entre évaluateurs sur un fichier CSV long")
    agreement.configure_parser(p)
    p.set_defaults(func=agreement.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "audience", ()) is None:
        args.audience = ["jury"]
    try:
        return args.func(args)
    except InputError as err:
        print(err.report(), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""The ``socinnov`` command: demo, ingest, status, report, audit, templates, agreement.

Exit status: 0 success; 1 a report failed (the others were built); 2 bad input or bad usage
(every problem listed, nothing written); 130 interrupted (Ctrl-C).

Every mistake a user can make ends here as a :class:`socinnov.errors.UserError` (or an error of
the operating system: a missing folder, a full disk, a refused permission): one French message,
no Python traceback. Any other exception is a defect of the kit and keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
from pathlib import Path

from socinnov import __version__
from socinnov.errors import UserError, os_reason
from socinnov.privacy.audiences import IDS as AUDIENCE_IDS
from socinnov.privacy.audiences import JURY

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def _demo(args) -> int:
    from socinnov.demo.generator import write_demo

    try:
        written = write_demo(Path(args.out), seed=args.seed, n_dossiers=args.dossiers, overwrite=args.force)
    except FileExistsError as exc:
        raise UserError(str(exc).split(" ; ")[0], hint="--force pour le remplacer") from None
    print(f"Cohorte de démonstration écrite dans {args.out} ({len(written)} fichiers).")
    return 0


def _ingest(args) -> int:
    from socinnov.inputs.ingest import ingest

    target = ingest(args.cohort)
    print(f"Données validées et préparées : {target}\n")
    # What was read, as ``socinnov status`` says it: the stage reached and each file's rows.
    from socinnov.call.settings import call_from_dict
    from socinnov.privacy.store import load_cohort

    cohort = load_cohort(target.name, audience="jury")
    _print_status(cohort.name, {name: cohort.tables[name] for name in cohort.tables},
                  call_from_dict(cohort.manifest["call"]))
    return 0


def _print_status(name: str, frames: dict, call) -> None:
    from socinnov.call.stages import cohort_status, status_fr
    from socinnov.reporting.build import discover_reports

    reports = tuple((s.name, s.title, s.audiences) for s in discover_reports())
    print(status_fr(cohort_status(frames, call), name, call, reports))


def _report(args) -> int:
    from socinnov.privacy.audiences import PUBLIC
    from socinnov.reporting.build import build_reports, main_log

    audiences = AUDIENCE_IDS if "all" in args.audience else tuple(dict.fromkeys(args.audience))
    # Asked for PDFs this machine cannot print: ChromiumMissing (a UserError), nothing built.
    index, outcomes = build_reports(args.cohort, audiences=audiences, only=tuple(args.only or ()),
                                    force=args.force, pdf=args.pdf, jobs=args.jobs, log=main_log)
    failed = [o for o in outcomes if o.error]
    if PUBLIC in audiences:
        from socinnov.privacy.release import release_public

        dataset, leaks = release_public(args.cohort, force=args.force)
        print(f"Jeu de données ouvert : {dataset}", file=sys.stderr)
        for leak in leaks:
            print(f"Fuite retirée (fichier supprimé) : {leak}", file=sys.stderr)
        _print_held_back(args.cohort)
        if leaks:
            return 1
    for o in failed:
        print(f"Échec du rapport « {o.spec.title} » : {o.error}\n  carnet exécuté conservé : {o.notebook}",
              file=sys.stderr)
    print(index)
    return 1 if failed else 0


def _print_held_back(cohort: str) -> None:
    """Tell the data holder (never the public report) which consented sentences were held back."""
    from socinnov.privacy.audiences import JURY
    from socinnov.privacy.consent import holder_notes
    from socinnov.privacy.store import load_cohort

    notes = holder_notes(load_cohort(cohort, audience=JURY, refresh=False).tables)
    if notes:
        print("Valorisation : phrases retenues des textes publiés avec accord, car elles nomment un tiers "
              "(pour vous seul ; le rapport public dit seulement qu'une phrase est retenue) :", file=sys.stderr)
    for note in notes:
        print(f"  {note}", file=sys.stderr)


def _status(args) -> int:
    from socinnov.call.eligibility import check_eligibility
    from socinnov.errors import InputError
    from socinnov.inputs.ingest import resolve_cohort, validate_cohort

    name, folder = resolve_cohort(args.cohort)
    try:
        frames, call = validate_cohort(folder)
    except InputError as err:
        print(f"La cohorte « {name} » ne passe pas l'ingestion : son étape ne peut pas être lue tant que "
              f"ces problèmes ne sont pas corrigés.\n{err.report()}", file=sys.stderr)
        return 2
    frames["eligibility"] = check_eligibility(frames, call)
    _print_status(name, frames, call)
    return 0


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
        result = audit_cohort(args.cohort, min_count=args.seuil, all_intervals=args.detail,
                              against_ledger=args.diffusions_anterieures)
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
    from socinnov.call.settings import CALL_FILE, call_template
    from socinnov.inputs.tabular import write_template

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.format == "xlsx":  # one workbook, a sheet per table, drop-down lists for closed vocabularies
        from socinnov.inputs.template_workbook import TEMPLATE_WORKBOOK, write_template_workbook

        if (out / TEMPLATE_WORKBOOK).exists():
            print(f"{out / TEMPLATE_WORKBOOK} existe déjà : laissé tel quel", file=sys.stderr)
        else:
            write_template_workbook(out / TEMPLATE_WORKBOOK)
    for t in TABLES if args.format == "csv" else ():
        if (out / t.filename).exists():
            print(f"{out / t.filename} existe déjà : laissé tel quel", file=sys.stderr)
            continue
        write_template(t, out / t.filename)
    if (out / CALL_FILE).exists():
        print(f"{out / CALL_FILE} existe déjà : laissé tel quel", file=sys.stderr)
    else:
        (out / CALL_FILE).write_text(call_template(), encoding="utf-8")
    print(f"Modèles de fichiers écrits dans {out}")
    return 0


def _forms(args) -> int:
    from socinnov.inputs.forms import write_forms

    paths = write_forms(args.cohort, Path(args.out) if args.out else None, force=args.force, round=args.tour)
    for path in paths:
        print(f"  {path.name}")
    print(f"{len(paths)} formulaires de notation (tour « {args.tour} ») écrits dans {paths[0].parent}")
    return 0


def _import_forms(args) -> int:
    from socinnov.inputs.form_import import import_forms, write_ratings

    result = import_forms(args.cohort, Path(args.folder), prefer_workbooks=args.classeurs_prioritaires)
    out = write_ratings(result.ratings, Path(args.out), force=args.force)
    print(result.missing_report(), file=sys.stderr)
    if result.conflicts_report():
        print(result.conflicts_report(), file=sys.stderr)
    kept = f" (dont {result.kept} reprises de notations.csv de la cohorte)" if result.kept else ""
    print(f"{result.summary()}, {len(result.ratings)} lignes de notation écrites dans {out}{kept}")
    return 0


def _round(value: str) -> str:
    """``--tour``: the round as the vocabulary names it, from what the user typed."""
    from socinnov.inputs.form_layout import ROUND_OPTIONS, round_named

    found = round_named(value)
    if found is None:
        raise argparse.ArgumentTypeError(f"tour « {value} » inconnu ; tours : {', '.join(ROUND_OPTIONS.values())}")
    return found


def _assign(args) -> int:
    from socinnov.analysis.assignment import (
        InfeasibleDesign,
        assign_jurors,
        describe_design,
        exposure_profiles,
        summary_lines,
    )
    from socinnov.call.eligibility import check_eligibility, eligibility_status
    from socinnov.call.schemas import TABLES_BY_NAME
    from socinnov.inputs.ingest import resolve_cohort, validate_cohort
    from socinnov.inputs.tabular import check_output_path, write_output_table

    check_output_path(TABLES_BY_NAME["assignments"], Path(args.out), force=args.force)
    _, folder = resolve_cohort(args.cohort)
    frames, call = validate_cohort(folder)
    status = eligibility_status(check_eligibility(frames, call))  # the eligibility the ingest computes
    eligible = frames["dossiers"][frames["dossiers"]["dossier_id"].isin(status.loc[status["eligible"], "dossier_id"])]
    jurors, conflicts = list(frames["jurors"]["juror_id"]), frames.get("conflicts")
    profiles = exposure_profiles(eligible)
    try:
        pairs = assign_jurors(list(eligible["dossier_id"]), jurors, conflicts, per_dossier=args.jures_par_dossier,
                              max_load=args.charge_max, seed=args.graine, profiles=profiles)
    except InfeasibleDesign as err:
        print(f"Affectation impossible pour {len(eligible)} dossiers éligibles et {len(jurors)} jurés ; "
              "rien n'a été écrit.", file=sys.stderr)
        for reason in err.reasons:
            print(f"  - {reason}", file=sys.stderr)
        return 2
    out = write_output_table(pairs, TABLES_BY_NAME["assignments"], Path(args.out), force=args.force)
    print("\n".join(summary_lines(describe_design(pairs, jurors, conflicts, profiles))))
    print(f"{len(pairs)} affectations écrites dans {out} (graine {args.graine}) : le copier dans le dossier de la "
          "cohorte sous le nom affectations.csv, puis `socinnov forms`.")
    return 0


def _import_ds(args) -> int:
    from socinnov.inputs.demarches import import_ds

    result, out = import_ds(Path(args.export), Path(args.correspondance), Path(args.out), force=args.force)
    if result.excluded:
        s = "s" if len(result.excluded) > 1 else ""
        print(f"{len(result.excluded)} dossier{s} écarté{s} par « etats_exclus » : "
              + ", ".join(f"n° {n} ({state})" for n, state in result.excluded.items()), file=sys.stderr)
    if result.unused:
        print("Colonnes de l'export non reprises : " + ", ".join(f"« {c} »" for c in result.unused), file=sys.stderr)
    n = {t: len(df) for t, df in result.tables.items()}
    print(f"{n['dossiers']} dossiers, {n['partners']} partenaires et {n['budget']} lignes de budget écrits dans {out} ; "
          "y ajouter jures.csv et notations.csv (socinnov templates), puis socinnov ingest")
    return 0


# argparse writes its usage errors in English and ships no French catalogue: its few messages
# are translated here, by their English wording (Python 3.11 to 3.13).
_ARGPARSE_FR = (
    (r"argument (?P<arg>.+?): invalid choice: '?(?P<value>.*?)'? \(choose from (?P<choices>.*)\)",
     "{arg} : « {value} » inconnu ; choisir parmi : {choices}"),
    (r"argument (?P<arg>.+?): invalid int value: '?(?P<value>.*?)'?$", "{arg} : « {value} » n'est pas un nombre entier"),
    (r"argument (?P<arg>.+?): invalid (?P<kind>\w+) value: '?(?P<value>.*?)'?$", "{arg} : valeur « {value} » invalide"),
    (r"argument (?P<arg>.+?): expected one argument", "{arg} : une valeur est attendue après l'option"),
    (r"argument (?P<arg>.+?): ignored explicit argument '?(?P<value>.*?)'?$", "{arg} : « {value} » en trop"),
    (r"the following arguments are required: (?P<args>.*)", "argument(s) obligatoire(s) manquant(s) : {args}"),
    (r"unrecognized arguments: (?P<args>.*)", "argument(s) non reconnu(s) : {args}"),
    # An option's own type check (argparse.ArgumentTypeError), its message already French.
    (r"argument (?P<arg>.+?): (?P<message>.*)", "{arg} : {message}"),
)


def _french(message: str) -> str:
    for pattern, french in _ARGPARSE_FR:
        m = re.fullmatch(pattern, message)
        if m:
            fields = {k: v.replace("'", "") if k == "choices" else v for k, v in m.groupdict().items()}
            return french.format(**fields)
    return message


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors in French (exit status 2, as argparse)."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog} : erreur : {_french(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    from socinnov.cli import agreement

    parser = _Parser(prog="socinnov", description="Kit d'analyse de l'AMI innovation sociale.")
    parser.add_argument("--version", action="version", version=f"socinnov {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", required=True)

    p = sub.add_parser("demo", help="écrire une cohorte fictive de démonstration")
    p.add_argument("--out", required=True, help="dossier à créer")
    p.add_argument("--seed", type=int, default=2016, help="graine du générateur (défaut 2016)")
    p.add_argument("--dossiers", type=int, default=120, help="nombre de dossiers (défaut 120)")
    p.add_argument("--force", action="store_true", help="remplacer un dossier existant")
    p.set_defaults(func=_demo)

    p = sub.add_parser("ingest", help="valider data/raw/COHORTE et préparer data/processed/COHORTE")
    p.add_argument("cohort", metavar="COHORTE", help="nom de la cohorte (dossier sous data/raw) ou chemin d'un dossier")
    p.set_defaults(func=_ingest)

    p = sub.add_parser("status", help="dire où en est une cohorte : étape, fichiers, notes attendues, rapports")
    p.add_argument("cohort", help="nom de la cohorte (dossier sous data/raw) ou chemin d'un dossier")
    p.set_defaults(func=_status)

    p = sub.add_parser("report", help="construire les rapports d'une cohorte")
    p.add_argument("cohort", metavar="COHORTE", help="nom de la cohorte (dossier sous data/raw) ou chemin d'un dossier")
    p.add_argument("--audience", action="append", choices=(*AUDIENCE_IDS, "all"),
                   help="public du rapport (répétable ; défaut : jury)")
    p.add_argument("--only", action="append", help="ne construire que ce rapport (répétable)")
    p.add_argument("--force", action="store_true", help="reconstruire même si rien n'a changé")
    p.add_argument("--jobs", type=int, default=None,
                   help="rapports construits en même temps (défaut : un par cœur)")
    p.add_argument("--pdf", action="store_true",
                   help="imprimer aussi chaque rapport en PDF à côté de son HTML (Chromium requis)")
    p.set_defaults(func=_report, audience=None)

    p = sub.add_parser("opendata", help="écrire le jeu de données ouvert (pseudonymisé, contrôlé) d'une cohorte")
    p.add_argument("cohort", metavar="COHORTE", help="nom de la cohorte (dossier sous data/raw) ou chemin d'un dossier")
    p.set_defaults(func=_opendata)

    p = sub.add_parser("audit", help="attaquer la diffusion publique d'une cohorte : tout fichier public lu "
                                      "ensemble (et, sur demande, la diffusion précédente du registre)")
    p.add_argument("cohort", help="nom de la cohorte (dossier sous data/raw) ou chemin d'un dossier")
    p.add_argument("--seuil", type=int, default=5, help="effectif minimal publié (défaut 5)")
    p.add_argument("--detail", action="store_true", help="afficher l'intervalle de chaque quantité examinée")
    p.add_argument("--diffusions-anterieures", action="store_true",
                   help="confronter aussi la diffusion à la précédente du registre")
    p.set_defaults(func=_audit)

    p = sub.add_parser("templates", help="écrire des fichiers d'entrée vides, en-têtes en français")
    p.add_argument("out", help="dossier où écrire les modèles")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv",
                   help="csv : un fichier par table ; xlsx : un classeur, une feuille par table, listes déroulantes")
    p.set_defaults(func=_templates)

    p = sub.add_parser("forms", help="écrire un classeur de notation par juré (formulaires Excel)")
    p.add_argument("cohort", metavar="COHORTE", help="nom de la cohorte (dossier sous data/raw) ou chemin d'un dossier")
    p.add_argument("--out", help="dossier où écrire les classeurs (défaut : reports/COHORTE/jury/formulaires)")
    p.add_argument("--tour", type=_round, default="individuel", metavar="TOUR",
                   help="tour de notation : individuel (défaut) ou apres-debat (rappelle les notes individuelles)")
    p.add_argument("--force", action="store_true", help="remplacer aussi les classeurs où des notes sont saisies")
    p.set_defaults(func=_forms)

    p = sub.add_parser("assign", help="affecter les jurés aux dossiers éligibles (écrit affectations.csv)")
    p.add_argument("cohort", help="nom de la cohorte (dossier sous data/raw) ou chemin d'un dossier")
    p.add_argument("--jures-par-dossier", type=int, required=True, metavar="K", help="jurés par dossier")
    p.add_argument("--charge-max", type=int, metavar="N",
                   help="dossiers par juré au plus (défaut : charges équilibrées, écart d'un dossier au plus)")
    p.add_argument("--graine", type=int, default=0, metavar="S",
                   help="graine du tirage (défaut 0) : même graine, même affectation")
    p.add_argument("--out", required=True, help="fichier CSV à écrire (jamais sous data/raw)")
    p.add_argument("--force", action="store_true", help="remplacer le fichier CSV s'il existe")
    p.set_defaults(func=_assign)

    p = sub.add_parser("import-forms", help="lire les classeurs de notation retournés en un fichier notations.csv")
    p.add_argument("cohort", metavar="COHORTE", help="nom de la cohorte (dossier sous data/raw) ou chemin d'un dossier")
    p.add_argument("folder", help="dossier des classeurs retournés (.xlsx), des deux tours")
    p.add_argument("--out", required=True, help="fichier CSV à écrire (jamais sous data/raw) : notations.csv de la "
                   "cohorte complété des classeurs")
    p.add_argument("--force", action="store_true", help="remplacer le fichier CSV s'il existe")
    p.add_argument("--classeurs-prioritaires", action="store_true",
                   help="un niveau d'un classeur remplace un niveau différent de notations.csv (par défaut : refus, "
                        "avec la liste des conflits)")
    p.set_defaults(func=_import_forms)

    p = sub.add_parser("import-ds", help="lire un export démarches-simplifiées en tables du kit")
    p.add_argument("export", metavar="EXPORT", help="export des dossiers (.xlsx, .ods ou .csv)")
    p.add_argument("--correspondance", required=True, metavar="FICHIER.yaml",
                   help="champs de la plateforme -> colonnes du kit")
    p.add_argument("--out", required=True, metavar="DIR", help="dossier où écrire les tables (jamais sous data/raw)")
    p.add_argument("--force", action="store_true", help="remplacer les tables qui y existent")
    p.set_defaults(func=_import_ds)

    p = sub.add_parser("agreement", help="accord entre évaluateurs sur un fichier CSV long")
    agreement.configure_parser(p)
    p.set_defaults(func=agreement.run)
    return parser


def _interrupted() -> int:
    print("\nInterrompu (Ctrl-C) : les fichiers déjà en place sont complets ; relancer la commande pour "
          "terminer.", file=sys.stderr, flush=True)
    if any(t is not threading.current_thread() and not t.daemon for t in threading.enumerate()):
        # Reports still running in the build's threads: Python would wait for them at exit. The
        # process ends now; their kernels stop with it (they watch their parent), and what they
        # were writing is a temporary file that the next run removes.
        sys.stdout.flush()
        os._exit(EXIT_INTERRUPTED)
    return EXIT_INTERRUPTED


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if getattr(args, "audience", ()) is None:
            args.audience = [JURY]
        return args.func(args)
    except UserError as err:
        print(err.report(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:  # a folder that does not exist, a full disk, a refused permission
        where = f"{err.filename} : " if err.filename is not None else ""
        print(f"Erreur : {where}{os_reason(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return _interrupted()


if __name__ == "__main__":
    sys.exit(main())

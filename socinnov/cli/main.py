"""The ``socinnov`` command: demo, ingest, status, report, audit, templates, agreement.

Exit status: 0 success; 1 a report failed (the others were built); 2 bad input or bad usage
(every problem listed, nothing written); 130 interrupted (Ctrl-C).

Every mistake a user can make ends here as a :class:`socinnov.errors.UserError` (or an error of
the operating system: a missing folder, a full disk, a refused permission): one French message,
no Python traceback. Any other exception is a defect of the kit and keeps its traceback.

``socinnov COMMANDE --help`` says in French what each command does and shows examples
(argparse made French: :mod:`socinnov.cli.parser`).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path

from socinnov import __version__, files
from socinnov.call.vocabulary import INDIVIDUAL
from socinnov.cli.parser import EXIT_BAD_INPUT, Parser, command
from socinnov.errors import UserError, os_reason
from socinnov.privacy.audiences import IDS as AUDIENCE_IDS
from socinnov.privacy.audiences import JURY

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
                                    force=args.force, pdf=args.pdf, jobs=args.jobs, log=main_log,
                                    progress=sys.stderr.isatty())  # no progress lines in a log file
    failed = [o for o in outcomes if o.error]
    if PUBLIC in audiences:
        from socinnov.privacy.release import release_public

        dataset, leaks = release_public(args.cohort, force=args.force)
        print(f"Jeu de données ouvert : {dataset or 'aucun (trop peu de dossiers pour une diffusion publique)'}",
              file=sys.stderr)
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
    if dataset is None:
        print("Aucun jeu de données ouvert : trop peu de dossiers pour une diffusion publique", file=sys.stderr)
        return 1
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


COHORT_HELP = "nom de la cohorte (dossier sous data/raw) ou chemin d'un dossier"


def _list_reports(parser: Parser) -> None:
    """``report --help``: the report names ``--only`` accepts, read from the notebooks."""
    from socinnov.reporting.build import discover_reports

    only = next(a for a in parser._actions if a.dest == "only")
    names = ", ".join(s.name for s in discover_reports()) or "aucun carnet de rapport trouvé"
    only.help = f"ne construire que ce rapport (répétable) : {names}"


def build_parser(wanted: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command. ``wanted``: the command about to be parsed, if known; the
    ``agreement`` command's arguments name the statistics' scales and weights, whose module imports
    scipy (half a second), so they are added only when that command is the one parsed, or when
    none is known (``socinnov --help`` lists them all)."""
    parser = Parser(prog="socinnov", description="Kit d'analyse de l'AMI innovation sociale.",
                     epilog="`socinnov COMMANDE --help` décrit une commande et en donne des exemples.")
    parser.add_argument("--version", action="version", version=f"socinnov {__version__}",
                        help="afficher la version et quitter")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", required=True, title="commandes ")

    p = command(sub, "demo", help="écrire une cohorte fictive de démonstration", description="""
        Écrit une cohorte fictive et réaliste de l'appel (dossiers, partenaires, budgets, jurés,
        notations, décisions, suivi) : les mêmes fichiers qu'une vraie cohorte, avec un appel.yaml et
        un LISEZMOI.md qui décrit chaque colonne. Aucun porteur réel n'y figure. La même graine
        donne la même cohorte.""", examples=[
        ("socinnov demo --out data/raw/essai", "120 dossiers (graine 2016), puis `socinnov report essai`"),
        ("socinnov demo --out data/raw/petite --dossiers 30 --seed 7 --force", "30 dossiers, remplace le dossier")])
    p.add_argument("--out", required=True, metavar="DOSSIER", help="dossier à créer")
    p.add_argument("--seed", type=int, default=2016, metavar="S", help="graine du générateur (défaut 2016)")
    p.add_argument("--dossiers", type=int, default=120, metavar="N", help="nombre de dossiers (défaut 120)")
    p.add_argument("--force", action="store_true", help="remplacer un dossier existant")
    p.set_defaults(func=_demo)

    p = command(sub, "ingest", help="valider data/raw/COHORTE et préparer data/processed/COHORTE", description="""
        Lit chaque fichier de la cohorte (CSV, .xlsx ou .ods), vérifie colonnes, valeurs permises,
        dates, montants et identifiants, et signale tous les problèmes à la fois (fichier, ligne,
        colonne) : rien n'est écrit tant qu'il en reste un (code de sortie 2).

        Les données validées vont dans data/processed/COHORTE ; les fichiers fournis ne sont jamais
        modifiés. Affiche ensuite l'étape de l'appel atteinte, comme `socinnov status`.""", examples=[
        ("socinnov ingest ma-cohorte", "la cohorte data/raw/ma-cohorte"),
        ("socinnov ingest ./chemin/vers/cohorte", "un dossier ailleurs ; la cohorte prend le nom du dossier")])
    p.add_argument("cohort", metavar="COHORTE", help=COHORT_HELP)
    p.set_defaults(func=_ingest)

    p = command(sub, "status", help="dire où en est une cohorte : étape, fichiers, notes attendues, rapports",
                 description="""
        Dit où en est une cohorte : l'étape de l'appel atteinte (dépôt, éligibilité, affectation,
        notation, débat, faisabilité, décisions, validation, suivi, bilans), les lignes de chaque
        fichier, les notes attendues et celles qui manquent par juré, ce que chaque rapport
        contiendra maintenant et l'étape suivante. N'écrit rien.""", examples=[
        ("socinnov status ma-cohorte", "l'étape de data/raw/ma-cohorte"),
        ("socinnov status ./chemin/vers/cohorte", "celle d'un dossier ailleurs")])
    p.add_argument("cohort", metavar="COHORTE", help=COHORT_HELP)
    p.set_defaults(func=_status)

    p = command(sub, "report", help="construire les rapports d'une cohorte", description="""
        Construit les rapports d'une cohorte pour chaque public demandé (carnets de notebooks/
        exécutés, puis exportés en HTML) dans reports/COHORTE/PUBLIC/, et l'index
        reports/COHORTE/index.html qui mène à chacun. Les données sont d'abord validées comme par
        `socinnov ingest`.

        Un rapport dont rien n'a changé (entrées, carnet, code) n'est pas reconstruit ; un rapport
        qui n'a encore rien à montrer n'est pas construit et l'index dit pourquoi. Si un carnet
        échoue, les autres rapports sont construits et la commande se termine avec le code 1. Avec
        le public « public », le jeu de données ouvert est aussi écrit, puis chaque fichier public
        est relu.""", examples=[
        ("socinnov report ma-cohorte", "les rapports du jury"),
        ("socinnov report ./chemin/vers/cohorte --audience all --pdf",
         "tous les publics, un PDF à côté de chaque HTML"),
        ("socinnov report ma-cohorte --audience comite --only accord --force",
         "reconstruire le seul rapport « accord » du comité")])
    p.on_help = _list_reports
    p.add_argument("cohort", metavar="COHORTE", help=COHORT_HELP)
    p.add_argument("--audience", action="append", choices=(*AUDIENCE_IDS, "all"),
                   help="public du rapport (répétable ; défaut : jury)")
    p.add_argument("--only", action="append", metavar="RAPPORT", help="ne construire que ce rapport (répétable)")
    p.add_argument("--force", action="store_true", help="reconstruire même si rien n'a changé")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="rapports construits en même temps (défaut : un par cœur)")
    p.add_argument("--pdf", action="store_true",
                   help="imprimer aussi chaque rapport en PDF à côté de son HTML (Chromium requis)")
    p.set_defaults(func=_report, audience=None)

    p = command(sub, "opendata", help="écrire le jeu de données ouvert (pseudonymisé, contrôlé) d'une cohorte",
                 description="""
        Écrit le jeu de données ouvert de la cohorte dans reports/COHORTE/public/donnees-ouvertes/
        (CSV sous pseudonyme et sous secret statistique, datapackage.json, dictionnaire des données
        en français), puis relit chaque fichier public : un fichier qui contiendrait une valeur
        identifiante d'un dossier est supprimé (code de sortie 1).""", examples=[
        ("socinnov opendata ma-cohorte", "le jeu de données seul, sans les rapports")])
    p.add_argument("cohort", metavar="COHORTE", help=COHORT_HELP)
    p.set_defaults(func=_opendata)

    p = command(sub, "audit", help="attaquer la diffusion publique d'une cohorte : tout fichier public lu "
                                    "ensemble (et, sur demande, la diffusion précédente du registre)",
                 description="""
        Attaque la diffusion publique d'une cohorte comme le ferait un lecteur : tous les fichiers
        publics lus ensemble, chaque quantité masquée encadrée par programmation linéaire en nombres
        entiers. Échoue (code de sortie 1) si un intervalle est plus étroit que la règle de
        protection (docs/confidentiality.md). C'est la dernière étape de toute diffusion
        publique.""", examples=[
        ("socinnov audit ma-cohorte", "après `socinnov report ma-cohorte --audience public`"),
        ("socinnov audit ma-cohorte --detail", "avec l'intervalle de chaque quantité examinée"),
        ("socinnov audit ma-cohorte --diffusions-anterieures", "confrontée aussi à la diffusion précédente")])
    p.add_argument("cohort", metavar="COHORTE", help=COHORT_HELP)
    p.add_argument("--seuil", type=int, default=5, metavar="N", help="effectif minimal publié (défaut 5)")
    p.add_argument("--detail", action="store_true", help="afficher l'intervalle de chaque quantité examinée")
    p.add_argument("--diffusions-anterieures", action="store_true",
                   help="confronter aussi la diffusion à la précédente du registre")
    p.set_defaults(func=_audit)

    p = command(sub, "templates", help="écrire des fichiers d'entrée vides, en-têtes en français", description="""
        Écrit les fichiers d'entrée d'une cohorte, vides, en-têtes en français, et un appel.yaml à
        compléter. Un fichier déjà présent est laissé tel quel.""", examples=[
        ("socinnov templates data/raw/ma-cohorte", "un fichier CSV par table"),
        ("socinnov templates data/raw/ma-cohorte --format xlsx",
         "un classeur, une feuille par table, listes déroulantes des vocabulaires")])
    p.add_argument("out", metavar="DOSSIER", help="dossier où écrire les modèles")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv",
                   help="csv : un fichier par table ; xlsx : un classeur, une feuille par table, listes déroulantes")
    p.set_defaults(func=_templates)

    p = command(sub, "forms", help="écrire un classeur de notation par juré (formulaires Excel)", description="""
        Écrit un classeur Excel de notation par juré : une feuille par dossier qui lui est affecté,
        listes déroulantes des niveaux, repères de la grille en commentaire, cellules de structure
        verrouillées. Au tour « apres-debat », chaque critère rappelle le niveau individuel du juré
        et le nombre d'autres jurés par niveau. Les classeurs rendus se relisent avec
        `socinnov import-forms`.""", examples=[
        ("socinnov forms ma-cohorte", "tour individuel, dans reports/ma-cohorte/jury/formulaires"),
        ("socinnov forms ma-cohorte --tour apres-debat --out classeurs-debat", "tour après débat")])
    p.add_argument("cohort", metavar="COHORTE", help=COHORT_HELP)
    p.add_argument("--out", metavar="DOSSIER",
                   help="dossier où écrire les classeurs (défaut : reports/COHORTE/jury/formulaires)")
    p.add_argument("--tour", type=_round, default=INDIVIDUAL, metavar="TOUR",
                   help="tour de notation : individuel (défaut) ou apres-debat (rappelle les notes individuelles)")
    p.add_argument("--force", action="store_true", help="remplacer aussi les classeurs où des notes sont saisies")
    p.set_defaults(func=_forms)

    p = command(sub, "assign", help="affecter les jurés aux dossiers éligibles (écrit affectations.csv)",
                 description="""
        Affecte K jurés à chaque dossier éligible : conflits d'intérêts respectés
        (conflits_interets.csv), charges équilibrées à un dossier près, paires de jurés réunies
        aussi également que possible. Affiche les propriétés du plan et écrit le fichier, à
        copier dans la cohorte sous le nom affectations.csv avant `socinnov forms`.""", examples=[
        ("socinnov assign ma-cohorte --jures-par-dossier 3 --out affectations.csv", "trois jurés par dossier"),
        ("socinnov assign ma-cohorte --jures-par-dossier 3 --charge-max 12 --graine 4 --out affectations.csv --force",
         "au plus 12 dossiers par juré, un autre tirage")])
    p.add_argument("cohort", metavar="COHORTE", help=COHORT_HELP)
    p.add_argument("--jures-par-dossier", type=int, required=True, metavar="K", help="jurés par dossier")
    p.add_argument("--charge-max", type=int, metavar="N",
                   help="dossiers par juré au plus (défaut : charges équilibrées, écart d'un dossier au plus)")
    p.add_argument("--graine", type=int, default=0, metavar="S",
                   help="graine du tirage (défaut 0) : même graine, même affectation")
    p.add_argument("--out", required=True, metavar="FICHIER.csv", help="fichier CSV à écrire (jamais sous data/raw)")
    p.add_argument("--force", action="store_true", help="remplacer le fichier CSV s'il existe")
    p.set_defaults(func=_assign)

    p = command(sub, "import-forms", help="lire les classeurs de notation retournés en un fichier notations.csv",
                 description="""
        Relit les classeurs de notation rendus par les jurés (des deux tours) et écrit le
        notations.csv de la cohorte complété des classeurs : valeurs normalisées, erreurs avec
        l'adresse de la cellule, notes manquantes listées par juré et par tour. Un niveau qui
        contredit une ligne de notations.csv est refusé avec la liste des conflits, rien n'est
        écrit (sauf --classeurs-prioritaires).""", examples=[
        ("socinnov import-forms ma-cohorte classeurs-rendus --out notations.csv",
         "puis vérifier notations.csv et le copier dans la cohorte")])
    p.add_argument("cohort", metavar="COHORTE", help=COHORT_HELP)
    p.add_argument("folder", metavar="DOSSIER", help="dossier des classeurs retournés (.xlsx), des deux tours")
    p.add_argument("--out", required=True, metavar="FICHIER.csv",
                   help="fichier CSV à écrire (jamais sous data/raw) : notations.csv de la cohorte complété des "
                        "classeurs")
    p.add_argument("--force", action="store_true", help="remplacer le fichier CSV s'il existe")
    p.add_argument("--classeurs-prioritaires", action="store_true",
                   help="un niveau d'un classeur remplace un niveau différent de notations.csv (par défaut : refus, "
                        "avec la liste des conflits)")
    p.set_defaults(func=_import_forms)

    p = command(sub, "import-ds", help="lire un export démarches-simplifiées en tables du kit", description="""
        Lit l'export des dossiers de démarches-simplifiées (.xlsx, .ods ou .csv) et écrit
        dossiers.csv, partenaires.csv et budget_previsionnel.csv, selon un fichier de
        correspondance YAML (docs/demarches-simplifiees.md). Les relire, les copier dans la cohorte
        avec jures.csv et notations.csv, puis `socinnov ingest`.""", examples=[
        ("socinnov import-ds dossiers.xlsx --correspondance correspondance.yaml --out import-ds",
         "les trois tables dans import-ds/")])
    p.add_argument("export", metavar="EXPORT", help="export des dossiers (.xlsx, .ods ou .csv)")
    p.add_argument("--correspondance", required=True, metavar="FICHIER.yaml",
                   help="champs de la plateforme -> colonnes du kit")
    p.add_argument("--out", required=True, metavar="DOSSIER", help="dossier où écrire les tables (jamais sous data/raw)")
    p.add_argument("--force", action="store_true", help="remplacer les tables qui y existent")
    p.set_defaults(func=_import_ds)

    if wanted not in (None, "agreement"):  # listed by the parser, never parsed in this run
        sub.add_parser("agreement", help="accord entre évaluateurs sur un fichier CSV long")
        return parser
    from socinnov.cli import agreement

    p = command(sub, "agreement", help="accord entre évaluateurs sur un fichier CSV long",
                 description=agreement.DESCRIPTION, examples=agreement.EXAMPLES)
    agreement.configure_parser(p)
    p.set_defaults(func=agreement.run)
    return parser


def _interrupted() -> int:
    print("\nInterrompu (Ctrl-C) : les fichiers déjà en place sont complets ; relancer la commande pour "
          "terminer.", file=sys.stderr, flush=True)
    # Reports still running in the build's threads do not leave their ``with`` blocks (daemon
    # threads are dropped at exit): the temporary files they are writing are removed here.
    removed = files.remove_temporaries()
    if removed or any(t is not threading.current_thread() and not t.daemon for t in threading.enumerate()):
        # The process ends at once, before a thread writes again (or is waited for); their
        # kernels stop with it (they watch their parent).
        sys.stdout.flush()
        os._exit(EXIT_INTERRUPTED)
    return EXIT_INTERRUPTED


def main(argv: list[str] | None = None) -> int:
    try:
        argv = sys.argv[1:] if argv is None else argv
        parser = build_parser(next((a for a in argv if not a.startswith("-")), None))
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

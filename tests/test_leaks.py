"""Leak test: every public artefact of two cohorts, searched for every identifying value.

The identifying values are gathered here from the raw files, independently of the package's
own guard (socinnov.privacy.leaks): names, titles, e-mail addresses, phone numbers, SIRET, communes,
partner and juror names, and fragments of every free text.
"""

import re
import shutil
import subprocess

import pandas as pd
import pytest

from socinnov import config
from socinnov.cli.main import main
from socinnov.demo.generator import write_demo
from socinnov.inputs.tabular import load_or_raise
from tests.conftest import REPO

pytestmark = pytest.mark.slow

FREE_TEXT = ["porteur_presentation", "summary", "objectives", "target_publics", "resources", "forecast_accounts",
             "territorial_project", "research_mission", "evaluation_method"]


def fragments(text):
    text = " ".join(str(text).split())
    return {text[i:i + 30] for i in range(0, max(len(text) - 30, 1), 30)} if len(text) >= 30 else set()


def identifying(raw_folder):
    t = load_or_raise(raw_folder)
    d = t["dossiers"]
    per_dossier = {}
    for r in d.itertuples():
        names = {r.porteur, r.title}
        contact = {x for x in (r.email, r.phone, r.siret) if isinstance(x, str)}
        texts = set().union(*(fragments(getattr(r, c)) for c in FREE_TEXT if isinstance(getattr(r, c), str)))
        per_dossier[r.dossier_id] = {"names": names, "contact": contact, "commune": {r.commune}, "texts": texts}
    others = set(t["partners"]["partner"]) | set(t["jurors"]["name"])
    others |= set().union(*(fragments(x) for x in t["ratings"]["comment"].dropna()))
    dec = t["decisions"]
    voted = set(dec[(dec["decision"] == "retenu - financé") & dec["validated"]]["dossier_id"])
    consenting = set(d[d["publication_consent"]]["dossier_id"]) & voted
    consented_texts = {" ".join(str(getattr(r, c)).split()) for r in d[d["dossier_id"].isin(consenting)].itertuples()
                       for c in ("summary", "objectives", "target_publics") if isinstance(getattr(r, c), str)}
    return per_dossier, others, voted, consented_texts, d


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


def text_of(path):
    if path.suffix == ".pdf":
        return subprocess.run(["pdftotext", "-q", str(path), "-"], capture_output=True, check=True).stdout.decode()
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix in (".ipynb", ".json"):
        import json
        raw = " ".join(strings(json.loads(raw)))
    raw = re.sub(r"[A-Za-z0-9+/=]{200,}", " ", raw)  # embedded images
    import html
    return " ".join(html.unescape(raw.replace("\\n", " ")).split())


def present(value, text):
    return bool(value) and value in text and re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text)


def build_public(root_folder):
    assert main(["report", root_folder.name, "--audience", "public"]) == 0
    return sorted(p for p in (config.reports_dir(root_folder.name) / "public").rglob("*") if p.is_file())


def check(files, per_dossier, others, voted, consented_texts, dossiers):
    laureate_text = set(consented_texts)
    for did in voted:
        laureate_text |= per_dossier[did]["names"]
    leaks = []
    for f in files:
        text = text_of(f)
        valorisation = f.name.startswith("valorisation")
        masked = text
        if valorisation:  # laureates' names, titles and consented texts may be there: mask them first
            for v in sorted(laureate_text, key=len, reverse=True):
                masked = masked.replace(" ".join(v.split()), " ")
        for did, vals in per_dossier.items():
            allowed_names = valorisation and did in voted
            for v in vals["contact"] | (set() if allowed_names else vals["names"]):
                if present(" ".join(v.split()), masked):
                    leaks.append((f.name, did, v))
            for v in vals["commune"]:
                if present(v, masked):
                    leaks.append((f.name, did, v))
            for v in vals["texts"]:
                if v in masked:
                    leaks.append((f.name, did, v))
        for v in others:
            if present(" ".join(str(v).split()), masked):
                leaks.append((f.name, "autre", v))
    return leaks


@pytest.mark.parametrize("source", ["demo", "seed7"])
def test_no_identifying_value_in_any_public_artefact(project, source):
    raw = project / "data" / "raw" / source
    if source == "demo":
        shutil.copytree(REPO / "data" / "raw" / "demo", raw)
    else:
        write_demo(raw, seed=7, n_dossiers=40)
    files = build_public(raw)
    names = {f.name for f in files}
    assert {"diffusion.html", "valorisation.html", "dossiers.csv", "notations.csv", "datapackage.json",
            "LISEZMOI.md"} <= names
    per_dossier, others, voted, consented_texts, dossiers = identifying(raw)
    assert check(files, per_dossier, others, voted, consented_texts, dossiers) == []
    # and the check can fail: a page quoting one non-laureate's commune, title and a line of its résumé
    other = dossiers[~dossiers["dossier_id"].isin(voted)].iloc[0]
    bait = project / "bait.html"
    bait.write_text(f"<p>{other['commune']} — {other['title']} — {other['summary'][:80]}</p>", encoding="utf-8")
    found = {v for _, _, v in check([bait], per_dossier, others, voted, consented_texts, dossiers)}
    assert other["commune"] in found and other["title"] in found and len(found) >= 3


def test_open_dataset_passes_the_disclosure_control(project):
    shutil.copytree(REPO / "data" / "raw" / "demo", project / "data" / "raw" / "demo")
    assert main(["opendata", "demo"]) == 0
    folder = config.reports_dir("demo") / "public" / "donnees-ouvertes"
    import json

    from socinnov.privacy.disclosure import unsafe_records
    from socinnov.privacy.opendata import QUASI

    dossiers = pd.read_csv(folder / "dossiers.csv", dtype=str)
    assert unsafe_records(dossiers, QUASI).empty
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for res in package["resources"]:
        header = (folder / res["path"]).read_text(encoding="utf-8").splitlines()[0].split(",")
        assert header == [f["name"] for f in res["schema"]["fields"]]
    codebook = (folder / "LISEZMOI.md").read_text(encoding="utf-8")
    assert "Le projet est porté par une seule personne" in codebook  # the grid, word for word
    ratings = pd.read_csv(folder / "notations.csv", dtype=str)
    assert ratings["dossier"].str.match(r"^N-[A-Z2-7]{10}$").all() and ratings["jure"].str.match(r"^J-").all()


def test_the_guard_removes_a_leaking_file(project, monkeypatch):
    shutil.copytree(REPO / "data" / "raw" / "demo", project / "data" / "raw" / "demo")
    public = config.reports_dir("demo") / "public"
    public.mkdir(parents=True)
    leaked = pd.read_csv(project / "data" / "raw" / "demo" / "dossiers.csv", sep=";", encoding="utf-8-sig").iloc[0]
    (public / "note.md").write_text(f"Contact : {leaked['Courriel du contact']}\n", encoding="utf-8")
    assert main(["opendata", "demo"]) == 1
    assert not (public / "note.md").exists()

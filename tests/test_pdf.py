"""PDF of the reports, printed by headless Chromium: ``socinnov report COHORT --pdf``.

Read back with poppler's tools (pdfinfo, pdftotext, pdfimages) as a reader would see it: A4,
tagged, a running header (title, cohort, date) and footer (page numbers, confidentiality) on
every page, no table and no figure cut across two pages. Without Chromium, ``--pdf`` fails
with a French message saying how to install it (that test runs everywhere); the other tests
are skipped, loudly, unless ``SOCINNOV_REQUIRE_CHROMIUM=1`` (set by .ci/run once it installed
Chromium), where a missing Chromium fails them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess

import pytest
from bs4 import BeautifulSoup

from socinnov import config, fr
from socinnov.cli.main import main
from socinnov.reporting import pdf
from tests.conftest import make_project, tiny_tables, write_cohort

pytestmark = pytest.mark.slow

REQUIRED = os.environ.get("SOCINNOV_REQUIRE_CHROMIUM") == "1"
POPPLER = all(shutil.which(t) for t in ("pdfinfo", "pdftotext", "pdfimages"))
SKIP_REASON = ("CHROMIUM OR POPPLER-UTILS NOT FOUND: PDF tests NOT RUN, the reports' PDF is NOT checked "
               "(install: apt-get install chromium poppler-utils, or set SOCINNOV_CHROMIUM)")
needs_chromium = pytest.mark.skipif(not REQUIRED and (pdf.find_chromium() is None or not POPPLER),
                                    reason=SKIP_REASON)


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def page_texts(path) -> list[str]:
    """The text of each page (pdftotext separates pages with form feeds)."""
    return _run("pdftotext", "-enc", "UTF-8", str(path), "-").split("\f")[:-1]


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text))


def cut_tables(html_path, pdf_path) -> list[str]:
    """Tables of the HTML whose words are not all on one page of the PDF (cut, or missing)."""
    pages = [words(t) for t in page_texts(pdf_path)]
    soup = BeautifulSoup(html_path.read_text(encoding="utf-8"), "html.parser")
    cut = []
    for table in soup.find_all("table"):
        needed = words(table.get_text(" "))
        if needed and not any(needed <= page for page in pages):
            cut.append(" ".join(table.get_text(" ").split())[:80])
    return cut


def images_per_page(pdf_path) -> list[int]:
    """Page number of each image drawn (an image cut by a page break is drawn on two pages)."""
    lines = _run("pdfimages", "-list", str(pdf_path)).splitlines()[2:]
    return [int(line.split()[0]) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """``socinnov report tiny --pdf`` on the tiny cohort (the cohort report, for the jury)."""
    root = tmp_path_factory.mktemp("pdf")
    with pytest.MonkeyPatch.context() as mp:
        make_project(root, mp)
        write_cohort(root / "project" / "data" / "raw" / "tiny", tiny_tables())
        status = main(["report", "tiny", "--pdf", "--only", "cohorte"])
        html = config.reports_dir("tiny") / "jury" / "cohorte.html"
        yield status, html, html.with_suffix(".pdf")


def test_without_chromium_pdf_fails_saying_how_to_install_it(tiny_cohort, monkeypatch, capsys):
    monkeypatch.setenv(pdf.ENV_VAR, str(tiny_cohort / "pas-de-chromium"))
    assert main(["report", "tiny", "--pdf"]) == 2
    err = capsys.readouterr().err
    assert "Chromium est introuvable" in err and "apt-get install chromium" in err
    assert "SOCINNOV_CHROMIUM" in err and "sans --pdf" in err
    assert not config.reports_dir("tiny").exists()  # nothing built, nothing silently skipped
    monkeypatch.delenv(pdf.ENV_VAR)
    monkeypatch.setenv("PATH", str(tiny_cohort))  # no chromium on the PATH either
    assert main(["report", "tiny", "--pdf"]) == 2
    assert "Chromium est introuvable" in capsys.readouterr().err


@needs_chromium
def test_report_pdf_writes_a_pdf_beside_each_html_and_links_it(printed):
    status, _, target = printed
    assert status == 0
    assert target.read_bytes()[:5] == b"%PDF-"
    index = (config.reports_dir("tiny") / "index.html").read_text(encoding="utf-8")
    assert 'href="jury/cohorte.html"' in index and 'href="jury/cohorte.pdf"' in index


@needs_chromium
def test_the_pdf_is_a4_tagged_titled_and_has_several_pages(printed):
    _, _, target = printed
    info = _run("pdfinfo", str(target))
    assert re.search(r"^Title:\s+La cohorte de l'appel$", info, re.MULTILINE)
    assert "A4" in info and re.search(r"^Tagged:\s+yes$", info, re.MULTILINE)  # images carry their alt text
    assert int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1)) == pdf.page_count(target.read_bytes()) >= 3


def pdf_alt_texts(data: bytes) -> list[str]:
    """The alternative texts of the tagged PDF's figures (UTF-16 or plain strings)."""
    texts = [bytes.fromhex(h.decode()).decode("utf-16") for h in re.findall(rb"/Alt\s*<((?:FEFF)[0-9A-Fa-f]*)>", data)]
    return texts + [t.decode("latin-1") for t in re.findall(rb"/Alt\s*\(([^)]*)\)", data)]


@needs_chromium
def test_the_pdf_figures_carry_the_alternative_texts(printed):
    _, html, target = printed
    alts = [img["alt"] for img in BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").find_all("img")]
    assert len(alts) == 6 and sorted(pdf_alt_texts(target.read_bytes())) == sorted(alts)


@needs_chromium
def test_every_page_has_the_title_cohort_date_page_number_and_confidentiality(printed):
    _, html, target = printed
    built = fr.date(dt.datetime.fromtimestamp(html.stat().st_mtime))
    texts = page_texts(target)
    for number, text in enumerate(texts, 1):
        flat = " ".join(text.split())
        assert "La cohorte de l'appel · cohorte « tiny » · Jury (nominatif, confidentiel)" in flat, number
        assert built in flat and f"page {number} sur {len(texts)}" in flat, number
        assert "Confidentiel : document nominatif réservé au jury de l'appel" in flat, number
    assert "Éligibilité" in texts[0] + texts[1]  # French characters survive printing


@needs_chromium
def test_no_table_and_no_figure_is_cut_across_pages(printed):
    _, html, target = printed
    assert cut_tables(html, target) == []
    figures = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").find_all("figure")
    assert len(figures) == 6
    assert len(images_per_page(target)) == len(figures)  # each image drawn once: on one page
    pages = [words(" ".join(t.split())) for t in page_texts(target)]
    for fig in figures:  # and its caption is on a single page too
        assert any(words(fig.figcaption.get_text()) <= p for p in pages), fig.figcaption.get_text()[:60]


@needs_chromium
def test_the_checks_above_do_see_a_cut_table(tmp_path):
    """A table too long for a page and an image across a page break are reported as cut."""
    rows = "".join(f"<tr><td>ligne{i}</td><td>{i}</td></tr>" for i in range(120))
    page = tmp_path / "long.html"
    page.write_text(f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>t</title></head><body>"
                    f"<div style='height:900px'></div><table><tr><th>Nom</th><th>N</th></tr>{rows}</table>"
                    "<img style='width:600px;height:700px' src='data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"
                    "CAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='></body></html>",
                    encoding="utf-8")
    with pdf.Chromium() as browser:
        pdf.print_pdf(browser, page, tmp_path / "long.pdf", pdf.PageHeader("t", "c", "d"))
    assert len(cut_tables(page, tmp_path / "long.pdf")) == 1
    assert len(images_per_page(tmp_path / "long.pdf")) == 2


@needs_chromium
def test_a_table_wider_than_the_page_is_scaled_to_fit_not_clipped(tmp_path):
    cells = "".join(f"<td>colonne{i} avec un texte assez long</td>" for i in range(14))
    page = tmp_path / "wide.html"
    page.write_text("<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>t</title></head><body>"
                    f"<table style='white-space:nowrap'><tr><th>En-tête</th></tr><tr>{cells}</tr></table>"
                    "</body></html>", encoding="utf-8")
    with pdf.Chromium() as browser:
        tab = browser.new_page()
        tab.goto(page)
        (tmp_path / "clipped.pdf").write_bytes(tab.pdf())  # as printed without fitting: cut at the edge
        tab.close()
        pdf.print_pdf(browser, page, tmp_path / "wide.pdf", pdf.PageHeader("t", "c", "d"))
    assert len(cut_tables(page, tmp_path / "clipped.pdf")) == 1
    assert cut_tables(page, tmp_path / "wide.pdf") == []


@needs_chromium
def test_an_unchanged_report_is_not_reprinted_and_a_rebuilt_one_keeps_its_pdf_said_older(printed, capsys):
    _, html, target = printed
    before, printed_bytes = target.stat().st_mtime_ns, target.read_bytes()
    assert main(["report", "tiny", "--pdf", "--only", "cohorte"]) == 0
    assert target.stat().st_mtime_ns == before
    capsys.readouterr()
    assert main(["report", "tiny", "--only", "cohorte", "--force"]) == 0  # new HTML, no --pdf
    assert html.exists() and target.read_bytes() == printed_bytes  # --force without --pdf deletes no PDF
    index = config.reports_dir("tiny") / "index.html"
    assert ('<a href="jury/cohorte.pdf">PDF</a>, PDF antérieur à la dernière construction)'
            in index.read_text(encoding="utf-8"))
    assert "PDF antérieur à la dernière construction : « La cohorte de l'appel » (jury)" in capsys.readouterr().err
    assert main(["report", "tiny", "--pdf", "--only", "cohorte"]) == 0  # printed again from the new HTML
    assert target.stat().st_mtime_ns > before and "PDF antérieur" not in index.read_text(encoding="utf-8")

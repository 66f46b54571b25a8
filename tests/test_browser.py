"""The reports as a reader sees them: opened in headless Chromium with the network off.

Chromium resolves no outside host (``--host-resolver-rules``) and each page is offline
(``Network.emulateNetworkConditions``); every request the page makes is recorded. For the
index and each report: no request leaves the file, no console error, every figure's image is
loaded (``naturalWidth > 0``) and has alternative text, every table has header cells, French
characters and numbers render. Screenshots of the index and of a report must not be blank.

Without Chromium these tests are skipped with a loud reason, unless
``SOCINNOV_REQUIRE_CHROMIUM=1`` (set by .ci/run once it installed Chromium): then they fail.
"""

from __future__ import annotations

import io
import os
import re

import pytest
from PIL import Image

from socinnov.reporting import pdf

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("SOCINNOV_REQUIRE_CHROMIUM") != "1" and pdf.find_chromium() is None,
                       reason="CHROMIUM NOT FOUND: browser tests NOT RUN, offline rendering and screenshots "
                              "NOT checked (install: apt-get install chromium, or set SOCINNOV_CHROMIUM)"),
]

LOCAL = ("file:", "data:", "about:", "blob:")

# What the page reports about itself, read in the browser once the page has loaded.
INSPECT = """(() => {
  const imgs = Array.from(document.images);
  const tables = Array.from(document.querySelectorAll('table'));
  return {
    lang: document.documentElement.lang,
    title: document.title,
    text: document.body.innerText,
    figures: document.querySelectorAll('figure').length,
    images: imgs.map(i => ({loaded: i.complete && i.naturalWidth > 0, width: i.naturalWidth,
                            alt: i.getAttribute('alt'), caption: !!(i.closest('figure') &&
                            i.closest('figure').querySelector('figcaption'))})),
    tables: tables.map(t => ({headers: t.querySelectorAll('thead th, tr th[scope]').length,
                              cells: Array.from(t.querySelectorAll('td'), td => td.innerText.trim())})),
    links: Array.from(document.querySelectorAll('a[href]'), a => a.getAttribute('href')),
  };
})()"""


@pytest.fixture(scope="module")
def built(tiny_reports_root):
    """The cohort report of the tiny cohort, for the jury and the committee, and its index
    (built once per test run, ``tests/conftest.py::tiny_reports``)."""
    index, outcomes = tiny_reports_root
    return index, [o for o in outcomes if o.html]


@pytest.fixture(scope="module")
def browser():
    with pdf.Chromium() as b:
        yield b


def open_offline(browser, target):
    page = browser.new_page(width=1100, height=800, offline=True)
    page.goto(target)
    return page, page.evaluate(INSPECT)


def outside(page) -> list[str]:
    return [u[:80] for u in page.requests if not u.startswith(LOCAL)]


def test_the_index_opens_offline_and_links_every_report(built, browser):
    index, outcomes = built
    assert outcomes, "no report was built"
    page, seen = open_offline(browser, index)
    assert outside(page) == [] and page.errors == []
    assert seen["lang"] == "fr" and "Rapports de la cohorte « tiny »" in seen["text"]
    for o in outcomes:
        rel = o.html.relative_to(index.parent).as_posix()
        assert rel in seen["links"]
        assert (index.parent / rel).exists()
    page.close()


def test_every_report_renders_offline_with_figures_alt_text_header_cells_and_french(built, browser):
    _, outcomes = built
    for o in outcomes:
        page, seen = open_offline(browser, o.html)
        where = o.html.name + " " + o.parameters["audience"]
        assert outside(page) == [], where  # nothing asked of another host
        assert page.errors == [], where  # no console error, no failed load
        assert seen["lang"] == "fr" and seen["title"] == o.spec.title
        # figures: all loaded, each with a real alternative text and a caption
        assert seen["figures"] == len(seen["images"]) == 6, where
        for img in seen["images"]:
            assert img["loaded"] and img["width"] > 0, where
            assert img["alt"] and img["alt"] != "Figure sans description" and img["caption"], where
        # tables: header cells, French numbers (no decimal point, no "nan")
        assert seen["tables"], where
        for table in seen["tables"]:
            assert table["headers"] > 0, where
            for cell in table["cells"]:
                assert not re.fullmatch(r"-?\d+\.\d+", cell) and cell.lower() not in ("nan", "none", "nat"), cell
        # French characters and typography render
        text = seen["text"]
        assert "Éligibilité" in text and "« tiny »" in text and "»" in text, where
        assert "\ufffd" not in text and "Ã©" not in text, where  # no mojibake
        assert "40\u202f000\u00a0€" in text, where  # amounts as 40 000 € (narrow no-break spaces)
        page.close()


def test_the_offline_check_does_see_a_request_to_another_host(browser, tmp_path):
    """A page that wants a CDN script and a remote image: caught, and nothing is fetched."""
    page_file = tmp_path / "cdn.html"
    page_file.write_text("<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>"
                         "<script src='https://cdnjs.cloudflare.com/ajax/libs/require.js/2.1.10/require.min.js'>"
                         "</script></head><body><img alt='x' src='https://example.org/figure.png'></body></html>",
                         encoding="utf-8")
    page, seen = open_offline(browser, page_file)
    assert any("cdnjs.cloudflare.com" in u for u in outside(page))
    assert any("example.org" in u for u in outside(page))
    assert page.errors  # the failed loads are console errors
    assert not seen["images"][0]["loaded"]
    page.close()


def colour_stats(png: bytes) -> tuple[int, float]:
    """Distinct colours, and the share of pixels that are not (near) white."""
    im = Image.open(io.BytesIO(png)).convert("RGB")
    colours = im.getcolors(maxcolors=1 << 24)
    inked = sum(n for n, (r, g, b) in colours if min(r, g, b) < 235)
    return len(colours), inked / (im.width * im.height)


def test_screenshots_of_the_index_and_a_report_are_not_blank(built, browser, tmp_path_factory):
    index, outcomes = built
    out = tmp_path_factory.mktemp("screenshots")
    page, _ = open_offline(browser, index)
    shot = page.screenshot()
    page.close()
    (out / "index.png").write_bytes(shot)
    colours, inked = colour_stats(shot)
    assert colours > 20 and inked > 0.005, (colours, inked, out / "index.png")

    page, _ = open_offline(browser, outcomes[0].html)
    top, whole = page.screenshot(), page.screenshot(full_page=True)
    page.close()
    (out / "report-top.png").write_bytes(top)
    (out / "report.png").write_bytes(whole)
    colours, inked = colour_stats(top)
    assert colours > 50 and inked > 0.01, (colours, inked, out / "report-top.png")
    colours, inked = colour_stats(whole)  # figures: many colours, much ink
    assert colours > 1000 and inked > 0.05, (colours, inked, out / "report.png")
    assert Image.open(io.BytesIO(whole)).height > 3000  # the whole report, not one screen

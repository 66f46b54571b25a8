"""Printing the HTML reports to PDF with headless Chromium, over the DevTools protocol.

Chromium prints what a reader of the HTML sees (same layout, same fonts), and its DevTools
protocol gives what ``--print-to-pdf`` alone does not: a running header and footer of our own
(report title, cohort, public, build date, page numbers), a tagged PDF whose images carry the
figures' alternative text, and the page's console errors and network requests, which the
browser tests check. The protocol is spoken over a local WebSocket with ``websocket-client``
(already a dependency of jupyter-server); nothing is downloaded, no driver is needed.

Chromium always runs headless, in a new empty profile, with every background service off and
every outside host unresolvable (``--host-resolver-rules``); each page is also put offline
(``Network.emulateNetworkConditions``). A report that needs the network therefore prints (and
tests) as it would open on a laptop without network.

Chromium is found through ``$SOCINNOV_CHROMIUM`` or on the ``PATH``; when it is missing,
:func:`require_chromium` raises :class:`ChromiumMissing`, whose message says in French how to
install it: asking for a PDF never silently gives none.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from socinnov import files
from socinnov.errors import UserError

ENV_VAR = "SOCINNOV_CHROMIUM"
NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome", "chrome")
MACOS_APPS = ("/Applications/Chromium.app/Contents/MacOS/Chromium",
              "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")

# Headless, throw-away profile, no background traffic, no outside host (DNS answers "not found").
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
    "--disable-extensions", "--disable-default-apps", "--disable-domain-reliability",
    "--metrics-recording-only", "--mute-audio", "--hide-scrollbars", "--lang=fr-FR",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)

A4 = (8.27, 11.69)  # inches
MARGINS = {"marginTop": 0.75, "marginBottom": 0.7, "marginLeft": 0.55, "marginRight": 0.55}
PRINT_WIDTH = round((A4[0] - MARGINS["marginLeft"] - MARGINS["marginRight"]) * 96)  # CSS px inside margins

# Before printing: a table (or anything) wider than the printed page is scaled down to fit it,
# rather than cut at the paper's edge. Returns the scale factors applied.
FIT_TO_PAGE = """(() => {
  const scaled = [];
  for (const el of document.querySelectorAll('table, pre, .jp-RenderedHTMLCommon > div')) {
    if (el.closest('[data-socinnov-fitted]')) continue;
    const room = el.parentElement.clientWidth, need = el.getBoundingClientRect().width;
    if (room > 0 && need > room + 1) {
      const factor = Math.floor(1000 * room / need) / 1000;
      el.style.zoom = factor;
      el.setAttribute('data-socinnov-fitted', factor);
      scaled.push(factor);
    }
  }
  return scaled;
})()"""

INSTALL_HELP = """\
Chromium est introuvable : il sert à imprimer les rapports en PDF (option --pdf), aucun PDF n'a été écrit.
Pour l'installer :
  - Debian, Ubuntu : sudo apt-get install chromium   (Ubuntu récent : sudo snap install chromium)
  - Fedora : sudo dnf install chromium
  - macOS : installer Google Chrome, ou : brew install --cask chromium
Si Chromium ou Google Chrome est déjà installé ailleurs, indiquer le chemin du programme dans la
variable d'environnement SOCINNOV_CHROMIUM (par exemple SOCINNOV_CHROMIUM=/opt/chrome/chrome).
Les rapports HTML se construisent sans Chromium : relancer la commande sans --pdf."""


class PdfError(RuntimeError):
    """Chromium could not print or load a page (message in French)."""


class ChromiumMissing(UserError, PdfError):
    """No Chromium on this machine: the message says how to install it."""

    def __init__(self, detail: str = ""):
        super().__init__(INSTALL_HELP + (f"\n({detail})" if detail else ""))


def find_chromium() -> str | None:
    """The Chromium (or Chrome) program to use: ``$SOCINNOV_CHROMIUM``, else the first found."""
    env = os.environ.get(ENV_VAR)
    if env:
        return env if os.path.isfile(env) and os.access(env, os.X_OK) else None
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    if sys.platform == "darwin":
        return next((p for p in MACOS_APPS if os.access(p, os.X_OK)), None)
    return None


def require_chromium() -> str:
    path = find_chromium()
    if path is None:
        env = os.environ.get(ENV_VAR)
        raise ChromiumMissing(f"{ENV_VAR}={env} n'est pas un programme exécutable" if env else "")
    return path


class Chromium:
    """A headless Chromium driven over the DevTools protocol (context manager)::

        with Chromium() as browser:
            page = browser.new_page()
            page.goto(Path("rapport.html"))
            pdf_bytes = page.pdf()
    """

    def __init__(self, executable: str | None = None, *, timeout: float = 60.0):
        self.executable = executable or require_chromium()
        self.timeout = timeout
        self._id = 0
        self._pages: dict[str, Page] = {}
        self._proc: subprocess.Popen | None = None
        self._ws = None
        self._dir: str | None = None

    # -- life cycle ---------------------------------------------------------------------------
    def __enter__(self) -> Self:
        import websocket  # websocket-client

        self._dir = tempfile.mkdtemp(prefix="socinnov-chromium-")
        profile = Path(self._dir) / "profile"
        profile.mkdir()
        self._log_path = Path(self._dir) / "chromium.log"
        with open(self._log_path, "wb") as log:
            self._proc = subprocess.Popen(
                [self.executable, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as a whole in close()
            )
        try:
            port, path = self._wait_for_port(profile / "DevToolsActivePort")
            self._ws = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=self.timeout,
                                                   suppress_origin=True, enable_multithread=False)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _wait_for_port(self, port_file: Path) -> tuple[str, str]:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise PdfError(f"Chromium ({self.executable}) s'est arrêté au démarrage "
                               f"(code {self._proc.returncode}) :\n{self._log_tail()}")
            if port_file.exists():
                lines = port_file.read_text().split("\n")
                if len(lines) >= 2 and lines[0].strip() and lines[1].startswith("/devtools/"):
                    return lines[0].strip(), lines[1].strip()
            time.sleep(0.05)
        raise PdfError(f"Chromium ({self.executable}) n'a pas démarré en {self.timeout:.0f} s :\n{self._log_tail()}")

    def _log_tail(self, lines: int = 15) -> str:
        try:
            text = self._log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def close(self) -> None:
        if self._ws is not None:
            import websocket

            with contextlib.suppress(websocket.WebSocketException, OSError):
                self._ws.send(json.dumps({"id": self._next_id(), "method": "Browser.close"}))
            with contextlib.suppress(websocket.WebSocketException, OSError):
                self._ws.close()
            self._ws = None
        if self._proc is not None:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self._proc.pid, signal.SIGKILL)  # the group we started, by its id
                except ProcessLookupError:
                    pass
                self._proc.wait(timeout=5)
            self._proc = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    # -- protocol -----------------------------------------------------------------------------
    def _next_id(self) -> int:
        self._id += 1
        return self._id

    def call(self, method: str, params: dict | None = None, *, session: str | None = None,
             timeout: float | None = None) -> dict:
        if self._ws is None:
            raise PdfError("Chromium n'est pas démarré (utiliser « with Chromium() as browser: »)")
        msg_id = self._next_id()
        msg = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._ws.send(json.dumps(msg))
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._receive(deadline, method)
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise PdfError(f"Chromium a refusé {method} : {reply['error'].get('message')}")
                return reply.get("result", {})

    def _receive(self, deadline: float, waiting_for: str) -> dict:
        import websocket

        left = deadline - time.monotonic()
        if left <= 0:
            raise PdfError(f"Chromium ne répond pas ({waiting_for}) ; journal :\n{self._log_tail()}")
        self._ws.settimeout(left)
        try:
            message = json.loads(self._ws.recv())
        except websocket.WebSocketTimeoutException:
            raise PdfError(f"Chromium ne répond pas ({waiting_for}) ; journal :\n{self._log_tail()}") from None
        except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError) as exc:
            raise PdfError(f"Chromium s'est arrêté ({waiting_for}) : {exc}\n{self._log_tail()}") from None
        if "method" in message and message.get("sessionId") in self._pages:
            self._pages[message["sessionId"]]._on_event(message)
        return message

    def pump(self, until, timeout: float, waiting_for: str) -> None:
        """Read messages until ``until()`` is true."""
        deadline = time.monotonic() + timeout
        while not until():
            self._receive(deadline, waiting_for)

    def new_page(self, *, width: int = 1200, height: int = 900, offline: bool = True) -> Page:
        """A new tab, ``width`` × ``height`` CSS pixels, offline unless told otherwise."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session, target)
        self._pages[session] = page
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.call(f"{domain}.enable")
        if offline:
            page.call("Network.emulateNetworkConditions", {"offline": True, "latency": 0,
                                                           "downloadThroughput": -1, "uploadThroughput": -1})
        page.call("Emulation.setLocaleOverride", {"locale": "fr-FR"})
        page.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                         "deviceScaleFactor": 1, "mobile": False})
        return page


@dataclass
class PageHeader:
    """What the PDF's running header and footer say."""

    title: str  # the report's title
    context: str  # e.g. "cohorte « demo » · jury"
    date: str  # e.g. "26 novembre 2025"
    note: str = ""  # footer, left (e.g. "Confidentiel : jury seulement")

    def header_html(self) -> str:
        return _band(f"<span>{html.escape(self.title)} · {html.escape(self.context)}</span>"
                     f"<span style='white-space:nowrap'>{html.escape(self.date)}</span>", border="bottom")

    def footer_html(self) -> str:
        return _band(f"<span>{html.escape(self.note)}</span>"
                     "<span style='white-space:nowrap'>page <span class='pageNumber'></span> sur "
                     "<span class='totalPages'></span></span>", border="top")


def _band(inner: str, *, border: str) -> str:
    # Header/footer templates are separate documents: inline styles only, explicit font size.
    side = f"{MARGINS['marginLeft']}in"
    return (f"<div style=\"width:100%;margin:0 {side};font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;"
            f"font-size:7.5pt;color:#333;display:flex;justify-content:space-between;gap:2em;"
            f"border-{border}:0.5pt solid #999;padding:2pt 0;-webkit-print-color-adjust:exact\">{inner}</div>")


class Page:
    """One tab: navigation, evaluation, PDF, screenshot; collects console errors and requests."""

    def __init__(self, browser: Chromium, session: str, target: str):
        self.browser = browser
        self.session = session
        self.target = target
        self.events: list[dict] = []
        self.errors: list[str] = []  # console errors, uncaught exceptions, failed loads
        self.requests: list[str] = []  # every URL the page asked for

    def call(self, method: str, params: dict | None = None, *, timeout: float | None = None) -> dict:
        return self.browser.call(method, params, session=self.session, timeout=timeout)

    def _on_event(self, message: dict) -> None:
        method, p = message["method"], message.get("params", {})
        self.events.append(message)
        if method == "Network.requestWillBeSent":
            self.requests.append(p["request"]["url"])
        elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            self.errors.append("console : " + " ".join(
                str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.errors.append("exception : " + d.get("exception", {}).get("description", d.get("text", "")))
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            e = p["entry"]
            self.errors.append(f"{e.get('source', 'log')} : {e.get('text', '')} {e.get('url', '')}".strip())
        elif method == "Network.loadingFailed" and not p.get("canceled"):
            self.errors.append(f"réseau : {p.get('errorText', '')} ({p.get('type', '')})")

    def goto(self, target: str | Path, *, timeout: float | None = None) -> None:
        """Open a file (path) or URL and wait until it is loaded, fonts and images decoded."""
        url = Path(target).resolve().as_uri() if isinstance(target, Path) else target
        timeout = timeout or self.browser.timeout
        self.events.clear()
        result = self.call("Page.navigate", {"url": url}, timeout=timeout)
        if result.get("errorText"):
            raise PdfError(f"Chromium n'a pas pu ouvrir {url} : {result['errorText']}")
        self.browser.pump(lambda: any(e["method"] == "Page.loadEventFired" for e in self.events),
                          timeout, f"chargement de {url}")
        self.evaluate("Promise.all([document.fonts.ready, ...Array.from(document.images, i => i.decode()"
                      ".catch(() => null))]).then(() => new Promise(r => requestAnimationFrame(() => "
                      "requestAnimationFrame(r))))", timeout=timeout)

    def evaluate(self, expression: str, *, timeout: float | None = None):
        """The value of a JavaScript expression (promises awaited); raises on an exception."""
        result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True}, timeout=timeout)
        if "exceptionDetails" in result:
            d = result["exceptionDetails"]
            raise PdfError("JavaScript : " + d.get("exception", {}).get("description", d.get("text", "")))
        return result["result"].get("value")

    def pdf(self, header: PageHeader | None = None, *, timeout: float | None = None) -> bytes:
        """The page printed on A4, with ``header``'s running header and footer."""
        params = {"paperWidth": A4[0], "paperHeight": A4[1], **MARGINS, "printBackground": True,
                  "preferCSSPageSize": False, "generateTaggedPDF": True, "generateDocumentOutline": True}
        if header is not None:
            params.update(displayHeaderFooter=True, headerTemplate=header.header_html(),
                          footerTemplate=header.footer_html())
        data = self.call("Page.printToPDF", params, timeout=timeout)["data"]
        return base64.b64decode(data)

    def screenshot(self, *, full_page: bool = False, max_height: int = 12000) -> bytes:
        """A PNG of the viewport, or of the whole page (up to ``max_height`` pixels)."""
        params: dict = {"format": "png"}
        if full_page:
            width, height = self.evaluate("[document.documentElement.scrollWidth, "
                                          "document.documentElement.scrollHeight]")
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": width, "height": min(height, max_height), "scale": 1})
        return base64.b64decode(self.call("Page.captureScreenshot", params)["data"])

    def close(self) -> None:
        self.browser._pages.pop(self.session, None)
        self.browser.call("Target.closeTarget", {"targetId": self.target})


def page_count(pdf: bytes) -> int:
    """Pages of a PDF written by Chromium (its page objects are not compressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def print_pdf(browser: Chromium, source: Path, target: Path, header: PageHeader) -> int:
    """Print the HTML file ``source`` to ``target`` (written atomically); return its page count.

    The page is loaded offline; a console error or a request to another host is an error.
    """
    page = browser.new_page(width=PRINT_WIDTH)  # laid out as on paper, to measure what overflows
    try:
        page.call("Emulation.setEmulatedMedia", {"media": "print"})
        page.goto(source)
        page.evaluate(FIT_TO_PAGE)
        outside = [u for u in page.requests if not u.startswith(("file:", "data:", "about:", "blob:"))]
        if outside:
            raise PdfError(f"{source.name} demande des ressources extérieures : {', '.join(outside[:5])}")
        if page.errors:
            raise PdfError(f"{source.name} : erreurs dans la page : {' ; '.join(page.errors[:5])}")
        data = page.pdf(header)
    finally:
        page.close()
    files.write_bytes(target, data)
    return page_count(data)

"""A real browser for the tests: Debian's chromium driven by Playwright, and built sites served locally.

The fixtures are available to every test (tests/conftest.py loads this module as a plugin):

- ``browser`` (session): one headless chromium per test process, ``/usr/bin/chromium`` launched through
  Playwright's ``executable_path`` (no browser download, ever; ``make browser`` installs Debian's
  package).  Without it every browser test is skipped with one line saying so.
- ``page``: a new page in its own browser context (no cookies or storage shared between tests),
  1280x1000, closed after the test.
- ``serve_site``: ``serve_site(folder) -> "http://127.0.0.1:PORT"``, a folder (a built MkDocs site)
  served on 127.0.0.1 by a threaded ``http.server``; stopped after the test.
- ``traps``: a :class:`Traps` already installed on ``page`` (see :func:`install_traps`): every
  alert/confirm/prompt, console error and uncaught exception the page produces.

Helpers for waiting: :func:`poll` (a Python predicate; pass ``page=`` when it reads ``traps``) and
:func:`wait_js` (a JavaScript expression), both failing with the message given when the condition
never comes, never a bare sleep.
"""

from __future__ import annotations

import contextlib
import io
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
from waiting import wait_until

from x121_docs.docs import site

CHROMIUM = Path("/usr/bin/chromium")
MISSING = f"browser tests skipped: {CHROMIUM} is missing (`make browser` installs Debian's chromium)"  # one line
#: Headless, no sandbox (the tests run as root), and none of the browser's own network traffic.
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run")
VIEWPORT = {"width": 1280, "height": 1000}
#: Default timeout of every Playwright action and wait, in ms: generous, the machine is shared and loaded.
TIMEOUT_MS = 20_000

T = TypeVar("T")


# --------------------------------------------------------------------------- browser and page


@contextlib.contextmanager
def chromium_browser() -> Iterator:
    """Headless Debian chromium through Playwright (`executable_path`: never a downloaded browser), closed
    after the block; the tests' fixture and the benchmarks launch it this one way."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS))
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201 - playwright.sync_api.Browser, imported lazily
    """Headless Debian chromium for this test process (skipped with one line when it is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip(MISSING)
    with chromium_browser() as chromium:
        yield chromium


@pytest.fixture
def page(browser):  # noqa: ANN001, ANN201 - playwright.sync_api.Page
    """A fresh page in its own context; closed (with its context) after the test."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


# --------------------------------------------------------------------------- traps


#: Replaces the dialog functions in every frame before any page script runs: a call is reported to
#: Python (``__x121_trap``) and returns at once, so a page never blocks on a dialog.
_TRAP_SCRIPT = """(() => {
  const report = (kind, args) => { try { window.__x121_trap(kind, [...args].map(String).join(' ')); } catch (e) {} };
  window.alert = function () { report('alert', arguments); };
  window.confirm = function () { report('confirm', arguments); return false; };
  window.prompt = function () { report('prompt', arguments); return null; };
})();"""


@dataclass
class Traps:
    """What a page did that a test usually forbids, in order: (kind, text) pairs.

    kinds: ``alert``/``confirm``/``prompt`` (the page called it; init script), ``dialog`` (a native dialog
    that got past the init script, e.g. from a frame it does not reach; dismissed), ``console`` (a
    console.error message), ``exception`` (an uncaught exception).
    """

    events: list[tuple[str, str]] = field(default_factory=list)

    def of(self, *kinds: str) -> list[str]:
        return [text for kind, text in self.events if kind in kinds]

    @property
    def dialogs(self) -> list[str]:
        return self.of("alert", "confirm", "prompt", "dialog")

    def assert_clean(self, *kinds: str) -> None:
        """Fail, listing them, if any event of these kinds (default: all) was recorded."""
        found = [(k, t) for k, t in self.events if not kinds or k in kinds]
        assert not found, "the page raised: " + "; ".join(f"{k}: {t}" for k, t in found)


def install_traps(page, *, extra_init_script: str | None = None) -> Traps:  # noqa: ANN001
    """Record the page's dialogs, console errors and uncaught exceptions; call before ``page.goto``.

    ``extra_init_script`` is added too (it runs in every frame before the page's own scripts, e.g.
    to watch a global a payload would set).
    """
    traps = Traps()
    page.expose_function("__x121_trap", lambda kind, text: traps.events.append((kind, text)))
    page.add_init_script(_TRAP_SCRIPT)
    if extra_init_script:
        page.add_init_script(extra_init_script)

    def on_dialog(dialog) -> None:  # noqa: ANN001
        traps.events.append(("dialog", f"{dialog.type}: {dialog.message}"))
        dialog.dismiss()

    page.on("dialog", on_dialog)
    def on_console(msg) -> None:  # noqa: ANN001
        # a folder without a favicon.ico makes the browser log a 404 for it: not the page's doing
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            traps.events.append(("console", msg.text))

    page.on("console", on_console)
    page.on("pageerror", lambda exc: traps.events.append(("exception", str(exc))))
    return traps


@pytest.fixture
def traps(page) -> Traps:  # noqa: ANN001
    return install_traps(page)


# --------------------------------------------------------------------------- serving a site

class TestSite(site.SiteHandler):
    """The site as `docs serve` serves it, except that the assets (Material's bundles, the viewer's script
    and styles) may be cached: they do not change while a test serves a folder, and revalidating each
    of them on every navigation (a 304 apiece) cost about 12 % of a page load's CPU.  Pages, diagrams
    and the search index are revalidated as `docs serve` does (a test may rebuild them)."""

    def cache_control(self) -> str:
        return "max-age=3600" if self.path.startswith("/assets/") else super().cache_control()


class OnePageSearch(TestSite):
    """The site as built, except that Material's search gets a one-page index: it indexes the whole
    site again on every page load, in tests that never search (those that do are served the real one).
    Done by the server, not by routing in the browser: Playwright's routing turns the HTTP cache off,
    and every navigation would parse and compile Material's bundle anew (~40 % of its CPU time)."""

    def send_head(self):  # noqa: ANN201 - the base class's file-like object or None
        if not self.path.split("?", 1)[0].endswith("/search/search_index.json"):
            return super().send_head()
        index = json.loads(Path(self.translate_path(self.path)).read_bytes())
        body = json.dumps({**index, "docs": index["docs"][:1]}).encode()  # its configuration kept
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def served(folder: Path, *, search: bool = True, handler: type | None = None) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (a free port) while the block runs; yields the base URL (no slash).

    Its assets may be cached (TestSite); `search=False`: Material's search index holds one page
    (OnePageSearch); `handler`: another request handler (`site.SiteHandler`: what `docs serve` sends)."""
    if not Path(folder).is_dir():
        raise FileNotFoundError(f"nothing to serve: {folder} is not a folder (build the site first)")
    server = site.serve(Path(folder), port=0, handler=handler or (TestSite if search else OnePageSearch))
    thread = threading.Thread(target=server.serve_forever, name=f"serve {folder}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def serve_site() -> Iterator[Callable[[Path], str]]:
    """``serve_site(folder) -> base_url``; every folder served this way is stopped after the test."""
    with contextlib.ExitStack() as stack:
        yield lambda folder: stack.enter_context(served(folder))


# --------------------------------------------------------------------------- waiting


def poll(predicate: Callable[[], T], what: str, timeout: float = TIMEOUT_MS / 1000, *, page=None) -> T:  # noqa: ANN001
    """Call `predicate` until it returns something truthy (returned); fail naming `what` after `timeout` s.

    Pass `page` when the predicate reads what Playwright reports (e.g. ``traps.events``): the sync API
    delivers a page's events only while it is called, so the pauses are then ``page.wait_for_timeout``.
    """
    pause = None if page is None else (lambda: page.wait_for_timeout(100))
    return wait_until(predicate, what, timeout, 0.1, pause=pause)


def wait_js(page, expression: str, what: str, timeout: float = TIMEOUT_MS / 1000):  # noqa: ANN001, ANN201
    """Evaluate the JavaScript `expression` in the page until truthy; its value.

    Polled with `page.evaluate` (the DevTools protocol), not `wait_for_function`, whose in-page polling
    evaluates the string with eval(): the docs site's Content-Security-Policy forbids that."""
    return poll(lambda: page.evaluate(expression), f"{what} ({page.url})", timeout)

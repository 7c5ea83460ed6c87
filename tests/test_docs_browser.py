"""The built site in a real headless browser (Debian's chromium, driven over the DevTools protocol).

Chromium is installed with apt when absent and the tests run as root with apt available;
otherwise the test is skipped with the reason.  The site is served on 127.0.0.1 only; the
browser's own network features are off.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from docs_support import load_everything

from x121_docs.docs import site
from x121_docs.docs.build import build

CHROMIUM = "/usr/bin/chromium"


def _ensure_chromium() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip(f"{CHROMIUM} is missing and cannot be installed here (needs root and apt-get): "
                    "install Debian's chromium to run the browser test")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=300, check=True)
        subprocess.run(["apt-get", "install", "-y", "chromium", "chromium-driver"], env=env, capture_output=True,
                       timeout=900, check=True)
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"installing chromium with apt-get failed ({exc}): the browser test cannot run here")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"apt-get installed chromium but {CHROMIUM} is still missing")
    return CHROMIUM


class Cdp:
    """The smallest DevTools-protocol client: call a method, wait for its answer, poll with JS."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0

    def call(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def js(self, expression: str):
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in res:
            raise AssertionError(f"JS error in {expression!r}: {res['exceptionDetails']}")
        return res["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")

    def click(self, x: float, y: float) -> None:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)


@pytest.fixture
def browser(tmp_path):
    binary = _ensure_chromium()
    profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=tmp_path))
    proc = subprocess.Popen(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
         "--remote-allow-origins=*", "--window-size=1280,1000", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and port_file.read_text().strip()) and time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"chromium exited with {proc.returncode} before opening its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        cdp = Cdp(page["webSocketDebuggerUrl"])
        cdp.call("Page.enable")
        cdp.call("Runtime.enable")
        yield cdp
        cdp.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def served_site(fresh_db, tmp_path):
    load_everything(fresh_db)
    root = tmp_path / "project"
    root.mkdir()
    build(fresh_db, root)
    server = site.serve(root / "site", "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _open(cdp: Cdp, url: str) -> None:
    cdp.call("Page.navigate", url=url)
    cdp.wait_for(f"location.href === {json.dumps(url)} && document.readyState === 'complete'")


def test_erd_drawn_link_to_table_page_and_search(browser, served_site):
    cdp = browser
    _open(cdp, f"{served_site}/generated/erd.html")
    # the whole-schema diagram is drawn: an inline SVG with table boxes of real size, pan/zoom buttons added
    box = cdp.wait_for("""(() => {
        const svg = document.querySelector('.x121-erd svg');
        if (!svg || !document.querySelector('.x121-erd-bar button')) return null;
        const link = [...svg.querySelectorAll('a')].find(a => (a.getAttribute('xlink:href') || '').endsWith('tables/jobs.html'));
        if (!link) return null;
        const frame = document.querySelector('.x121-erd');
        frame.scrollIntoView({block: 'start'});
        frame.x121.find('jobs');  // the viewer opens on a readable region: centre the jobs box
        const r = link.getBoundingClientRect();
        return {n: svg.querySelectorAll('g.node').length, x: r.x + r.width / 2, y: r.y + Math.min(8, r.height / 2), w: r.width, h: r.height};
    })()""")
    assert box["n"] >= 10 and box["w"] > 5 and box["h"] > 5
    # "+" zooms in (the viewBox shrinks; Ctrl + wheel and the plain wheel: tests/test_erd_browser.py),
    # "fit" shows the whole diagram
    vb0 = cdp.js("document.querySelector('.x121-erd svg').getAttribute('viewBox')")
    cdp.js("[...document.querySelectorAll('.x121-erd-bar button')].find(b => b.textContent === '+').click(); true")
    vb1 = cdp.wait_for(f"(v => v !== {json.dumps(vb0)} && v)(document.querySelector('.x121-erd svg').getAttribute('viewBox'))")
    assert float(vb1.split()[2]) < float(vb0.split()[2])
    cdp.js("[...document.querySelectorAll('.x121-erd-bar button')].find(b => b.textContent === 'fit').click(); true")
    vb2 = [float(v) for v in cdp.js("document.querySelector('.x121-erd svg').getAttribute('viewBox')").split()]
    full = cdp.js("document.querySelector('.x121-erd').x121.full")
    assert vb2[2] >= full["w"] - 1 and vb2[3] >= full["h"] - 1
    # the search centres and selects the jobs box; a real mouse click on the selected box follows its link
    box = cdp.js("""(() => {
        document.querySelector('.x121-erd').x121.find('jobs');
        const node = document.querySelector('.x121-erd svg g.node.x121-sel');
        const r = node.getBoundingClientRect();
        return {x: r.x + r.width / 2, y: r.y + Math.min(8, r.height / 2)};
    })()""")
    cdp.click(box["x"], box["y"])
    cdp.wait_for("location.pathname.endsWith('/generated/tables/jobs.html') && document.readyState === 'complete'")
    assert cdp.wait_for("document.querySelector('h1') && document.querySelector('h1').textContent.replace('¶', '').trim()") == "jobs"
    assert cdp.js("document.querySelectorAll('table').length") >= 4

    # the search box finds a table by name
    _open(cdp, f"{served_site}/generated/index.html")
    cdp.wait_for("!!document.querySelector('.md-search__input')")
    cdp.js("document.querySelector('label.md-search__icon, .md-search__input').click(); "
           "document.querySelector('.md-search__input').focus(); true")
    cdp.call("Input.insertText", text="measurements")
    hrefs = cdp.wait_for("""(() => {
        const links = [...document.querySelectorAll('.md-search-result__item a, .md-search-result__link')];
        return links.length ? links.map(a => a.getAttribute('href')) : null;
    })()""")
    assert any(re.split(r"[?#]", h)[0].endswith("/generated/tables/measurements.html") for h in hrefs), hrefs

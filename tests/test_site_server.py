"""`docs serve` (and every browser test) serves the site with site.serve: a browser that drops a
connection mid-response is normal traffic and must not print a traceback, while a real fault still does."""

from __future__ import annotations

import json
import socket
import struct
import urllib.request

import pytest
from browser_support import served
from waiting import wait_until

from x121_docs.docs import site


@pytest.fixture
def server(tmp_path, monkeypatch):
    """(port, handled): the site server over tmp_path, as `docs serve` and the browser tests run it;
    `handled` gets the address of every request that raised, once the server has reported it."""
    (tmp_path / "big.bin").write_bytes(b"x" * 32_000_000)  # far more than a socket buffer holds
    handled: list = []
    original = site._QuietServer.handle_error
    monkeypatch.setattr(site._QuietServer, "handle_error",
                        lambda self, request, address: (original(self, request, address), handled.append(address)))
    with served(tmp_path) as base:
        yield int(base.rsplit(":", 1)[1]), handled


def _get_and_drop(port: int, path: str) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert sock.recv(1024).startswith(b"HTTP/1.0 200")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset


def test_a_dropped_connection_prints_nothing(server, capfd):
    port, handled = server
    _get_and_drop(port, "/big.bin")
    wait_until(lambda: handled, timeout=20, what="the server to notice the dropped connection")
    out, err = capfd.readouterr()
    assert "Traceback" not in err and "Broken pipe" not in err and "reset" not in err.lower(), err


def test_any_other_handler_fault_still_prints_its_traceback(server, capfd, monkeypatch):
    port, handled = server

    def broken(self):
        raise RuntimeError("a real bug")
    monkeypatch.setattr(site.SiteHandler, "do_GET", broken)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_until(lambda: handled, timeout=20, what="the server to report the fault")
    assert "RuntimeError: a real bug" in capfd.readouterr().err


def test_every_response_is_revalidated_and_tests_can_serve_a_one_page_search_index(tmp_path):
    (tmp_path / "search").mkdir()
    index = {"config": {"lang": ["en"]}, "docs": [{"location": f"p{i}/", "text": "t", "title": str(i)} for i in range(3)]}
    (tmp_path / "search" / "search_index.json").write_text(json.dumps(index))
    (tmp_path / "page.html").write_text("<p>x</p>")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "x.js").write_text("x")

    def cache_control(url: str) -> str:
        with urllib.request.urlopen(url) as r:
            return r.headers["Cache-Control"]

    # what `docs serve` sends: every response revalidated, assets too (a rebuild may change them)
    with served(tmp_path, handler=site.SiteHandler) as base:
        assert {cache_control(f"{base}/{p}") for p in ("page.html", "assets/x.js", "search/search_index.json")} == {"no-cache"}
    # the tests' server: the same, except that the assets may be cached
    for search, docs in ((True, 3), (False, 1)):
        with served(tmp_path, search=search) as base:
            with urllib.request.urlopen(f"{base}/search/search_index.json") as r:
                got = json.loads(r.read())
                assert r.headers["Cache-Control"] == "no-cache"
            assert got["config"] == index["config"] and got["docs"] == index["docs"][:docs]
            with urllib.request.urlopen(f"{base}/page.html") as r:
                assert r.read() == b"<p>x</p>" and r.headers["Cache-Control"] == "no-cache"
            assert cache_control(f"{base}/assets/x.js") == "max-age=3600"

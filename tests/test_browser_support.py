"""The browser fixtures other browser tests build on: the served folder, the traps, the polling waits."""

from __future__ import annotations

import pytest
from browser_support import poll, served, wait_js

PAGE = """<!doctype html><meta charset="utf-8"><title>traps</title>
<h1>served</h1>
<script>
  alert('from the page');
  window.answer = confirm('really?');
  console.error('a console error');
  setTimeout(() => { document.body.dataset.late = 'yes'; }, 300);
  setTimeout(() => { throw new Error('uncaught later'); }, 0);
</script>"""


def test_a_served_folder_and_every_trap(page, traps, serve_site, tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text(PAGE)
    base = serve_site(tmp_path / "site")
    assert base.startswith("http://127.0.0.1:")
    page.goto(f"{base}/index.html")
    assert page.locator("h1").inner_text() == "served"
    assert wait_js(page, "document.body.dataset.late", "the late attribute") == "yes"
    assert page.evaluate("window.answer") is False  # confirm() was answered "no" without blocking
    assert traps.of("alert") == ["from the page"] and traps.of("confirm") == ["really?"]
    assert traps.of("console") == ["a console error"]
    assert any("uncaught later" in e for e in traps.of("exception"))
    with pytest.raises(AssertionError, match="alert: from the page"):
        traps.assert_clean()
    traps.assert_clean("dialog")  # the init script caught every dialog: none reached the browser


def test_dialogs_of_a_frame_and_late_ones_are_recorded(page, traps, serve_site, tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title><p>x</p>")
    page.goto(f"{serve_site(tmp_path)}/index.html")
    page.evaluate("""() => { const f = document.createElement('iframe'); document.body.append(f);
                             setTimeout(() => f.contentWindow.alert('from a frame'), 200); }""")
    poll(lambda: traps.dialogs, "the frame's alert", page=page)
    assert traps.events == [("alert", "from a frame")]  # the init script runs in every frame


def test_serving_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="build the site first"):
        with served(tmp_path / "nothing"):
            pass

"""For the docs' browser tests (the `browser` fixture itself is tests/browser_support.py's): a built site
served for a whole module, and the layout probe."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from x121_docs.docs import site

# Tables of the page content wider than their container (they would scroll sideways), and a page
# wider than the window.
OVERFLOWING_TABLES = """
() => {
  const out = [];
  const content = document.querySelector('.md-content__inner');
  const limit = content.getBoundingClientRect().right + 1;
  document.querySelectorAll('.md-content table').forEach((t, i) => {
    const wrap = t.closest('.md-typeset__scrollwrap') || t.parentElement;
    const r = t.getBoundingClientRect();
    if (r.right > limit || wrap.scrollWidth > wrap.clientWidth + 1 || t.scrollWidth > t.clientWidth + 1)
      out.push('table ' + i + ' (' + (t.querySelector('th') || {}).textContent + '...): ' + Math.round(r.width)
               + ' px, container ' + Math.round(wrap.clientWidth) + ' px');
  });
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    out.push('page ' + document.documentElement.scrollWidth + ' px wide in a ' + window.innerWidth + ' px window');
  return out;
}
"""


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """Serve a built site on 127.0.0.1 (a free port) for the duration; yields its base URL."""
    server = site.serve(folder, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()

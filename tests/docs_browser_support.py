"""For the docs' browser tests (the fixtures and `served` are tests/browser_support.py's): the layout probe."""

from __future__ import annotations


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

"""The site at 1280 px, as a reviewer reads it: no table scrolls sideways on any generated page, the FK
actions are in view next to the referenced table, long comments wrap."""

from __future__ import annotations

from browser_support import served
from docs_browser_support import OVERFLOWING_TABLES
from docs_support import load_everything, load_sql, tree

from x121_docs.docs.build import build

LONG = ("A very long comment that goes on and on to make sure that the cell wraps rather than pushing the table "
        "wider than its column: " + "lorem_ipsum_dolor_sit_amet_" * 12 + " and a URL-like "
        "https://example.invalid/" + "x" * 120)


def test_no_table_wider_than_its_container_at_1280_px(fresh_db, tmp_path, browser):
    load_everything(fresh_db)
    load_sql(fresh_db, f"""
        COMMENT ON TABLE jobs IS '{LONG}';
        COMMENT ON COLUMN jobs.priority IS '{LONG}';
        ALTER TABLE jobs ADD COLUMN long_default text DEFAULT '{"abcdefghij" * 20}';
        INSERT INTO job_statuses (id, name) VALUES (1, '{"q" * 150}');
    """)
    root = tmp_path / "project"
    root.mkdir()
    build(fresh_db, root, live=fresh_db)
    pages = sorted(p for p in tree(root / "site") if p.endswith(".html"))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    with served(root / "site", search=False) as base:
        for rel in pages:
            page.goto(f"{base}/{rel}")
            assert page.evaluate(OVERFLOWING_TABLES) == [], rel
        # the FK actions of a table page are on screen, beside the referenced table
        page.goto(f"{base}/generated/tables/jobs.html")
        cols = page.evaluate("""() => {
            const h = document.getElementById('foreign-keys-this-table-references');
            let el = h.nextElementSibling; while (el && !el.querySelector('table')) el = el.nextElementSibling;
            return [...el.querySelectorAll('thead th')].map(th => {
                const r = th.getBoundingClientRect(); return [th.textContent.trim(), r.left, r.right, r.width]; });
        }""")
        names = [c[0] for c in cols]
        assert names.index("On delete") == names.index("References") + 1
        assert names.index("On update") == names.index("References") + 2
        for name, left, right, width in cols:
            assert width > 20 and 0 <= left and right <= 1280, (name, left, right)
        # the long comment wraps inside its cell (the row grows, not the table)
        height = page.evaluate("""() => [...document.querySelectorAll('.md-content td')]
            .find(td => td.textContent.startsWith('A very long comment')).getBoundingClientRect().height""")
        assert height > 60
    context.close()

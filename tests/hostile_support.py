"""A schema whose every name and comment is a payload aimed at HTML, JavaScript, Markdown and Jinja.

Built through psycopg (`sql.Identifier` for names, parameters for comments and values), so the
catalog holds exactly these strings; the docs tests then check the site shows them as text and
runs none of them.  Every payload that would run calls `alert(N)`/`x121hit(N)` so a trap can tell.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from x121_docs.database.connect import conn_params

# Names (at most 63 bytes: PostgreSQL would truncate longer ones and the catalog would differ).
NAMES = (
    "<script>alert(1)</script>",
    "</title><script>alert(2)</script>",
    "<img src=x onerror=alert(3)>",
    "![p](x){: onerror=alert(4) }",
    "[x](javascript:alert(5))",
    "**b**{: onclick=alert(6) }",
    "n {: onfocus=alert(7) tabindex=1 }",
    "<svg onload=alert(8)>",
    '"><b onmouseover=alert(9)>x</b>',
    "'-alert(10)-'",
    "```",
    "``` x ```",
    "`a`b``c",
    "| a | b |",
    "{{ 7*7 }}",
    "{% raw %}x{% endraw %}",
    "&amp;lt;",
    "\\|",
    "_em_ *st*",
    "# h #",
    '<div markdown="1">*x*</div>',
    '<a href="javascript:alert(11)">x</a>',
    "<details open ontoggle=alert(12)>",
    " spaced  name ",
    "Ünïcødé ☃ 名前",
    "<!-- c -->",
    "<style>*{display:none}</style>",
    "- 1. > list",
    "x\ny",
)

COMMENTS = (
    "line one\n<script>alert(101)</script>\n\n![p](x){: onerror=alert(102) }",
    '[x](javascript:alert(103)) <a href="javascript:alert(104)">y</a> ![i](javascript:alert(105))',
    "```\n</code></pre><script>alert(106)</script>\n```",
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(107)> | c |",
    '<div markdown="1">\n**x**{: onclick=alert(108) }\n</div>',
    "{{ config }} {% for x in range(3) %}{{ x }}{% endfor %} {# c #}",
    "    indented <b onclick=alert(109)>x</b>",
    "> quote\n- list\n1. ordered\n# heading\n===\n---",
    '!!! note "<img src=x onerror=alert(110)>"\n    <script>alert(111)</script>',
    "<http://example.com> [ref]: javascript:alert(112) <javascript:alert(113)>",
    "&lt;script&gt;alert(114)&lt;/script&gt; &#60;b&#62;",
    "<iframe srcdoc=\"<script>alert(115)</script>\"></iframe><object data=javascript:alert(116)>",
    "*emph* _u_ `code` ~~s~~ \\`esc\\` [^1]\n\n[^1]: <svg/onload=alert(117)>",
)

SCHEMA = "<script>alert(20)</script>"
ENUM = "<img src=x onerror=alert(21)>"
ENUM_LABELS = ("<b onclick=alert(22)>ok</b>", "{: onclick=alert(23) }", "`", "a|b", "{{ 1 }}")
DOMAIN = "`d` <svg onload=alert(24)>"
FUNCTION = "[f](javascript:alert(25))"
LOOKUP = "<img src=x onerror=alert(26)>_statuses"
LOOKUP_VALUES = ("<script>alert(27)</script>", "[v](javascript:alert(28))", "```", "| x |")
VIEW_SQL = "SELECT 1 AS {col}, '```\n</code></pre><script>alert(30)</script>\n```'::text AS body, " \
           "'````' AS ticks"
DATABASE_PREFIX = "<img src=x onerror=alert(99)>"


def _c(i: int) -> str:
    return COMMENTS[i % len(COMMENTS)]


def _short(prefix: str, name: str) -> str:
    out = prefix + name
    assert len(out.encode()) <= 63, out
    return out


def build_hostile(settings) -> None:  # noqa: ANN001 - x121_docs Settings
    """Create the payload schema in the (empty) database `settings` names."""
    I, L = sql.Identifier, sql.Literal  # noqa: E741
    stmts: list[sql.Composable] = []  # no parameters: names hold '%', so every value is a Literal
    run = stmts.append

    s = I(SCHEMA)
    run(sql.SQL("CREATE SCHEMA {}").format(s))
    run(sql.SQL("COMMENT ON SCHEMA {} IS {}").format(s, L(_c(0))))
    run(sql.SQL("CREATE TYPE {}.{} AS ENUM ({})").format(s, I(ENUM), sql.SQL(", ").join(L(x) for x in ENUM_LABELS)))
    run(sql.SQL("COMMENT ON TYPE {}.{} IS {}").format(s, I(ENUM), L(_c(1))))
    run(sql.SQL("CREATE DOMAIN {}.{} AS text DEFAULT {} CHECK (VALUE <> {})").format(
        s, I(DOMAIN), L("```</code><script>alert(31)</script>"), L("`|` {: onclick=alert(32) }")))
    run(sql.SQL("COMMENT ON DOMAIN {}.{} IS {}").format(s, I(DOMAIN), L(_c(2))))
    run(sql.SQL("CREATE FUNCTION {}.{}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")
        .format(s, I(FUNCTION)))
    run(sql.SQL("CREATE TABLE {} (id integer PRIMARY KEY, name text NOT NULL)").format(I(LOOKUP)))
    run(sql.SQL("COMMENT ON TABLE {} IS {}").format(I(LOOKUP), L(_c(3))))
    for n, v in enumerate(LOOKUP_VALUES, 1):
        run(sql.SQL("INSERT INTO {} VALUES ({}, {})").format(I(LOOKUP), L(n), L(v)))

    previous = None
    for i, name in enumerate(NAMES):
        t = I(name)
        col = I(name)
        fk_prev = sql.SQL(", prev_id bigint CONSTRAINT {} REFERENCES {} ON DELETE CASCADE ON UPDATE SET NULL").format(
            I(_short("f", name)), I(previous)) if previous else sql.SQL("")
        run(sql.SQL("CREATE TABLE {t} (id bigserial PRIMARY KEY, {col} text DEFAULT {default}, "
                    "status_id integer REFERENCES {lookup} ON DELETE RESTRICT, e {s}.{enum}, d {s}.{domain}"
                    "{fk_prev}, CONSTRAINT {check} CHECK ({col} <> {lit}))").format(
            t=t, col=col, default=L(f"`{name}` ``` </code><b onclick=alert(40)>"), lookup=I(LOOKUP), s=s,
            enum=I(ENUM), domain=I(DOMAIN), fk_prev=fk_prev, check=I(_short("c", name)),
            lit=L("```\n<script>alert(41)</script>")))
        run(sql.SQL("COMMENT ON TABLE {} IS {}").format(t, L(_c(i))))
        run(sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(t, col, L(_c(i + 1))))
        run(sql.SQL("COMMENT ON CONSTRAINT {} ON {} IS {}").format(I(_short("c", name)), t, L(_c(i + 2))))
        run(sql.SQL("CREATE INDEX {} ON {} (status_id) INCLUDE ({}) WHERE {} <> {}").format(
            I(_short("i", name)), t, col, col, L("`` x ``` {: onclick=alert(42) }")))
        run(sql.SQL("COMMENT ON INDEX {} IS {}").format(I(_short("i", name)), L(_c(i + 3))))
        if i % 3 == 0:
            run(sql.SQL("CREATE TRIGGER {} BEFORE UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION {}.{}()").format(
                I(_short("t", name)), t, s, I(FUNCTION)))
            run(sql.SQL("COMMENT ON TRIGGER {} ON {} IS {}").format(I(_short("t", name)), t, L(_c(i + 4))))
        previous = name
    for i, name in enumerate(NAMES[:4]):
        v = I(_short("v", name))
        run(sql.SQL("CREATE VIEW {}.{} AS " + VIEW_SQL).format(s, v, col=I(name)))
        run(sql.SQL("COMMENT ON VIEW {}.{} IS {}").format(s, v, L(_c(i + 5))))
    run(sql.SQL("COMMENT ON DATABASE {} IS {}").format(I(settings.name), L(_c(6))))
    with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
        for q in stmts:
            conn.execute(q)


def hostile_database_name(suffix: str) -> str:
    return f"{DATABASE_PREFIX} {suffix}"

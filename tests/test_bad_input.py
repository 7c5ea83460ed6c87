"""Bad input ends in one paragraph, the documented exit code and no traceback, for every command.

A battery of bad settings (environment and `.env`) runs through every command that reads the
settings; bad arguments run against a real database.  Each message must name what is at fault
(the setting, the file and line, the table and column) and never show a password.
"""

from __future__ import annotations

import psycopg
import pytest

from x121_docs.database.connect import conn_params

#: Every command that reads the settings (argv); writers included: a bad setting stops them first.
COMMANDS = [
    ("db", "start"), ("db", "stop"), ("db", "bootstrap"), ("db", "status"),
    ("migrate", "run"), ("migrate", "run", "--dry-run"), ("migrate", "status"), ("migrate", "check"),
    ("migrate", "new", "x"), ("migrate", "baseline", "1"),
    ("lint",), ("lint", "--db"), ("docs", "build", "--no-site"), ("docs", "check"),
    ("scan", "orphans"), ("scan", "files", "."), ("delete-preview", "t", "1"), ("delete", "t", "1"), ("build",),
]

SECRET = "sekret-pw-123"

#: (id, environment changes, .env content or None, words the message must contain)
BAD_SETTINGS = [
    ("port-underscore", {"DB_PORT": "5_432"}, None, ["DB_PORT", "5_432"]),
    ("port-fullwidth", {"DB_PORT": "５４３２"}, None, ["DB_PORT"]),
    ("port-arabic-indic", {"DB_PORT": "٥٤٣٢"}, None, ["DB_PORT"]),
    ("port-text", {"DB_PORT": "abc"}, None, ["DB_PORT"]),
    ("host-url", {"DB_HOST": f"postgresql://alice:{SECRET}@db.example/x121"}, None, ["DB_HOST", "URL"]),
    ("host-at", {"DB_HOST": f"alice:{SECRET}@db.example"}, None, ["DB_HOST"]),
    ("app-env", {"APP_ENV": "staging"}, None, ["APP_ENV"]),
    ("ssl", {"DB_SSL": "maybe"}, None, ["DB_SSL"]),
    ("pool", {"DB_POOL_MAX": "0"}, None, ["DB_POOL_MAX"]),
    ("timeout", {"DB_CONNECT_TIMEOUT": "1e3"}, None, ["DB_CONNECT_TIMEOUT"]),
    ("dotenv-latin1", {}, b"DB_NAME=caf\xe9\n", [".env", "UTF-8", "line 1"]),
    ("dotenv-syntax", {}, f"DB_USER=alice\nDB_PASSWORD='{SECRET}\nDB_NAME=x\n".encode(), [".env", "line 2"]),
    ("dotenv-syntax-2", {}, b"DB_USER=alice\n=oops\n", [".env", "line 2"]),
    ("dotenv-directory", {}, "DIR", [".env", "not a file"]),
]


def _prepare(cli_env, monkeypatch, env, dotenv) -> None:  # noqa: ANN001
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    if dotenv == "DIR":
        (cli_env / ".env").mkdir()
    elif dotenv is not None:
        (cli_env / ".env").write_bytes(dotenv)


@pytest.mark.parametrize("case, env, dotenv, words", BAD_SETTINGS, ids=[c[0] for c in BAD_SETTINGS])
def test_every_command_refuses_a_bad_setting(run_cli, cli_env, monkeypatch, case, env, dotenv, words):
    _prepare(cli_env, monkeypatch, env, dotenv)
    for argv in COMMANDS:
        code, out, err = run_cli(*argv)
        assert code == 2, (argv, code, out, err)
        assert "Traceback" not in err and SECRET not in out + err
        paragraph = err.strip()
        assert paragraph.startswith("error:") and paragraph.count("\n") <= 2, (argv, err)  # one paragraph
        for word in words:
            assert word in paragraph, (argv, word, err)
    assert not (cli_env / "migrations").exists()  # `migrate new` created nothing


READ_COMMANDS = [("db", "status"), ("db", "start"), ("migrate", "status"), ("migrate", "check"), ("lint", "--db"),
                 ("docs", "check"), ("scan", "orphans"), ("delete-preview", "t", "1"), ("delete", "t", "1")]


def test_a_database_name_that_is_rich_markup(run_cli, cli_env, monkeypatch):
    monkeypatch.setenv("DB_NAME", "x[/]y")
    (cli_env / "migrations").mkdir()
    for argv in READ_COMMANDS:
        code, out, err = run_cli(*argv)
        assert code == 2 and "Traceback" not in err, (argv, code, err)
        assert "'x[/]y' does not exist" in err, (argv, err)


@pytest.fixture
def bad_db(fresh_db, cli_env):
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute('CREATE TABLE t (id bigint PRIMARY KEY); INSERT INTO t VALUES (1);'
                     'CREATE TABLE "p[/]" (id int PRIMARY KEY, t_id bigint REFERENCES t ON DELETE CASCADE);'
                     'INSERT INTO "p[/]" VALUES (1, 1);'
                     'CREATE TABLE pair (a int, b date, PRIMARY KEY (a, b));'
                     'CREATE TABLE "a.b" (id int PRIMARY KEY); INSERT INTO "a.b" VALUES (5);')
    return fresh_db


@pytest.mark.parametrize("argv, code, words", [
    (("delete-preview", "t", "abc"), 2, ["'abc'", "t.id", "bigint"]),
    (("delete-preview", "t", "1,2"), 2, ["'1,2'", "t.id"]),
    (("delete-preview", "t", "99999999999999999999"), 2, ["'99999999999999999999'", "t.id", "out of range"]),
    (("delete", "t", "abc"), 2, ["'abc'", "t.id"]),
    (("delete-preview", "pair", "1"), 2, ["pair", "2-column primary key"]),
    (("delete-preview", "pair", "1,notadate"), 2, ["'notadate'", "pair.b", "date"]),
    (("delete-preview", "nosuch", "1"), 2, ["'nosuch' does not exist"]),
    (("delete-preview", '"unterminated', "1"), 2, ['unterminated']),
    (("delete-preview", "t", "2"), 2, ["no row with id=2"]),
    (("delete-preview", "p[/]", "abc"), 2, ["'abc'", "p[/].id"]),
    (("delete-preview", "p[/]", "1"), 0, ["p[/]"]),
    (("delete-preview", "t", "1"), 0, ["p[/]", "Token"]),
    (("delete", "t", "1"), 1, ["p[/]", "--token"]),
    (("delete-preview", "a.b", "5"), 0, ["Impact of deleting a.b 5"]),
    (("delete-preview", '"a.b"', "5"), 0, ["Impact of deleting a.b 5"]),
    (("delete-preview", 'public."a.b"', "5"), 0, ["Impact of deleting a.b 5"]),
    (("scan", "orphans", "--sample", "x"), 2, ["--sample"]),
    (("scan", "files", "nowhere"), 2, ["nowhere"]),
])
def test_bad_arguments(bad_db, run_cli, argv, code, words):
    got, out, err = run_cli(*argv)
    assert got == code, (argv, got, out, err)
    assert "Traceback" not in err
    text = out + err
    for word in words:
        assert word in text, (argv, word, text)
    with psycopg.connect(autocommit=True, **conn_params(bad_db)) as conn:  # nothing half-applied
        assert conn.execute('SELECT count(*) FROM t').fetchone()[0] == 1


def test_progress_on_a_terminal_escapes_names(bad_db, run_cli, monkeypatch):
    # on a terminal the scan draws a progress bar whose label is the table being scanned
    import sys

    from rich.console import Console

    from x121_docs.integrity import commands

    monkeypatch.setattr(commands, "err_console",
                        lambda: Console(file=sys.stderr, force_terminal=True, highlight=False, soft_wrap=True))
    code, out, err = run_cli("scan", "orphans")
    assert code == 0 and "Traceback" not in err and "p[/]" in out
    assert "p[/] → t" in err and "p\\[/]" not in err  # the label shows the name as it is

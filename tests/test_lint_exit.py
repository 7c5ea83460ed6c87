"""`lint --static` and `docs build` end their process without the interpreter's teardown
(collector.exit_with): the output must still be whole and the exit code the command's, whatever the
output is written to."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from x121_docs.database.connect import conn_params


@pytest.mark.parametrize("entry", ["x121-lint", "x121-docs lint"])
def test_static_lint_output_is_whole_when_the_process_skips_teardown(tmp_path, entry):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_base.sql").write_text("CREATE TABLE things (id BIGSERIAL PRIMARY KEY);\n")
    # a report under the 8 KB buffer: a write that size stays in the buffer, so only a flush writes it
    more = "".join(f"CREATE INDEX idx_things_{i} ON things (id);\n" for i in range(3))
    (folder / "20260102000000_more.sql").write_text(more)
    out = tmp_path / "report.json"
    exe = [str(Path(sys.executable).with_name(entry.split()[0])), *entry.split()[1:]]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as most users run it
    with out.open("wb") as sink:  # a file, not a terminal: block-buffered
        done = subprocess.run([*exe, "--static", "--migrations", str(folder), "--format", "json", "--no-baseline",
                               "--fail-on", "warning"], stdout=sink, stderr=subprocess.PIPE, cwd=tmp_path, env=env,
                              check=False)
    assert done.returncode == 1, done.stderr
    findings = json.loads(out.read_text())["findings"]
    assert len(findings) == 3 and {f["rule"] for f in findings} == {"index-concurrently"}


def test_docs_build_summary_is_whole_when_the_process_skips_teardown(fresh_db, cli_env):
    """`docs build` also leaves its structures to the OS: its summary still reaches a file whole."""
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute("CREATE TABLE things (id BIGSERIAL PRIMARY KEY); COMMENT ON TABLE things IS 'Things.';")
    out = cli_env / "summary.txt"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with out.open("wb") as sink:
        done = subprocess.run([str(Path(sys.executable).with_name("x121-docs")), "docs", "build", "--no-site"],
                              stdout=sink, stderr=subprocess.PIPE, cwd=cli_env, env=env, check=False)
    assert done.returncode == 0, done.stderr
    summary = out.read_text()
    assert "1 relations" in summary and "docs/generated" in summary, summary
    assert (cli_env / "docs/generated/tables/things.md").is_file()

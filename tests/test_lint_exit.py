"""`lint --static` ends its process without the interpreter's teardown (collector.exit_with): the
output must still be whole and the exit code the command's, whatever the output is written to."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


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

"""The notebooks: nbval really compares outputs, a Jupyter server runs them, outputs hold no secrets.

`make test` runs every notebook under nbval; these tests check the machinery around that run:
that a meaningful change of a stored output fails nbval while what the sanitize file covers
does not, that a headless Jupyter server lists the notebooks and executes one through its
kernel, and that no stored or fresh output shows a password or a path of the machine.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conftest import MIGRATIONS_DIR, PROJECT_ROOT, subprocess_env
from servers import free_port, scratch_dir, tcp_server

if TYPE_CHECKING:  # imported by the tests that read notebooks (nbformat with jsonschema: ~0.4 s)
    import nbformat

NOTEBOOKS = PROJECT_ROOT / "notebooks"
SANITIZE = NOTEBOOKS / "nbval_sanitize.cfg"
EXPECTED = ("01_bootstrap.ipynb", "02_migrations.ipynb", "03_explore_schema.ipynb", "04_integrity.ipynb",
            "05_embeddings.ipynb", "06_dependencies.ipynb")
#: The notebook the nbval and server tests run: quick, and its outputs do not depend on where the server's data is.
SAMPLE = "02_migrations.ipynb"


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))


@pytest.fixture
def nb_env(pg_server) -> dict[str, str]:
    """Environment for kernels: the test process's embedded server, the project's migrations."""
    return subprocess_env(X121_PGDATA=str(pg_server.pgdata), DB_PORT=str(pg_server.port),
                          X121_MIGRATIONS_DIR=str(MIGRATIONS_DIR))


def run_nbval(*notebooks: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """nbval over `notebooks` in one pytest run (-rA: a line per cell, PASSED or FAILED, naming its file)."""
    root = notebooks[0].parent.parent
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "nbval", "--nbval", *map(str, notebooks),
         "--nbval-sanitize-with", str(SANITIZE), "-p", "no:cacheprovider", "-p", "no:xdist", "-q", "-rA", "--rootdir", str(root)],
        cwd=root, env=env, capture_output=True, text=True, timeout=300)


def code_cell(nb: nbformat.NotebookNode, contains: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.cell_type == "code" and contains in c.source)


def test_the_notebooks_are_stored_executed_with_the_venv_kernel():
    import nbformat

    names = [p.name for p in notebook_paths()]
    assert set(EXPECTED) <= set(names)
    for path in notebook_paths():
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata.kernelspec.name == "python3", path.name
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(c.execution_count for c in code), f"{path.name} is not stored executed"
        assert any(c.outputs for c in code), path.name
        errors = [o for c in code for o in c.outputs if o.output_type == "error"]
        assert not errors, f"{path.name} has stored errors"
        ignored = [c for c in code if "NBVAL_IGNORE_OUTPUT" in c.source]
        assert len(ignored) <= 2, f"{path.name}: keep cells with ignored output few"


def test_nbval_passes_the_stored_notebook_despite_sanitized_noise_and_fails_a_changed_output(tmp_path, nb_env):
    import nbformat

    source = nbformat.read(NOTEBOOKS / SAMPLE, as_version=4)

    # What legitimately varies (times, durations, the scratch database's suffix) is sanitized: still passes.
    noisy = tmp_path / "noisy" / SAMPLE
    noisy.parent.mkdir()
    text = nbformat.writes(source)
    changed = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "1999-01-02 03:04:05", text)
    changed = re.sub(r"\b\d+\.\d ms\b", "987.6 ms", changed)
    assert changed != text
    noisy.write_text(changed)

    # A meaningful change (a pending migration stored as applied) fails.
    broken = tmp_path / "broken" / SAMPLE
    broken.parent.mkdir()
    nb = nbformat.read(NOTEBOOKS / SAMPLE, as_version=4)
    cell = code_cell(nb, "migrations_table(migration_status(")
    for output in cell.outputs:
        for mime in ("text/plain", "text/html"):
            assert "pending" in output.data[mime]
            output.data[mime] = output.data[mime].replace("pending", "applied", 1)
    nbformat.write(nb, broken)

    # both in one nbval run (one interpreter start), told apart by the file each cell's line names
    run = run_nbval(noisy, broken, env=nb_env)
    results = re.findall(r"^(PASSED|FAILED) (noisy|broken)/\S+::Cell (\d+)", run.stdout, re.M)
    cells = len([c for c in source.cells if c.cell_type == "code"])
    noisy_results = {verdict for verdict, where, _ in results if where == "noisy"}
    assert noisy_results == {"PASSED"} and sum(w == "noisy" for _, w, _ in results) == cells, run.stdout[-3000:]
    assert [v for v, w, _ in results if w == "broken"].count("FAILED") == 1, run.stdout[-3000:]
    assert run.returncode != 0 and f"1 failed, {2 * cells - 1} passed" in run.stdout, run.stdout[-3000:]
    assert "pending" in run.stdout and "applied" in run.stdout  # the report shows the difference


# --- a headless Jupyter server ---------------------------------------------------------------------

class JupyterServer:
    def __init__(self, root: Path, env: dict[str, str], tmp: Path):
        self.port = free_port()
        self.token = secrets.token_hex(16)
        env = {**env, "JUPYTER_TOKEN": self.token,  # via the environment: not visible in `ps`
               "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp / "config")}
        self.log = open(tmp / "server.log", "w+")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "server", "--no-browser", f"--port={self.port}", "--port-retries=0",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={root}",
             *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
            env=env, cwd=root, stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as err:
            return err.code, None

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if self.request("GET", "/api/status")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.log.seek(0)
        raise AssertionError(f"Jupyter server did not start: {self.log.read()[-3000:]}")

    def stop(self) -> None:
        try:
            if self.proc.poll() is None:
                try:
                    self.request("POST", "/api/shutdown")
                except OSError:
                    pass
                try:
                    self.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.proc.terminate()
                    self.proc.wait(timeout=20)
        finally:
            self.log.close()


def execute_over_websocket(server: JupyterServer, kernel_id: str, code: str, timeout: float = 120) -> dict:
    """Run `code` on the kernel through the server's websocket; the reply status and the outputs."""
    import websocket  # websocket-client

    ws = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/api/kernels/{kernel_id}/channels?token={server.token}", timeout=timeout)
    try:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex,
                       "msg_type": "execute_request", "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        outputs: list[dict] = []
        reply = idle = None
        while reply is None or not idle:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "execute_reply":
                reply = msg["content"]
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
            elif kind in ("stream", "execute_result", "display_data", "error"):
                outputs.append({"output_type": kind, **msg["content"]})
        return {"status": reply["status"], "outputs": outputs, "reply": reply}
    finally:
        ws.close()


def plain_texts(outputs) -> list[str]:  # noqa: ANN001
    """The plain text of each output, consecutive chunks of one stream joined: a kernel sends a print
    in as many stream messages as its flushes happen to make ('...' then '\\n' under load), and a
    stored notebook holds them joined, as every frontend shows them."""
    texts: list[str] = []
    stream = None
    for o in outputs:
        if o["output_type"] == "stream":
            if o["name"] == stream:
                texts[-1] += o["text"]
            else:
                texts.append(o["text"])
            stream = o["name"]
            continue
        stream = None
        if "data" in o and "text/plain" in o["data"]:
            texts.append(o["data"]["text/plain"])
    return texts


def test_a_headless_jupyter_server_lists_the_notebooks_and_runs_one_through_its_kernel(tmp_path, nb_env):
    import nbformat
    from nbval.plugin import get_sanitize_patterns

    root = tmp_path / "notebooks"
    root.mkdir()
    for path in notebook_paths():
        shutil.copy(path, root / path.name)
    server = JupyterServer(root, nb_env, tmp_path)
    try:
        server.wait_ready()
        status, listing = server.request("GET", "/api/contents")
        assert status == 200
        listed = sorted(item["name"] for item in listing["content"] if item["type"] == "notebook")
        assert listed == [p.name for p in notebook_paths()]
        assert server.request("GET", "/api/contents")[0] == 200
        # The token is required.
        anonymous = urllib.request.Request(server.base + "/api/contents")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(anonymous, timeout=30)
        assert refused.value.code == 403

        status, model = server.request("GET", f"/api/contents/{SAMPLE}")
        assert status == 200 and model["type"] == "notebook"
        stored = nbformat.from_dict(model["content"])

        status, kernel = server.request("POST", "/api/kernels", {"name": stored.metadata.kernelspec.name,
                                                                 "path": SAMPLE})
        assert status == 201, status
        patterns = get_sanitize_patterns(SANITIZE.read_text())

        def clean(texts: list[str]) -> list[str]:
            out = []
            for text in texts:
                for regex, replace in patterns:
                    text = re.sub(regex, replace, text)
                out.append(text)
            return out

        try:
            for cell in (c for c in stored.cells if c.cell_type == "code"):
                result = execute_over_websocket(server, kernel["id"], cell.source)
                assert result["status"] == "ok", result["reply"]
                if "NBVAL_IGNORE_OUTPUT" not in cell.source:
                    assert clean(plain_texts(result["outputs"])) == clean(plain_texts(cell.outputs)), cell.source
        finally:
            assert server.request("DELETE", f"/api/kernels/{kernel['id']}")[0] == 204
        status, kernels = server.request("GET", "/api/kernels")
        assert status == 200 and kernels == []
    finally:
        server.stop()
    assert server.proc.returncode is not None


# --- no secrets, no machine paths --------------------------------------------------------------------

def forbidden_strings(*extra: str) -> list[str]:
    found = [str(PROJECT_ROOT), "/tmp/", "/root/", str(Path.home()) + "/", *extra]
    return [s for s in found if s and s != "/"]


def test_stored_notebooks_hold_no_machine_path_and_no_password():
    configured = [os.environ.get("DB_PASSWORD") or ""]
    env_file = PROJECT_ROOT / ".env"
    if env_file.is_file():
        from dotenv import dotenv_values

        configured.append(dotenv_values(env_file).get("DB_PASSWORD") or "")
    for path in notebook_paths():
        text = path.read_text()
        for needle in forbidden_strings(*(p for p in configured if len(p) >= 3)):
            assert needle not in text, f"{path.name} contains {needle!r}"


def test_a_notebook_run_with_a_password_on_an_external_server_shows_neither_it_nor_paths(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    password = "pw-" + secrets.token_hex(8)
    # not under tmp_path: another pytest session on the machine resets pytest's temp root to 0700,
    # which would lock the server's own user (pgserver, when we are root) out mid-initdb
    folder = scratch_dir("nb-ext")
    server = tcp_server(folder, password)
    work = tmp_path / "work"
    work.mkdir()
    nb = nbformat.read(NOTEBOOKS / "01_bootstrap.ipynb", as_version=4)
    env = subprocess_env(DB_HOST="127.0.0.1", DB_PORT=str(server.port), DB_USER="postgres", DB_PASSWORD=password,
                         X121_MIGRATIONS_DIR=str(MIGRATIONS_DIR))
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(work)}}).execute(env=env)
    finally:
        server.destroy()
        shutil.rmtree(folder, ignore_errors=True)
    text = nbformat.writes(nb)
    assert "external PostgreSQL" in text and "postgres:********@127.0.0.1" in text  # it really ran there
    for needle in forbidden_strings(password, str(tmp_path), str(folder)):
        assert needle not in text, f"output contains {needle!r}"

"""uvicorn stopped with SIGTERM leaves no in-flight journal file behind.

uvicorn 0.29 and later shut the application down gracefully on SIGTERM, then re-raise
the signal, so the process ends without running its exit handlers. The middleware
closes the journals at the end of the lifespan shutdown, so the file is deleted all
the same. Without that, each stopped process would leave its file, and where the host
name changes between runs (a container's), no later process would collect it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get_json(url: str, deadline: float) -> dict[str, object]:
    """Return the JSON body of ``url``, retrying until the server responds or ``deadline`` passes."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body: dict[str, object] = json.loads(response.read())
                return body
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_sigterm_removes_journal_file(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")
    database = tmp_path / "app.db"
    journal_folder = tmp_path / "app.inflight"
    port = free_port()
    environment = {
        **os.environ,
        "OPSGEN_TEST_DATABASE_URL": f"sqlite:///{database}",
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "integration_uvicorn_app:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        body = get_json(f"http://127.0.0.1:{port}/notes/hello", time.monotonic() + 60)
        files_while_running = sorted(path.name for path in journal_folder.iterdir())
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)

    assert body == {"ok": True, "pid": server.pid}
    assert len(files_while_running) == 1, files_while_running
    assert files_while_running[0].split("-")[-2] == str(server.pid)
    assert "Application shutdown complete" in output, output
    assert not journal_folder.exists(), (server.returncode, sorted(path.name for path in journal_folder.iterdir()))

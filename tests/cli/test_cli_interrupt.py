"""Ctrl-C while a command is still importing what it needs ends it with one line and exit status 130.

The imports of a command take a few tenths of a second. To land the signal inside them
on a machine of any speed or load, the test puts a stand-in for a library the command
imports first on ``PYTHONPATH``. The stand-in creates a marker file and sleeps, the test
waits for the marker and then sends SIGINT, so the signal always arrives while the
command is importing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_support import OPSGEN, clean_environment

#: Body of the stand-in library: mark that the import started, then wait for the signal.
STAND_IN = """\
import pathlib
import time

pathlib.Path({marker!r}).write_text("importing")
time.sleep(120)
"""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is a POSIX signal")


def wait_for(path: Path, process: subprocess.Popen[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, f"the command ended before the import began: {process.communicate()}"
        assert time.monotonic() < deadline, f"the command did not reach the import in {timeout} s"
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("arguments", "library"),
    [(("ops", "list"), "sqlalchemy"), (("schema",), "pydantic"), (("lint", "--help"), "argparse")],
)
def test_interrupt_during_imports(tmp_path: Path, arguments: tuple[str, ...], library: str) -> None:
    stand_ins = tmp_path / "stand_ins"
    marker = tmp_path / "importing"
    (stand_ins / library).mkdir(parents=True)
    (stand_ins / library / "__init__.py").write_text(STAND_IN.format(marker=str(marker)))
    path = os.pathsep.join(filter(None, [str(stand_ins), os.environ.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [OPSGEN, *arguments], cwd=tmp_path, env=clean_environment(PYTHONPATH=path),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_for(marker, process, timeout=60)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert "Traceback" not in stderr
    assert stderr == "opsgen: interrupted\n"
    assert process.returncode == 130
    assert stdout == ""

"""Run the installed ``opsgen`` command in a throwaway project folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OPSGEN = str(Path(sys.executable).with_name("opsgen"))

#: One spec, enough for ``opsgen generate`` to write a package and a scaffold.
PLACE_ORDER_SPEC = """\
name: orders.place_order
input:
  quantity: int
output:
  total: int
"""


def clean_environment(**overrides: str) -> dict[str, str]:
    """Return this process's environment without ``OPSGEN_*`` settings, plus ``overrides``."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("OPSGEN_")}
    environment["COLUMNS"] = "200"
    environment.update(overrides)
    return environment


def run_opsgen(
    folder: Path, *args: str, timeout: float = 120, **environment: str
) -> subprocess.CompletedProcess[str]:
    """Run ``opsgen ARGS`` in ``folder`` with no ``OPSGEN_*`` settings but ``environment``, for up to ``timeout`` seconds."""
    return subprocess.run(
        [OPSGEN, *args], cwd=folder, env=clean_environment(**environment), capture_output=True, text=True,
        timeout=timeout,
    )


def files_below(folder: Path) -> set[str]:
    """Return the paths of every file and folder below ``folder``, relative to it."""
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*")}

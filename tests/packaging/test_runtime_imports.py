"""Applications that run operations import neither the generator nor the linter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import opsgen.runtime.pipeline, opsgen.runtime.handle, opsgen.runtime.runtime
import opsgen.runtime.log_context, opsgen.runtime.outbox, opsgen.runtime.locks
import opsgen.audit.hook
heavy = sorted(
    name for name in sys.modules
    if name.split(".")[0] in ("jinja2", "libcst", "flake8")
    or name.startswith(("opsgen.spec", "opsgen.codegen", "opsgen.lint"))
)
print(",".join(heavy))
"""


def test_runtime_imports_stay_light() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert completed.stdout.strip() == ""

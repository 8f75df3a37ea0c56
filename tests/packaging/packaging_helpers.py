"""Shared steps of the packaging tests, which run opsgen from a fresh virtualenv."""

from __future__ import annotations

import subprocess
from pathlib import Path

#: A module that sends an HTTP request inside a Django transaction, which OPS101 reports.
REQUEST_IN_TRANSACTION = (
    "import requests\nfrom django.db import transaction\n\n"
    "def pay():\n    with transaction.atomic():\n        requests.post('https://pay.invalid/charge')\n"
)


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``command`` and return it; fail the test with the end of its output when it exits non-zero."""
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, f"{command} failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}"
    return completed

"""Generated models take only finite numbers, as JSON and the execution log can hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from codegen_helpers import make_project, run_opsgen

SPEC = """\
name: lab.record_reading
input:
  value: float
  amount: decimal
output:
  scaled: float
"""

CHECK = """\
import math, sys
from decimal import Decimal
from pydantic import ValidationError
from app.generated.lab.record_reading import RecordReadingInput, RecordReadingOutput

RecordReadingInput(value=1.5, amount=Decimal("2.50"))
rejected = []
for build in (
    lambda: RecordReadingInput(value=math.inf, amount=Decimal("1")),
    lambda: RecordReadingInput(value=math.nan, amount=Decimal("1")),
    lambda: RecordReadingInput(value=1.0, amount=Decimal("Infinity")),
    lambda: RecordReadingOutput(scaled=-math.inf),
):
    try:
        build()
    except ValidationError as error:
        rejected.append(error.errors()[0]["type"])
print(",".join(rejected))
"""


def test_generated_models_reject_infinity_and_nan(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", specs=None)
    (root / "specs" / "lab").mkdir()
    (root / "specs" / "lab" / "record_reading.yaml").write_text(SPEC, encoding="utf-8")
    generated = run_opsgen(root, "generate")
    assert generated.returncode == 0, generated.stderr
    check = subprocess.run([sys.executable, "-c", CHECK], cwd=root, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip().split(",") == ["finite_number", "finite_number", "finite_number", "finite_number"]

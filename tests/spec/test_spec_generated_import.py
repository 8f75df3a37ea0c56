"""End to end: hostile spec text survives generation as data, and importing runs none of it.

The spec below passes the loader because every hostile string sits where specs hold data
(descriptions, messages, defaults, patterns, enum values). The test generates a package
from it in a fresh project, imports the generated and scaffolded modules in a new
interpreter, and checks that no payload ran and every string arrived unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from opsgen.spec.loader import load_specs

SENTINEL = "PWNED"

SPEC = r"""
name: billing.pay
description: "\"\"\"; import os; os.system('touch PWNED'); \"\"\""
input:
  note:
    type: str
    description: "'''\nimport os; os.system('touch PWNED')\n'''"
    default: "\\'); __import__('os').system('touch PWNED'); ('"
    pattern: "^[^'\"]*'?\"?.*$"
  kind_of:
    enum: [plain, "\"); __import__('os').system('touch PWNED'); (\""]
    default: plain
errors:
  failed:
    message: "{__import__('os').system('touch PWNED')} \u202e \x1b[31m"
side_effects:
  notify:
    kind: email
    description: "\n# coding: rot13\nimport os; os.system('touch PWNED')"
    payload:
      to: str
"""

PYPROJECT = """\
[project]
name = "hostile"
version = "0"

[tool.opsgen]
specs = "specs"
package = "app/generated"
implementations = "app/impl"
"""

PROBE = """
import json
import app.generated.billing.pay as pay
import app.generated.registry
import app.impl.billing.pay
print(json.dumps({
    "description": pay.DECLARATION.description,
    "message": pay.DECLARATION.errors[0].message,
    "default": pay.PayInput.model_fields["note"].default,
}))
"""


def test_hostile_strings_do_not_run_on_import(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("", encoding="utf-8")
    specs = tmp_path / "specs" / "billing"
    specs.mkdir(parents=True)
    (specs / "pay.yaml").write_text(SPEC.lstrip("\n"), encoding="utf-8")
    expected = load_specs(tmp_path / "specs").operations[0]
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    opsgen = [sys.executable, "-m", "opsgen.cli.main"]

    generated = subprocess.run([*opsgen, "generate", "-q"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert generated.returncode == 0, generated.stderr
    imported = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

    assert imported.returncode == 0, imported.stderr
    assert not (tmp_path / SENTINEL).exists()
    values = json.loads(imported.stdout)
    assert values["description"] == expected.spec.description
    assert values["message"] == expected.errors[0].message
    assert values["default"] == expected.inputs[0].default

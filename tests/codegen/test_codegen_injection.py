"""Spec text reaches generated code only as escaped literals, and importing runs nothing."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

from codegen_helpers import make_project, run_opsgen

DESCRIPTION = 'Ends the docstring """ early; \'\'\' too \\ and\n    import os\n{{ 7 * 7 }}'
DEFAULT = "quote \" and ' and\nnewline \\ backslash {{ config }} {% raw %}"
MESSAGE = "'); import os; os.system('x')#"
LOCK_KEY = "order:{order_id}\"); import os #{{ }}"
FIELD_DESCRIPTION = "\n# a comment\nimport os\nos.system('x')"

SPEC = {
    "name": "shop.tricky",
    "description": DESCRIPTION,
    "input": {
        "order_id": "uuid",
        "note": {"type": "str", "default": DEFAULT, "description": FIELD_DESCRIPTION},
        "pattern_field": {"type": "str", "pattern": "^[a-z]+\"'\\\\$", "optional": True},
    },
    "output": {"ok": "bool"},
    "errors": {"bad_thing": {"message": MESSAGE}},
    "locks": [{"key": LOCK_KEY}],
    "side_effects": {"notify": {"kind": "custom", "description": '"""); import os #', "payload": {"text": "str"}}},
}

TYPES = {
    "kind": "types",
    "types": {"Label": {"type": "str", "description": '""" + __import__("os").system("x") + """'}},
}

PROBE = textwrap.dedent(
    """
    import json, sys
    events = []
    def hook(event, args):
        if event in {"os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn"}:
            events.append(event)
    sys.addaudithook(hook)
    import app.generated
    from app.generated.shop import tricky
    from app.generated import registry, shared_types
    declaration = tricky.DECLARATION
    print(json.dumps({
        "events": events,
        "description": declaration.description,
        "message": declaration.errors[0].message,
        "lock": declaration.locks[0].key,
        "default": tricky.TrickyInput.model_fields["note"].default,
        "field_description": tricky.TrickyInput.model_fields["note"].description,
        "doc": tricky.TrickyBase.__doc__,
        "label_doc": shared_types.__doc__,
    }))
    """
)


def build(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "project", specs=None)
    (root / "specs" / "shop").mkdir()
    (root / "specs" / "shop" / "tricky.yaml").write_text(yaml.safe_dump(SPEC))
    (root / "specs" / "types.yaml").write_text(yaml.safe_dump(TYPES))
    process = run_opsgen(root, "generate")
    assert process.returncode == 0, process.stderr
    return root


def test_strings_round_trip_as_literals(tmp_path: Path) -> None:
    root = build(tmp_path)

    process = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=root, capture_output=True, text=True, timeout=60
    )

    assert process.returncode == 0, process.stderr
    values = json.loads(process.stdout)
    assert values["events"] == []
    assert values["description"] == DESCRIPTION
    assert values["message"] == MESSAGE
    assert values["lock"] == LOCK_KEY
    assert values["default"] == DEFAULT
    assert values["field_description"] == FIELD_DESCRIPTION
    assert values["doc"].strip() == DESCRIPTION.strip()


def test_generated_code_imports_no_os(tmp_path: Path) -> None:
    root = build(tmp_path)

    for path in sorted((root / "app").rglob("*.py*")):
        tree = ast.parse(path.read_text(), str(path))
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
        } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert "os" not in imported, path
        calls = {
            node.func.attr for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        }
        assert "system" not in calls, path


def test_module_level_code_only_defines(tmp_path: Path) -> None:
    root = build(tmp_path)
    allowed = (ast.ImportFrom, ast.ClassDef, ast.Assign, ast.AnnAssign, ast.Expr, ast.FunctionDef)

    for path in sorted((root / "app" / "generated").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.If):
                # Only `if TYPE_CHECKING:` with imports, which never runs.
                assert isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING", f"{path}:{node.lineno}"
                assert not node.orelse and all(isinstance(child, ast.ImportFrom) for child in node.body), path
                continue
            assert isinstance(node, allowed), f"{path}:{node.lineno}: {ast.dump(node)[:80]}"
            if isinstance(node, ast.Expr):
                assert isinstance(node.value, ast.Constant), f"{path}:{node.lineno}: a bare expression"

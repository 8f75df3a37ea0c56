"""The published JSON Schema: committed copy, command output, and what it accepts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from opsgen.cli.main import main
from opsgen.spec.schema import COMMITTED_SCHEMA, render_schema, spec_json_schema
from opsgen.spec.yamlsafe import parse_document

REPOSITORY = Path(__file__).resolve().parents[2]


def test_committed_schema_is_current() -> None:
    committed = COMMITTED_SCHEMA.read_text(encoding="utf-8")

    assert committed == render_schema(), (
        "opsgen/spec/spec.schema.json is out of date with opsgen/spec/model.py; refresh it with "
        "`opsgen schema --output opsgen/spec/spec.schema.json`"
    )


def test_schema_output_is_deterministic() -> None:
    assert render_schema() == render_schema()
    assert render_schema().endswith("}\n")


def test_schema_is_valid_draft_2020_12() -> None:
    schema = spec_json_schema()

    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["title"] == "opsgen spec"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_descriptions_for_editors() -> None:
    definitions = spec_json_schema()["$defs"]
    operation = definitions["OperationSpec"]["properties"]

    for key in ("name", "input", "transaction", "locks", "singleton", "side_effects", "progress", "audit"):
        assert operation[key].get("description"), key
    assert definitions["FieldSpec"]["properties"]["sensitive"]["description"]


def test_cli_prints_schema(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["schema"])

    assert status == 0
    assert json.loads(capsys.readouterr().out) == spec_json_schema()


def test_cli_writes_schema_file(tmp_path: Path) -> None:
    target = tmp_path / "editor" / "spec.schema.json"

    status = main(["schema", "--output", str(target)])

    assert status == 0
    assert target.read_text(encoding="utf-8") == render_schema()


def test_cli_reports_unwritable_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")

    status = main(["schema", "--output", str(blocker / "schema.json")])

    assert status == 1
    assert "cannot write" in capsys.readouterr().err


def test_cli_entry_point_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "opsgen.cli.main", "schema"], capture_output=True, text=True, check=True, timeout=60
    )

    assert json.loads(result.stdout)["title"] == "opsgen spec"


@pytest.mark.parametrize("spec_file", sorted((REPOSITORY / "specs").rglob("*.yaml")), ids=lambda p: p.name)
def test_example_specs_match_schema(spec_file: Path) -> None:
    document = parse_document(spec_file.read_text(encoding="utf-8"))

    jsonschema.validate(document.data, spec_json_schema())


def test_schema_rejects_misspelt_key() -> None:
    document = {"name": "billing.pay", "input": {"amount": {"type": "int", "minimun": 1}}}

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, spec_json_schema())


def test_schema_accepts_shorthand_and_types_file() -> None:
    jsonschema.validate({"name": "billing.pay", "input": {"amount": "decimal"}}, spec_json_schema())
    jsonschema.validate({"kind": "types", "types": {"Money": {"type": "decimal", "ge": 0}}}, spec_json_schema())

"""Generated code passes flake8 at Black's 88 columns, and layout changes no value.

The project holds the example specs plus specs written to strain the layout. They have
long descriptions with quotes, backslashes, non-ASCII text and unbreakable URLs. They
also have long enum values, error messages, defaults, lock keys and patterns, deep
nesting, many inputs, long names, fields named like pydantic methods (which get aliases)
and two operations whose class names collide. flake8 runs on the generated package
(``.py`` and ``.pyi``) and on the implementation scaffolds with pyflakes and every
pycodestyle check; the scaffolds of the example specs must also fit flake8's default
79 columns.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml

from codegen_helpers import make_project

LONG_DOMAIN = "settlement_reporting"
LONG_OPERATION = "reconcile_reports_of_every_region"
LONG_NAME = f"{LONG_DOMAIN}.{LONG_OPERATION}"

#: flake8 with pyflakes and every pycodestyle check, ignoring any configuration file.
FLAKE8 = [sys.executable, "-m", "flake8", "--isolated", "--select", "E,W,F", "--filename", "*.py,*.pyi"]

#: Thirty plain inputs, as lines of the spec's ``input`` mapping.
MANY_INPUTS = "\n".join(f"  input_number_{number:02d}: int" for number in range(30))

HOSTILE_SPEC = rf"""
name: {LONG_NAME}
description: >-
  Reconcile the settlement reports that the payment provider sends for every region
  against the ledger and flag every difference larger than the region's tolerance, so
  that "finance" can review them before the books close; see
  https://example.invalid/a/very/long/documentation/path/that/has/no/space/anywhere/in/it/at/all
input:
  region_code_with_a_rather_long_name:
    enum: [north_america_and_the_caribbean_islands, europe_middle_east_and_africa_region, asia_pacific]
    default: north_america_and_the_caribbean_islands
    description: "Region to reconcile; a \"quoted\" word, a backslash \\ and a tab\there, then more words that make this description longer than one line."
  nested_amounts_by_account_and_currency:
    type: map[list[map[list[map[list[map[decimal]]]]]]]
    optional: true
    description: Nested amounts.
  tolerance_note:
    type: str
    default: "This default text is long enough that the keyword parameter holding it cannot fit on one line of the handle."
  reference_pattern_checked_value:
    type: str
    pattern: "^(?:[a-z0-9!#$%&'*+/=?^_`{{|}}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{{|}}~-]+)*)@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+[a-z0-9]+$"
{MANY_INPUTS}
output:
  differences_found_in_the_settlement_reports: int
  unicode_summary:
    type: str
    description: "Zusammenfassung über alle Regionen: ärger, größer, «Anführungszeichen» und ein Emoji 🎉 am Ende einer sehr langen Beschreibung, die umbrochen werden muss."
  schema:
    type: map[list[str]]
    optional: true
    description: An input whose JSON key is a pydantic method name, and whose description is long.
errors:
  settlement_report_is_missing_for_the_region:
    message: "The settlement report for the region is missing; ask the payment provider to send it again, then run the reconciliation a second time after it arrives."
    http_status: 409
    details:
      region_code_with_a_rather_long_name: str
      expected_report_identifier_from_provider: str
  ledger_closed:
    message: Ledger closed.
transaction: true
locks:
  - key: "reconciliation:{{region_code_with_a_rather_long_name}}:with-a-long-suffix-that-has-no-space-in-it-at-all"
    timeout: 5
side_effects:
  notify_finance_about_the_differences:
    kind: email
    description: Email the finance team a summary of every difference found in the reports, grouped by region and currency.
    payload:
      summary_text_of_the_differences: str
      region_code_with_a_rather_long_name: str
      update_forward_refs: str
      json: {{type: str, sensitive: true, description: A field whose JSON key is a pydantic method name and whose description is long.}}
queue: reconciliation_queue_with_a_rather_long_name
"""

#: Same operation segment as in ``billing``, so the two handle classes collide in the registry.
COLLIDING_SPEC = """
name: settlement_reporting.sync_payment_provider
description: Sync the settlement reports of the payment provider.
output:
  reports_synced: int
"""

HOSTILE_TYPES = r"""
kind: types
types:
  VeryLongEnumerationOfSettlementStatuses:
    description: A status with long values.
    enum: [waiting_for_the_payment_provider_to_send_the_report, reconciled_without_any_difference, reconciled_with_differences_to_review]
  SettlementReport:
    description: One settlement report.
    fields:
      status: VeryLongEnumerationOfSettlementStatuses
      amounts_by_currency_and_account_identifier: map[map[list[decimal]]]
      note_with_long_description:
        type: str
        description: A note whose description is long enough to need a split across two or more lines of the model.
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from opsgen.codegen.config import load_config
    from opsgen.codegen.generator import generate

    root = make_project(tmp_path_factory.mktemp("flake8") / "project")
    specs = root / "specs"
    (specs / LONG_DOMAIN).mkdir()
    (specs / LONG_DOMAIN / f"{LONG_OPERATION}.yaml").write_text(HOSTILE_SPEC, encoding="utf-8")
    (specs / LONG_DOMAIN / "sync_payment_provider.yaml").write_text(COLLIDING_SPEC, encoding="utf-8")
    (specs / "settlement_report_types_with_a_long_file_name.yaml").write_text(HOSTILE_TYPES, encoding="utf-8")
    generate(load_config(root))
    return root


#: Three long but ordinary segments, whose dotted module path alone is longer than a line.
LONG_NAMES_PATH = "settlement_reporting/regional_reconciliation"
LONG_NAMES_OPERATION = "reconcile_every_region_against_ledger"

LONG_NAMES_SPEC = f"""
name: {LONG_NAMES_PATH.replace("/", ".")}.{LONG_NAMES_OPERATION}
description: Reconcile the reports of every region against the ledger.
input:
  differences_grouped_by_region_and_currency: {{type: SettlementReportDifferenceSummary, optional: true}}
  json: {{type: SettlementReportDifferenceSummary, optional: true}}
  schema: {{type: 'list[SettlementReportDifferenceSummary]', optional: true}}
output:
  reconciled_difference_summary_for_region: SettlementReportDifferenceSummary
errors:
  settlement_report_missing_for_region:
    message: The settlement report of the region is missing.
    details:
      reconciled_difference_summary_for_region: SettlementReportDifferenceSummary
side_effects:
  notify_finance_team_about_the_differences_found:
    kind: custom
    payload:
      reconciled_difference_summary_for_region: SettlementReportDifferenceSummary
"""

LONG_NAMES_TYPES = """
kind: types
types:
  SettlementReportDifferenceSummary:
    fields:
      amount: int
      json: {type: SettlementReportDifferenceSummaryLine, optional: true}
  SettlementReportDifferenceSummaryLine:
    fields:
      amount: int
"""


@pytest.fixture(scope="module")
def long_names_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from opsgen.codegen.config import load_config
    from opsgen.codegen.generator import generate

    root = make_project(tmp_path_factory.mktemp("long_names") / "project", specs=None)
    folder = root / "specs" / LONG_NAMES_PATH
    folder.mkdir(parents=True)
    (folder / f"{LONG_NAMES_OPERATION}.yaml").write_text(LONG_NAMES_SPEC, encoding="utf-8")
    (root / "specs" / "types.yaml").write_text(LONG_NAMES_TYPES, encoding="utf-8")
    generate(load_config(root))
    return root


def forget_app_modules() -> None:
    """Drop ``app`` modules that other tests imported from their own projects."""
    for name in [module for module in sys.modules if module == "app" or module.startswith("app.")]:
        del sys.modules[name]


def run_flake8(root: Path, width: int, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FLAKE8, "--max-line-length", str(width), *arguments],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_generated_package_passes_flake8(project: Path) -> None:
    result = run_flake8(project, 88, "app/generated")
    assert result.stdout == "", f"flake8 findings in the generated package:\n{result.stdout}"
    assert result.returncode == 0, result.stderr


def test_scaffolds_pass_flake8_at_88(project: Path) -> None:
    result = run_flake8(project, 88, "app/operations")
    assert result.stdout == "", f"flake8 findings in the implementation scaffolds:\n{result.stdout}"
    assert result.returncode == 0, result.stderr


def test_example_scaffolds_pass_flake8_at_79(project: Path) -> None:
    # The long names of the hostile spec make an import line that no layout fits in 79.
    result = run_flake8(project, 79, "--exclude", f"app/operations/{LONG_DOMAIN}", "app/operations")
    assert result.stdout == "", f"flake8 findings in the implementation scaffolds:\n{result.stdout}"
    assert result.returncode == 0, result.stderr


def run_mypy(root: Path) -> subprocess.CompletedProcess[str]:
    """Run mypy on the project's ``app`` package with the project's configuration (strict, pydantic plugin)."""
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(root / ".mypy_cache"), "app"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_hostile_project_passes_mypy_strict(project: Path) -> None:
    result = run_mypy(project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_split_literals_keep_spec_values(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = yaml.safe_load(HOSTILE_SPEC)
    types = yaml.safe_load(HOSTILE_TYPES)["types"]
    monkeypatch.syspath_prepend(str(project))
    forget_app_modules()
    module = importlib.import_module(f"app.generated.{LONG_NAME}")
    shared = importlib.import_module("app.generated.shared_types")
    registry = importlib.import_module("app.generated.registry")
    declaration = module.DECLARATION
    inputs: dict[str, Any] = spec["input"]
    region = inputs["region_code_with_a_rather_long_name"]
    input_fields = module.ReconcileReportsOfEveryRegionInput.model_fields

    assert declaration.name == LONG_NAME
    assert declaration.description == spec["description"]
    assert {e.code: e.message for e in declaration.errors} == {
        code: error["message"] for code, error in spec["errors"].items()
    }
    assert declaration.locks[0].key == spec["locks"][0]["key"]
    assert declaration.queue == spec["queue"]
    assert input_fields["region_code_with_a_rather_long_name"].description == region["description"]
    assert input_fields["region_code_with_a_rather_long_name"].default == region["default"]
    assert typing.get_args(input_fields["region_code_with_a_rather_long_name"].annotation) == tuple(region["enum"])
    assert input_fields["tolerance_note"].default == inputs["tolerance_note"]["default"]
    pattern = next(m.pattern for m in input_fields["reference_pattern_checked_value"].metadata if hasattr(m, "pattern"))
    assert pattern == inputs["reference_pattern_checked_value"]["pattern"]
    output_fields = module.ReconcileReportsOfEveryRegionOutput.model_fields
    assert output_fields["unicode_summary"].description == spec["output"]["unicode_summary"]["description"]
    assert typing.get_args(shared.VeryLongEnumerationOfSettlementStatuses) == tuple(
        types["VeryLongEnumerationOfSettlementStatuses"]["enum"]
    )
    note = shared.SettlementReport.model_fields["note_with_long_description"]
    assert note.description == types["SettlementReport"]["fields"]["note_with_long_description"]["description"]
    missing = spec["errors"]["settlement_report_is_missing_for_the_region"]
    assert registry.Operations.declared_errors["settlement_report_is_missing_for_the_region"] == (409, missing["message"])
    forget_app_modules()
    failure = module.ReconcileReportsOfEveryRegionErrors().settlement_report_is_missing_for_the_region(
        region_code_with_a_rather_long_name="x", expected_report_identifier_from_provider="y"
    )
    assert failure.message == missing["message"]


def test_scaffold_message_is_one_string(project: Path) -> None:
    path = f"app/operations/{LONG_DOMAIN}/{LONG_OPERATION}.py"
    tree = ast.parse((project / path).read_text(encoding="utf-8"))
    raised = [node for node in ast.walk(tree) if isinstance(node, ast.Raise)]
    assert len(raised) == 1
    call = raised[0].exc
    assert isinstance(call, ast.Call) and isinstance(call.args[0], ast.Constant)
    expected = f"implement ReconcileReportsOfEveryRegion.run in {path} (spec specs/{LONG_DOMAIN}/{LONG_OPERATION}.yaml)"
    assert call.args[0].value == expected


@pytest.mark.parametrize(("width", "folder"), [(88, "app/generated"), (88, "app/operations"), (79, "app/operations")])
def test_long_names_pass_flake8(long_names_project: Path, width: int, folder: str) -> None:
    result = run_flake8(long_names_project, width, folder)

    assert result.stdout == "", f"flake8 findings at {width} columns:\n{result.stdout}"
    assert result.returncode == 0, result.stderr


def test_long_names_wrap_annotations(long_names_project: Path) -> None:
    relative = f"{LONG_NAMES_PATH}/{LONG_NAMES_OPERATION}"
    module = (long_names_project / "app" / "generated" / f"{relative}.py").read_text(encoding="utf-8")
    scaffold = (long_names_project / "app" / "operations" / f"{relative}.py").read_text(encoding="utf-8")
    texts = [path.read_text(encoding="utf-8") for path in (long_names_project / "app").rglob("*.py*")]
    marked = [line for text in texts for line in text.splitlines() if line.endswith("# noqa: E501")]

    assert (
        "    differences_grouped_by_region_and_currency: (\n"
        "        SettlementReportDifferenceSummary | None\n"
        "    ) = Field(default=None)\n"
    ) in module
    assert "        differences_grouped_by_region_and_currency: (\n" in scaffold
    # Only lines that no split can shorten are marked: imports of the long module path,
    # the effect's payload class, whose name alone fills the line, and the operation's
    # name as a key of the registry's declared_effects.
    registry_key = f'        "{LONG_NAMES_PATH.replace("/", ".")}.{LONG_NAMES_OPERATION}": ('
    assert marked
    for line in marked:
        assert (
            "reconcile_every_region_against_ledger import (" in line
            or "FoundPayload(" in line
            or line.startswith(registry_key)
        ), line


def test_long_names_pass_mypy_strict(long_names_project: Path) -> None:
    result = run_mypy(long_names_project)

    assert result.returncode == 0, result.stdout + result.stderr

"""The interface rules (OPS3xx) on the lint cases and on service layers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lint_cases import Case, cases_of, kind_of, lint_case

from opsgen.lint.config import load_config
from opsgen.lint.engine import check_module, lint_paths
from opsgen.lint.examples import lint_example
from opsgen.lint.index import ProjectIndex
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

SERVICE_CASES = cases_of({"non-uniform-interface"})
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("case", SERVICE_CASES, ids=[c.path.name for c in SERVICE_CASES])
def test_service_case(case: Case, tmp_path: Path) -> None:
    findings = lint_case(case, tmp_path)
    if case.kind == "none":
        assert [f"{f.line}: {f.message}" for f in findings] == []
        return
    assert case.lines, f"{case.path.name} marks no expect-line"
    for line in case.lines:
        kinds = {kind_of(f.code) for f in findings if f.line == line}
        assert "non-uniform-interface" in kinds, f"{case.path.name}:{line}: no interface finding; got {findings}"


def test_case21_codes_per_line(tmp_path: Path) -> None:
    case = next(c for c in SERVICE_CASES if c.path.name == "case21_mixed_service_entrypoints.py")
    codes = {(f.line, f.code) for f in lint_case(case, tmp_path)}
    assert (9, "OPS302") in codes
    assert (15, "OPS303") in codes
    assert (19, "OPS304") in codes


def _lint(code: str, example: Example, tmp_path: Path) -> list[Finding]:
    return lint_example(example, [rule for rule in load_rules() if rule.code == code], tmp_path)


SERVICES_CONFIG = {"service-packages": ["shop.services"]}
PACKAGE_FILES = {"shop/__init__.py": "", "shop/services/__init__.py": ""}


def test_service_package_class_and_function(tmp_path: Path) -> None:
    source = "class Refund:\n    def execute(self):\n        return 1\n\ndef refund():\n    return 1\n"
    example = Example(source, path="shop/services/refund.py", config=SERVICES_CONFIG, files=PACKAGE_FILES)
    assert [f.line for f in _lint("OPS301", example, tmp_path / "a")] == [1]
    assert [f.line for f in _lint("OPS304", example, tmp_path / "b")] == [5]


def test_service_package_skips_data_classes(tmp_path: Path) -> None:
    source = (
        "import enum\n"
        "from pydantic import BaseModel\n\n"
        "class Status(enum.Enum):\n    OPEN = 1\n\n"
        "class RefundInput(BaseModel):\n    amount: int\n\n"
        "class RefundFailed(Exception):\n    def describe(self):\n        return 'no'\n"
    )
    example = Example(source, path="shop/services/refund.py", config=SERVICES_CONFIG, files=PACKAGE_FILES)
    assert _lint("OPS301", example, tmp_path) == []


def test_service_package_glob_pattern(tmp_path: Path) -> None:
    files = {"shop/__init__.py": "", "shop/orders/__init__.py": ""}
    example = Example("def refund():\n    return 1\n", path="shop/orders/services.py", config={"service-packages": ["*.services"]}, files=files)
    assert [f.line for f in _lint("OPS304", example, tmp_path)] == [1]


def test_operation_through_spec_base(tmp_path: Path) -> None:
    """A base class named after a spec marks an operation even when its module is not linted."""
    spec = "name: billing.credit_account\ntransaction: true\n"
    source = (
        "from generated.billing.credit_account import CreditAccountBase\n\n"
        "class CreditAccount(CreditAccountBase):\n"
        "    def run(self, ctx, *, account_id):\n"
        "        return None\n\n"
        "def credit(ctx, account_id):\n"
        "    return CreditAccount().run(ctx, account_id=account_id)\n"
    )
    (tmp_path / "pyproject.toml").write_text('[tool.opsgen]\nspecs = "specs"\n')
    (tmp_path / "specs" / "billing").mkdir(parents=True)
    (tmp_path / "specs" / "billing" / "credit_account.yaml").write_text(spec)
    (tmp_path / "app.py").write_text(source)
    index = ProjectIndex.build(load_config(tmp_path), [tmp_path], use_cache=False)
    rules = [rule for rule in load_rules() if rule.code == "OPS307"]
    findings = check_module(index, index.modules[str((tmp_path / "app.py").resolve())], rules)
    assert [f.line for f in findings] == [8]
    assert "billing.credit_account" in findings[0].message


def test_task_called_from_test_file_is_fine(tmp_path: Path) -> None:
    files = {"shop/__init__.py": "", "shop/tasks.py": "from celery import shared_task\n\n@shared_task\ndef ping():\n    pass\n"}
    example = Example("from shop.tasks import ping\n\ndef test_ping():\n    ping()\n", path="shop/ping_test.py", files=files)
    assert _lint("OPS306", example, tmp_path) == []


def test_generated_package_is_not_a_service_layer(tmp_path: Path) -> None:
    """Handles and base classes that `opsgen generate` writes follow their own contract."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "examples", project / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "specs", project / "specs")
    (project / "pyproject.toml").write_text(
        '[tool.opsgen]\nspecs = "specs"\n\n[tool.opsgen.lint]\nservice-packages = ["examples.billing.generated", "examples.billing.operations"]\n'
    )
    result = lint_paths([project / "examples"], use_cache=False)
    assert [f"{f.path}:{f.line} {f.message}" for f in result.findings if f.code.startswith("OPS3")] == []


def _line(source: str, fragment: str) -> int:
    """Return the 1-based number of the first line of ``source`` that contains ``fragment``."""
    return next(number for number, text in enumerate(source.splitlines(), start=1) if fragment in text)


TEMPLATE_BASE = (
    "class BaseService:\n"
    "    def __call__(self, *args):\n"
    "        self.validate(*args)\n"
    "        return self.perform(*args)\n\n"
    "    def validate(self, *args):\n"
    "        return None\n\n"
    "    def perform(self, *args):\n"
    "        raise NotImplementedError\n\n"
    "class CreateTag(BaseService):\n"
    "    def perform(self, name):\n"
    "        return name\n\n"
)


def test_template_base_override_reported(tmp_path: Path) -> None:
    sibling = "class DeleteTag(BaseService):\n    def perform(self, tag):\n        return tag\n"
    assert _lint("OPS303", Example(TEMPLATE_BASE + sibling), tmp_path / "a") == []
    override = "class MergeTags(BaseService):\n    def __call__(self, source, target):\n        return target\n"
    findings = _lint("OPS303", Example(TEMPLATE_BASE + override), tmp_path / "b")
    assert [f.line for f in findings] == [_line(TEMPLATE_BASE + override, "def __call__(self, source")]
    assert "MergeTags.__call__()" in findings[0].message


def test_call_doing_own_work_is_entry(tmp_path: Path) -> None:
    source = (
        "class PayOrder:\n"
        "    def __call__(self, order):\n"
        "        order.paid = True\n"
        "        return self.notify(order)\n\n"
        "    def notify(self, order):\n"
        "        return order\n\n"
        "class RefundOrder:\n"
        "    def __call__(self, order):\n"
        "        return order\n"
    )
    assert _lint("OPS303", Example(source), tmp_path) == []


def test_repeated_sole_method_is_module_verb(tmp_path: Path) -> None:
    source = (
        "class SendWelcome:\n"
        "    def __init__(self, user):\n"
        "        self.user = user\n\n"
        "    def send(self):\n"
        "        return self.user\n\n"
        "class SendReset:\n"
        "    def __init__(self, user):\n"
        "        self.user = user\n\n"
        "    def send(self):\n"
        "        return self.user\n\n"
        "class SendInvoice:\n"
        "    @staticmethod\n"
        "    def send(invoice):\n"
        "        return invoice\n"
    )
    assert [f.line for f in _lint("OPS308", Example(source), tmp_path / "a")] == [_line(source, "def send(invoice)")]



def test_override_in_subclass_is_no_module_verb(tmp_path: Path) -> None:
    source = (
        "class BaseRenderer:\n"
        "    def __init__(self, event):\n"
        "        self.event = event\n\n"
        "    def generate(self, invoice):\n"
        "        return invoice\n\n"
        "class PdfRenderer(BaseRenderer):\n"
        "    def generate(self, invoice):\n"
        "        return invoice\n\n"
        "class ClassicRenderer(PdfRenderer):\n"
        "    def canvas_class(self):\n"
        "        return None\n"
    )
    assert _lint("OPS303", Example(source), tmp_path / "a") == []
    assert _lint("OPS308", Example(source), tmp_path / "b") == []


def test_command_object_beside_services(tmp_path: Path) -> None:
    services = (
        "class QuoteOrder:\n"
        "    def __init__(self, order):\n"
        "        self.order = order\n\n"
        "    def execute(self):\n"
        "        return self.order\n\n"
        "class ShipOrder:\n"
        "    def __init__(self, order):\n"
        "        self.order = order\n\n"
        "    def execute(self):\n"
        "        return self.order\n\n"
    )
    command = "class ApplyDiscount:\n    def __init__(self, quote):\n        self.quote = quote\n\n    def calculate(self):\n        return self.quote\n"
    assert [f.line for f in _lint("OPS303", Example(services + command), tmp_path / "a")] == [_line(services + command, "def calculate")]
    helper = command.replace("def calculate(self):", "def calculate(self, amount):")
    assert _lint("OPS303", Example(services + helper), tmp_path / "b") == []
    accessor = command.replace("calculate", "to_dict")
    assert _lint("OPS303", Example(services + accessor), tmp_path / "c") == []


def test_response_shape_differs(tmp_path: Path) -> None:
    source = (
        "from django.http import JsonResponse\n\n"
        "class Publish:\n"
        "    def execute(self):\n"
        "        return self.post\n\n"
        "class Unpublish:\n"
        "    def execute(self):\n"
        "        return self.post\n\n"
        "class Schedule:\n"
        "    def execute(self):\n"
        "        return JsonResponse({'id': self.post.pk})\n"
    )
    findings = _lint("OPS309", Example(source), tmp_path)
    assert [f.line for f in findings] == [_line(source, "class Schedule") + 1]
    assert "an HTTP response" in findings[0].message


REQUEST_SERVICES = (
    "class Rename:\n"
    "    def __init__(self, project, name):\n"
    "        self.project = project\n\n"
    "    def execute(self):\n"
    "        return self.project\n\n"
    "class Create:\n"
    "    def __init__(self, owner, name):\n"
    "        self.owner = owner\n\n"
    "    def execute(self):\n"
    "        return self.owner\n\n"
)


def test_service_taking_request(tmp_path: Path) -> None:
    taker = "class Archive:\n    def __init__(self, request):\n        self.request = request\n\n    def execute(self):\n        return self.request\n"
    assert [f.line for f in _lint("OPS310", Example(REQUEST_SERVICES + taker), tmp_path / "a")] == [_line(REQUEST_SERVICES + taker, "(self, request)")]
    middleware = taker.replace("class Archive:", "class ArchiveMiddleware:")
    assert _lint("OPS310", Example(REQUEST_SERVICES + middleware), tmp_path / "b") == []
    alone = REQUEST_SERVICES.split("class Create:")[0] + taker
    assert _lint("OPS310", Example(alone), tmp_path / "c") == []


def test_uncalled_function_changing_argument(tmp_path: Path) -> None:
    grade = "def grade(enrollment, points):\n    enrollment.grade = points\n    return enrollment\n"
    assert [f.line for f in _lint("OPS304", Example(REQUEST_SERVICES + grade), tmp_path / "a")] == [_line(REQUEST_SERVICES + grade, "def grade")]
    plumbing = "def attach_user(request, user):\n    request.cached_user = user\n"
    assert _lint("OPS304", Example(REQUEST_SERVICES + plumbing), tmp_path / "b") == []
    pure = "def letter(points):\n    return 'A' if points > 90 else 'B'\n"
    assert _lint("OPS304", Example(REQUEST_SERVICES + pure), tmp_path / "c") == []

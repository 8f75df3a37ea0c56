"""OPS309 on errors returned instead of raised, and on plain dictionaries beside typed models."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding


def _findings(example: Example | str, tmp_path: Path) -> list[Finding]:
    example = Example(example) if isinstance(example, str) else example
    return lint_example(example, [rule for rule in load_rules() if rule.code == "OPS309"], tmp_path)


def _lines(example: Example | str, tmp_path: Path) -> list[int]:
    return [finding.line for finding in _findings(example, tmp_path)]


RAISING_NEIGHBOURS = (
    "class Deposit:\n"
    "    def execute(self):\n"
    "        if self.amount <= 0:\n"
    "            raise ValueError(self.amount)\n"
    "        return self.account.balance + self.amount\n\n"
    "class Freeze:\n"
    "    def execute(self):\n"
    "        if self.account.frozen:\n"
    "            raise ValueError('frozen')\n"
    "        return self.account.balance\n\n"
)


def test_error_message_among_raising_services(tmp_path: Path) -> None:
    source = RAISING_NEIGHBOURS + (
        "class Withdraw:\n"
        "    def execute(self):\n"
        "        if self.account.balance < self.amount:\n"
        "            return f'insufficient funds on {self.account.pk}'\n"
        "        return self.account.balance - self.amount\n"
    )
    findings = _findings(source, tmp_path)
    assert [f.line for f in findings] == [14]
    assert "error message string" in findings[0].message


def test_error_message_without_raising_neighbours_silent(tmp_path: Path) -> None:
    quiet = RAISING_NEIGHBOURS.replace("raise ValueError(self.amount)", "return 0").replace("raise ValueError('frozen')", "return 0")
    source = quiet + (
        "class Withdraw:\n"
        "    def execute(self):\n"
        "        if self.account.balance < self.amount:\n"
        "            return 'insufficient funds'\n"
        "        return self.account.balance - self.amount\n"
    )
    assert _lines(source, tmp_path / "a") == []
    every_result_text = RAISING_NEIGHBOURS + (
        "class Describe:\n"
        "    def execute(self):\n"
        "        if self.account.frozen:\n"
        "            return 'frozen account'\n"
        "        return f'account {self.account.pk}'\n"
    )
    assert _lines(every_result_text, tmp_path / "b") == []


def test_caught_exception_returned(tmp_path: Path) -> None:
    source = RAISING_NEIGHBOURS + (
        "class Close:\n"
        "    def execute(self):\n"
        "        try:\n"
        "            return self.gateway.close(self.account)\n"
        "        except GatewayError as error:\n"
        "            return {text}\n"
    )
    for index, text in enumerate(("error", "str(error)", "error.args[0]", "f'close failed: {error}'")):
        findings = _findings(source.format(text=text), tmp_path / str(index))
        assert [f.line for f in findings] == [14], text
        assert "caught exception" in findings[0].message
    handled = source.format(text="self.fallback(error)")
    assert _lines(handled, tmp_path / "handled") == []


MODELS = (
    "from pydantic import BaseModel\n\n"
    "class MemberOut(BaseModel):\n"
    "    id: int\n\n"
    "class CreateMember:\n"
    "    def execute(self, email: str) -> MemberOut:\n"
    "        return MemberOut(id=self.repository.insert(email).id)\n\n"
    "class RenameMember:\n"
    "    def execute(self, member_id: int) -> MemberOut:\n"
    "        return MemberOut.model_validate(self.repository.get(member_id))\n\n"
    "class FetchMember:\n"
    "    def execute(self, member_id: int){annotation}:\n"
    "        row = self.repository.get(member_id)\n"
    "        return {{'id': row.id}}\n"
)


def test_plain_dict_among_typed_models(tmp_path: Path) -> None:
    for index, annotation in enumerate((" -> dict", " -> dict[str, int]", "")):
        findings = _findings(MODELS.format(annotation=annotation), tmp_path / str(index))
        assert [f.line for f in findings] == [15], annotation
        assert "a typed model (MemberOut)" in findings[0].message


def test_plain_dict_beside_module_model(tmp_path: Path) -> None:
    source = (
        "from dataclasses import dataclass\n\n"
        "@dataclass\n"
        "class Member:\n"
        "    id: int\n\n"
        "class CreateMember:\n"
        "    def execute(self, email: str) -> Member:\n"
        "        return self.repository.insert(email)\n\n"
        "class RenameMember:\n"
        "    def execute(self, member_id: int) -> Member:\n"
        "        return self.repository.rename(member_id)\n\n"
        "class FetchMember:\n"
        "    def execute(self, member_id: int) -> dict:\n"
        "        return self.repository.get(member_id).__dict__\n"
    )
    assert _lines(source, tmp_path) == [16]


def test_typed_dict_results_silent(tmp_path: Path) -> None:
    typed_dict = MODELS.format(annotation=" -> dict").replace("(BaseModel)", "(TypedDict)")
    assert _lines(typed_dict, tmp_path / "a") == []
    one_model = MODELS.format(annotation=" -> dict").replace(" -> MemberOut:\n        return MemberOut.model_validate", ":\n        return load")
    assert _lines(one_model, tmp_path / "b") == []


def test_service_functions_dict_among_models(tmp_path: Path) -> None:
    source = (
        "def create_member(email: str) -> MemberOut:\n"
        "    return MemberOut(id=insert(email).id)\n\n"
        "def rename_member(member_id: int) -> MemberOut:\n"
        "    return MemberOut(id=member_id)\n\n"
        "def fetch_member(member_id: int) -> dict:\n"
        "    return {'id': member_id}\n"
    )
    example = Example(source, path="members/services.py", files={"members/__init__.py": ""})
    assert _lines(example, tmp_path) == [7]


ACCOUNT_SERVICE = (
    "class AccountService:\n"
    "    def deposit(self, account, amount):\n"
    "        if amount <= 0:\n"
    "            raise ValueError(amount)\n"
    "        account.balance += amount\n\n"
    "    def freeze(self, account):\n"
    "        if account.frozen:\n"
    "            raise ValueError('already frozen')\n"
    "        account.frozen = True\n\n"
    "    def close(self, account):\n"
    "        try:\n"
    "            return self.gateway.close(account)\n"
    "        except GatewayError as error:\n"
    "            return {result}\n"
)


def test_service_class_method_returns_error(tmp_path: Path) -> None:
    findings = _findings(ACCOUNT_SERVICE.format(result="error"), tmp_path / "a")
    assert [f.line for f in findings] == [12]
    assert "the class's other methods raise" in findings[0].message
    finder = ACCOUNT_SERVICE.format(result="None")
    assert _lines(finder, tmp_path / "b") == []
    not_a_service = ACCOUNT_SERVICE.format(result="error").replace("class AccountService:", "class AccountHelpers:")
    assert _lines(not_a_service, tmp_path / "c") == []

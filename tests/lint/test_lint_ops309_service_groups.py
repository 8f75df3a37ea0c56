"""OPS309 on functions that form one interface outside a services module, and on the
failure shapes found there: a dispatch table's handlers, a module that raises its own
errors, optional look-ups, logged failures, result decorators and Flask response tuples."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.config import load_config
from opsgen.lint.engine import lint_paths
from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

from tests_lint_support import write_project  # type: ignore[import-not-found]


def _findings(example: Example | str, tmp_path: Path) -> list[Finding]:
    example = Example(example) if isinstance(example, str) else example
    return lint_example(example, [rule for rule in load_rules() if rule.code == "OPS309"], tmp_path)


def _lines(example: Example | str, tmp_path: Path) -> list[int]:
    return [finding.line for finding in _findings(example, tmp_path)]


HANDLERS = (
    "from flask import jsonify\n"
    "from boards.errors import Rejected\n\n"
    "def open_card(board, payload):\n"  # 4
    "    if board.closed:\n"
    "        raise Rejected('closed')\n"
    "    return board.add(payload)\n\n"
    "def move_card(board, payload):\n"  # 9
    "    if payload['to'] not in board.columns:\n"
    "        raise Rejected('no such column')\n"
    "    return board.move(payload)\n\n"
    "def archive(board, payload):\n"  # 14
    "    if board.open_cards:\n"
    "        {failure}\n"
    "    board.archived = True\n"
    "    return board\n\n"
    "{table}"
)
TABLE = "COMMANDS = {'open': open_card, 'move': move_card, 'archive': archive}\n"


def test_dispatch_table_response_tuple(tmp_path: Path) -> None:
    source = HANDLERS.format(failure="return jsonify(error='open cards'), 409", table=TABLE)
    findings = _findings(source, tmp_path)
    assert [f.line for f in findings] == [14]
    assert "HTTP response on some paths" in findings[0].message
    assert "other functions of COMMANDS" in findings[0].message


def test_functions_outside_table_silent(tmp_path: Path) -> None:
    source = HANDLERS.format(failure="return jsonify(error='open cards'), 409", table="")
    assert _lines(source, tmp_path) == []


def test_dispatch_table_all_raise_silent(tmp_path: Path) -> None:
    source = HANDLERS.format(failure="raise Rejected('open cards')", table=TABLE)
    assert _lines(source, tmp_path) == []


OWN_ERRORS = (
    "class NotFound(Exception):\n"
    "    pass\n\n"
    "class UserNotFound(NotFound):\n"
    "    pass\n\n"
    "def get_user(pk):\n"  # 7
    "    try:\n"
    "        return User.objects.get(pk=pk)\n"
    "    except User.DoesNotExist:\n"
    "        raise UserNotFound(pk) from None\n\n"
    "def get_team(pk):\n"  # 13
    "    team = Team.objects.filter(pk=pk).first()\n"
    "    if team is None:\n"
    "        raise NotFound(pk)\n"
    "    return team\n\n"
    "{function}"  # 19
)


def test_lookup_returning_none_among_raisers(tmp_path: Path) -> None:
    function = "def get_invitation(token):\n    return Invitation.objects.filter(token=token).first()\n"
    findings = _findings(OWN_ERRORS.format(function=function), tmp_path)
    assert [f.line for f in findings] == [19]
    assert "None when the object it looks up is missing" in findings[0].message


def test_lookup_with_other_verb_silent(tmp_path: Path) -> None:
    function = "def find_invitation(token):\n    return Invitation.objects.filter(token=token).first()\n"
    assert _lines(OWN_ERRORS.format(function=function), tmp_path) == []


def test_envelope_in_own_error_module(tmp_path: Path) -> None:
    function = (
        "def transfer(team, owner):\n"
        "    if owner is None:\n"
        "        return {'ok': False, 'error': 'no owner'}\n"
        "    team.owner = owner\n"
        "    return {'ok': True, 'team': team}\n"
    )
    assert _lines(OWN_ERRORS.format(function=function), tmp_path) == [19]


def test_route_handler_left_out(tmp_path: Path) -> None:
    # A view returns a response by design, so it is not compared with the look-ups.
    function = (
        "@router.post('/teams')\n"
        "def create_team(payload):\n"
        "    if not payload:\n"
        "        return JSONResponse({}, status_code=400)\n"
        "    return Team.objects.create(**payload)\n\n"
        "def get_invitation(token):\n"
        "    return Invitation.objects.get(token=token)\n"
    )
    assert _lines(OWN_ERRORS.format(function=function), tmp_path) == []


def test_module_of_helpers_silent(tmp_path: Path) -> None:
    # Two of six functions raise the module's error: a library of helpers, not one interface.
    helpers = "".join(f"def helper_{n}(value):\n    return value + {n}\n\n" for n in range(3))
    function = helpers + "def get_invitation(token):\n    return Invitation.objects.filter(token=token).first()\n"
    assert _lines(OWN_ERRORS.format(function=function), tmp_path) == []


ACCOUNT_SERVICE = (
    "import logging\n\n"
    "logger = logging.getLogger(__name__)\n\n"
    "class AccountService:\n"
    "    def deactivate(self, user):\n"  # 6
    "        if not user.is_active:\n"
    "            raise AccountError('inactive')\n"
    "        user.is_active = False\n"
    "        return user\n\n"
    "    def rename(self, user, name):\n"  # 12
    "        if not name:\n"
    "            raise AccountError('empty name')\n"
    "        user.name = name\n"
    "        return user\n\n"
    "    def reset_password(self, user, token, password):\n"  # 18
    "        if {test}:\n"
    "            {log}\n"
    "            return None\n"
    "        user.set_password(password)\n"
    "        return user\n"
)


def test_logged_failure_returning_none(tmp_path: Path) -> None:
    source = ACCOUNT_SERVICE.format(test="token != user.token", log="logger.warning('bad token %s', user.pk)")
    findings = _findings(source, tmp_path)
    assert [f.line for f in findings] == [18]
    assert "None when a check fails" in findings[0].message


def test_failed_verification_returning_none(tmp_path: Path) -> None:
    source = ACCOUNT_SERVICE.format(test="not tokens.check_token(user, token)", log="pass")
    assert _lines(source, tmp_path) == [18]


def test_debug_logged_guard_silent(tmp_path: Path) -> None:
    source = ACCOUNT_SERVICE.format(test="password == user.password", log="logger.debug('unchanged %s', user.pk)")
    assert _lines(source, tmp_path) == []


COMMANDS = (
    "from abc import ABC, abstractmethod\n\n"
    "class Command(ABC):\n"
    "    @abstractmethod\n"
    "    def execute(self):\n"
    "        ...\n\n"
    "class Rename(Command):\n"
    "    def execute(self):\n"
    "        if not self.name:\n"
    "            raise CommandFailed('empty name')\n"
    "        return self.folder\n\n"
    "class Share(Command):\n"
    "    def execute(self):\n"
    "        if self.user is None:\n"
    "            raise CommandFailed('no user')\n"
    "        return self.folder\n\n"
    "class Delete(Command):\n"
    "    def execute(self):\n"  # 21
    "        try:\n"
    "            self.folder.delete()\n"
    "        except ProtectedError:\n"
    "            return 'folder is not empty'\n"
    "        return {success}\n"
)


def test_message_from_except_handler(tmp_path: Path) -> None:
    findings = _findings(COMMANDS.format(success="None"), tmp_path)
    assert [f.line for f in findings] == [21]
    assert "error message string" in findings[0].message


def test_fallback_text_from_except_handler_silent(tmp_path: Path) -> None:
    # Every result is text, so the handler's string is a default, not an error message.
    assert _lines(COMMANDS.format(success="'deleted'"), tmp_path) == []


PAYMENTS = (
    "{header}\n"
    "class PaymentsService:\n"
    "    @{decorator}\n"
    "    def authorize(self, token, amount):\n"
    "        return self.gateway.authorize(token, amount)\n\n"
    "    @{decorator}\n"
    "    def capture(self, authorization_id):\n"
    "        return self.gateway.capture(authorization_id)\n\n"
    "    def refund(self, charge_id):\n"
    "        return self.gateway.refund(charge_id)\n"
)
OWN_DECORATOR = (
    "import functools\n\n"
    "def as_result(method):\n"
    "    @functools.wraps(method)\n"
    "    def wrapper(*args, **kwargs):\n"
    "        try:\n"
    "            return Ok(method(*args, **kwargs))\n"
    "        except GatewayError as exc:\n"
    "            return Err(str(exc))\n"
    "    return wrapper\n"
)


def _refund_line(source: str) -> int:
    return next(number for number, line in enumerate(source.splitlines(), start=1) if "def refund" in line)


def test_missing_own_result_decorator(tmp_path: Path) -> None:
    source = PAYMENTS.format(header=OWN_DECORATOR, decorator="as_result")
    findings = _findings(source, tmp_path)
    assert [f.line for f in findings] == [_refund_line(source)]
    assert "result object" in findings[0].message


def test_missing_library_result_decorator(tmp_path: Path) -> None:
    for header, decorator in (("from returns.result import safe\n", "safe"), ("import result\n", "result.as_result(GatewayError)")):
        folder = tmp_path / decorator.partition("(")[0]
        folder.mkdir()
        source = PAYMENTS.format(header=header, decorator=decorator)
        assert _lines(source, folder) == [_refund_line(source)]


def test_plain_decorator_silent(tmp_path: Path) -> None:
    header = (
        "import functools\n\n"
        "def logged(method):\n"
        "    @functools.wraps(method)\n"
        "    def wrapper(*args, **kwargs):\n"
        "        return method(*args, **kwargs)\n"
        "    return wrapper\n"
    )
    assert _lines(PAYMENTS.format(header=header, decorator="logged"), tmp_path) == []


def test_missing_result_decorator_from_other_module(tmp_path: Path) -> None:
    imports = (
        ("from common.results import as_result\n", "as_result"),
        ("from common import results\n", "results.as_result"),
        ("import common.results\n", "common.results.as_result"),
    )
    files = {"common/__init__.py": "", "common/results.py": OWN_DECORATOR}
    for number, (header, decorator) in enumerate(imports):
        folder = tmp_path / str(number)
        folder.mkdir()
        source = PAYMENTS.format(header=header, decorator=decorator)
        assert _lines(Example(source, files=files), folder) == [_refund_line(source)], decorator


def test_reexported_library_result_decorator(tmp_path: Path) -> None:
    files = {"common/__init__.py": "", "common/results.py": "from returns.result import safe\n"}
    source = PAYMENTS.format(header="from common.results import safe\n", decorator="safe")
    assert _lines(Example(source, files=files), tmp_path) == [_refund_line(source)]


def test_plain_decorator_from_other_module_silent(tmp_path: Path) -> None:
    logged = "def logged(method):\n    def wrapper(*args, **kwargs):\n        return method(*args, **kwargs)\n    return wrapper\n"
    files = {"common/__init__.py": "", "common/logs.py": logged}
    source = PAYMENTS.format(header="from common.logs import logged\n", decorator="logged")
    assert _lines(Example(source, files=files), tmp_path) == []


def test_warm_run_sees_decorator_module_change(tmp_path: Path) -> None:
    source = PAYMENTS.format(header="from common.results import as_result\n", decorator="as_result")
    files = {"common/__init__.py": "", "common/results.py": OWN_DECORATOR, "payments/__init__.py": "", "payments/services.py": source}
    root = write_project(tmp_path / "project", files)

    def lint(cache: bool = True) -> list[int]:
        return [f.line for f in lint_paths([root], load_config(root), use_cache=cache).findings if f.code == "OPS309"]

    assert lint() == [_refund_line(source)]

    (root / "common/results.py").write_text(OWN_DECORATOR.replace("return Ok(", "return (").replace("return Err(", "return ("))

    assert lint() == [] == lint(cache=False)

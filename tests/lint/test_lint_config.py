"""[tool.opsgen.lint] settings and what each one changes in the findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.config import ConfigError, LintConfig, config_from_mapping, load_config
from opsgen.lint.engine import lint_paths, noqa_codes
from opsgen.lint.rule import Finding

from tests_lint_support import write_project  # type: ignore[import-not-found]


def lint(root: Path) -> list[Finding]:
    return lint_paths([root], load_config(root), use_cache=False).findings


def lines_of(findings: list[Finding], code: str = "OPS101") -> list[tuple[str, int]]:
    return [(Path(f.path).name, f.line) for f in findings if f.code == code]


HELPER_IN_ATOMIC = {
    "app/__init__.py": "",
    "app/outbound.py": "def push(user_id):\n    return user_id\n",
    "app/views.py": (
        "from django.db import transaction\n"
        "from app.outbound import push\n\n"
        "def rename(user):\n"
        "    with transaction.atomic():\n"
        "        user.save()\n"
        "        push(user.pk)\n"
    ),
}


def test_side_effects_adds_a_callable(tmp_path: Path) -> None:
    plain = write_project(tmp_path / "plain", HELPER_IN_ATOMIC)
    assert lines_of(lint(plain)) == []
    configured = write_project(tmp_path / "configured", HELPER_IN_ATOMIC, "[tool.opsgen.lint]\nside-effects = ['app.outbound.push']\n")
    findings = lint(configured)
    assert lines_of(findings) == [("views.py", 7)]
    assert "configured side effect" in findings[0].message


def test_side_effects_prefix_covers_a_module(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", HELPER_IN_ATOMIC, "[tool.opsgen.lint]\nside-effects = ['app.outbound.']\n")
    assert lines_of(lint(root)) == [("views.py", 7)]


DEFERRED_HELPER = {
    "app/__init__.py": "",
    "app/db.py": "def after_commit(function):\n    return function\n",
    "app/mail.py": (
        "from django.core.mail import send_mail\n"
        "from app.db import after_commit\n\n"
        "@after_commit\n"
        "def welcome(address):\n"
        "    send_mail('Welcome', 'Hello', None, [address])\n"
    ),
    "app/views.py": (
        "from django.db import transaction\n"
        "from app.mail import welcome\n\n"
        "@transaction.atomic\n"
        "def signup(form):\n"
        "    user = form.save()\n"
        "    welcome(user.email)\n"
    ),
}


def test_deferral_wrappers(tmp_path: Path) -> None:
    plain = write_project(tmp_path / "plain", DEFERRED_HELPER)
    assert lines_of(lint(plain)) == [("views.py", 7)]
    configured = write_project(tmp_path / "configured", DEFERRED_HELPER, "[tool.opsgen.lint]\ndeferral-wrappers = ['app.db.after_commit']\n")
    assert lines_of(lint(configured)) == []


SAFE_TASK = {
    "app/__init__.py": "",
    "app/celery_base.py": "from celery import Task\n\n\nclass CommitAwareTask(Task):\n    pass\n",
    "app/tasks.py": (
        "from celery import shared_task\n"
        "from app.celery_base import CommitAwareTask\n\n"
        "@shared_task(base=CommitAwareTask)\n"
        "def index_user(user_id):\n"
        "    return user_id\n"
    ),
    "app/views.py": (
        "from django.db import transaction\n"
        "from app.tasks import index_user\n\n"
        "def rename(user):\n"
        "    with transaction.atomic():\n"
        "        user.save()\n"
        "        index_user.delay(user.pk)\n"
    ),
}


def test_safe_task_bases(tmp_path: Path) -> None:
    plain = write_project(tmp_path / "plain", SAFE_TASK)
    assert lines_of(lint(plain)) == [("views.py", 7)]
    configured = write_project(tmp_path / "configured", SAFE_TASK, "[tool.opsgen.lint]\nsafe-task-bases = ['app.celery_base.CommitAwareTask']\n")
    assert lines_of(lint(configured)) == []


VIEWS = {
    "views.py": (
        "from django.db import transaction\n"
        "from django.views import View\n"
        "from shop.tasks import notify\n\n"
        "def signup(request):\n"
        "    request.user.save()\n"
        "    notify.delay(request.user.pk)\n\n"
        "@transaction.non_atomic_requests\n"
        "def export(request):\n"
        "    notify.delay(1)\n\n"
        "class OrderView(View):\n"
        "    def post(self, request):\n"
        "        notify.delay(2)\n\n"
        "def helper(user):\n"
        "    notify.delay(3)\n"
    ),
}
SETTINGS_IN_DATABASES = 'DATABASES = {\n    "default": {\n        "ENGINE": "django.db.backends.postgresql",\n        "ATOMIC_REQUESTS": True,\n    }\n}\n'


def test_atomic_requests_detected_from_settings(tmp_path: Path) -> None:
    plain = write_project(tmp_path / "plain", VIEWS)
    assert lines_of(lint(plain)) == []
    detected = write_project(tmp_path / "detected", {**VIEWS, "config/settings.py": SETTINGS_IN_DATABASES})
    findings = lint(detected)
    assert lines_of(findings) == [("views.py", 7), ("views.py", 15)]
    assert "ATOMIC_REQUESTS" in findings[0].message


@pytest.mark.parametrize(
    "settings",
    ['DATABASES["default"]["ATOMIC_REQUESTS"] = True\n', "ATOMIC_REQUESTS = True\n", "DATABASES = {'default': dict(ENGINE='x', ATOMIC_REQUESTS=True)}\n"],
)
def test_atomic_requests_setting_forms(tmp_path: Path, settings: str) -> None:
    root = write_project(tmp_path / "project", {**VIEWS, "settings.py": settings})
    assert lines_of(lint(root)) == [("views.py", 7), ("views.py", 15)]


def test_atomic_requests_false_overrides_settings(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {**VIEWS, "settings.py": SETTINGS_IN_DATABASES}, "[tool.opsgen.lint]\natomic-requests = false\n")
    assert lines_of(lint(root)) == []


def test_atomic_requests_true_without_settings(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", VIEWS, "[tool.opsgen.lint]\natomic-requests = true\n")
    assert lines_of(lint(root)) == [("views.py", 7), ("views.py", 15)]


def test_transaction_openers(tmp_path: Path) -> None:
    files = {
        "jobs.py": (
            "import requests\n"
            "from app.db import unit_of_work\n\n"
            "def sync(account):\n"
            "    with unit_of_work():\n"
            "        account.save()\n"
            "        requests.post(account.url)\n"
        )
    }
    assert lines_of(lint(write_project(tmp_path / "plain", files))) == []
    configured = write_project(tmp_path / "configured", files, "[tool.opsgen.lint]\ntransaction-openers = ['app.db.unit_of_work']\n")
    assert lines_of(lint(configured)) == [("jobs.py", 7)]


def test_operation_with_transaction_spec(tmp_path: Path) -> None:
    files = {
        "specs/billing/charge.yaml": "name: billing.charge\ninput:\n  account_id: uuid\ntransaction:\n  isolation: serializable\n",
        "app/charge.py": (
            "import requests\n"
            "from app.generated.billing.charge import ChargeBase\n\n"
            "class Charge(ChargeBase):\n"
            "    def run(self, context, *, account_id):\n"
            "        requests.post('https://psp.example.invalid', json={'id': account_id})\n"
        ),
    }
    root = write_project(tmp_path / "project", files, "[tool.opsgen]\nspecs = 'specs'\n")
    findings = [f for f in lint(root) if f.code == "OPS101"]
    assert lines_of(findings) == [("charge.py", 6)]
    assert "operation billing.charge" in findings[0].message
    assert findings[0].fix is not None
    assert (findings[0].fix.style, findings[0].fix.using) == ("opsgen", "context")


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ({"side-effects": ["x.y"], "atomic-requests": "yes"}, "atomic-requests must be true or false"),
        ({"side-effects": "x.y"}, "side-effects must be a list of strings, got the string 'x.y'"),
        ({"select": ["OPS1", ""]}, "select contains an empty code"),
        ({"deferral-wrappers": [1]}, "deferral-wrappers must be a list of strings"),
        ({"safe_task_bases": ["x"]}, "unknown key 'safe_task_bases'"),
    ],
)
def test_invalid_settings_are_rejected(table: dict[str, object], error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        config_from_mapping(table, Path("."))


def test_settings_are_read(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {},
        "[tool.opsgen.lint]\nside-effects = ['a.b']\nservice-packages = ['app.services']\nignore = ['OPS3']\n",
    )
    config = load_config(root)
    assert config.side_effects == ("a.b",)
    assert config.service_packages == ("app.services",)
    assert not config.wants("OPS301")
    assert config.wants("OPS101")
    assert LintConfig(select=("OPS1",)).wants("OPS102")
    assert not LintConfig(select=("OPS1",)).wants("OPS201")


@pytest.mark.parametrize(
    ("line", "codes"),
    [
        ("x()  # noqa", frozenset()),
        ("x()  # noqa: OPS101", frozenset({"OPS101"})),
        ("x()  # NOQA:OPS101,OPS102", frozenset({"OPS101", "OPS102"})),
        ("x()  # noqa: OPS101 OPS2", frozenset({"OPS101", "OPS2"})),
        ("x('# noqa')", None),
        ("x()", None),
    ],
)
def test_noqa_comment_parsing(line: str, codes: frozenset[str] | None) -> None:
    assert noqa_codes(line) == codes

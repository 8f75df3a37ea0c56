"""Installing the audit hook from a Django AppConfig.ready(): no database until first use."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import psycopg
import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

HERE = Path(__file__).resolve().parent

# An app whose AppConfig.ready() builds the runtime and installs the audit hook, as the
# Django section of docs/integrations.md describes.
READY_APP = textwrap.dedent(
    """
    from django.apps import AppConfig


    class AuditReadyConfig(AppConfig):
        name = "auditready"

        def ready(self):
            import opsgen.audit
            from opsgen.audit import AuditConfig, AuditedEntity
            from opsgen.integrations.django import django_runtime
            from opsgen.runtime.runtime import configure

            runtime = configure(django_runtime())
            config = AuditConfig.of(AuditedEntity(name="counter", table="notesapp_counter"))
            opsgen.audit.install(runtime, config, install_triggers=True, defer_schema=True)
    """
)

SETTINGS = textwrap.dedent(
    """
    from django_project.settings import *  # noqa: F403

    INSTALLED_APPS = [*INSTALLED_APPS, "auditready"]  # noqa: F405
    """
)


def _project_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    (tmp_path / "auditready").mkdir()
    (tmp_path / "auditready" / "__init__.py").write_text('default_app_config = "auditready.apps.AuditReadyConfig"\n')
    (tmp_path / "auditready" / "apps.py").write_text(READY_APP)
    (tmp_path / "audit_settings.py").write_text(SETTINGS)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "audit_settings",
        "OPSGEN_TEST_DJANGO_DATABASE": database_url,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(HERE), os.environ.get("PYTHONPATH", "")]),
    }


def test_manage_check_without_database(tmp_path: Path) -> None:
    # Port 9 on loopback (discard) has no PostgreSQL listening: any connection attempt fails.
    env = _project_env(tmp_path, "postgresql+psycopg://postgres@127.0.0.1:9/unreachable")
    manage = "import sys; from django.core.management import execute_from_command_line as run; run(sys.argv)"

    finished = subprocess.run(
        [sys.executable, "-c", manage, "check"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )

    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "System check identified no issues" in finished.stdout
    assert "OperationalError" not in finished.stderr


# A test module whose test writes an audited table before any operation runs and then
# calls one. History lists only committed changes, which a TestCase never makes.
TESTS = textwrap.dedent(
    """
    from django.test import {base}

    from django_project.notesapp.models import Counter
    from django_project.notesapp.operations import ops
    from opsgen.audit import history
    from opsgen.runtime.context import Context
    from opsgen.runtime.runtime import get_runtime


    class AuditedTests({base}):
        def test_operation_write_is_recorded(self):
            Counter.objects.create(name="before")
            counted = ops.notes.count_up(Context(actor="tester"), name="audited")
            self.assertTrue(counted.ok, counted)
            with get_runtime().engine.connect() as sa_connection:
                versions = history(sa_connection, "counter", Counter.objects.get(name="audited").pk)
            self.assertEqual([(v.action, v.actor, v.operation) for v in versions],
                             [("update", "tester", "notes.count_up"), ("insert", "tester", "notes.count_up")])
    """
)

RUN = textwrap.dedent(
    """
    import sys
    import django
    from django.conf import settings
    from django.test.utils import get_runner

    django.setup()
    failures = get_runner(settings)(verbosity=2, interactive=False).run_tests(["audited_opsgen_tests"])
    sys.exit(1 if failures else 0)
    """
)


# A test runner that installs the triggers in the test database once Django has created
# it, before any test opens a transaction.
AUDIT_RUNNER = textwrap.dedent(
    """
    from django.test.runner import DiscoverRunner

    import opsgen.audit
    from opsgen.audit import AuditConfig, AuditedEntity
    from opsgen.runtime.runtime import get_runtime


    class AuditedTestRunner(DiscoverRunner):
        def setup_databases(self, **kwargs):
            databases = super().setup_databases(**kwargs)
            config = AuditConfig.of(AuditedEntity(name="counter", table="notesapp_counter"))
            opsgen.audit.install(get_runtime(), config, install_triggers=True)
            return databases
    """
)


def _run_test_runner(
    tmp_path: Path, postgres_url: str, base: str, settings_extra: str = ""
) -> subprocess.CompletedProcess[str]:
    name = f"opsgen_djaudit_{uuid.uuid4().hex[:8]}"
    env = _project_env(tmp_path, postgres_url.rsplit("/", 1)[0] + f"/{name}")
    (tmp_path / "audit_settings.py").write_text(SETTINGS + settings_extra)
    (tmp_path / "auditready" / "testing.py").write_text(AUDIT_RUNNER)
    (tmp_path / "audited_opsgen_tests.py").write_text(TESTS.replace("{base}", base))
    admin = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    # The lock backend connects to the database that the settings name, as in a real project.
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        return subprocess.run(
            [sys.executable, "-c", RUN], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=150
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "test_{name}" WITH (FORCE)')
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_deferred_triggers_time_out_behind_test_write(tmp_path: Path, postgres_url: str) -> None:
    # Installed on first use, the triggers wait for the lock that the test's own
    # transaction holds on the table it wrote. The wait ends after lock_timeout.
    finished = _run_test_runner(tmp_path, postgres_url, "TestCase")

    assert finished.returncode == 1, finished.stderr[-3000:]
    assert "AuditSchemaLockTimeout" in finished.stderr
    assert "lock on table notesapp_counter" in finished.stderr


def test_test_runner_installing_triggers_records_writes(tmp_path: Path, postgres_url: str) -> None:
    runner = 'TEST_RUNNER = "auditready.testing.AuditedTestRunner"\n'

    finished = _run_test_runner(tmp_path, postgres_url, "TransactionTestCase", runner)

    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "Ran 1 test" in finished.stderr


# A request that writes an audited table before any operation has run in the process.
FIRST_REQUEST = textwrap.dedent(
    """
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)
    from django.test import Client
    from opsgen.audit import history
    from opsgen.runtime.runtime import get_runtime

    response = Client().post("/counters/early/autocommit", headers={"X-User": "eve", "X-Request-ID": "req-first"})
    assert response.status_code == 200, response.content
    with get_runtime().schema_engine.connect() as connection:
        versions = history(connection, "counter", response.json()["id"])
    print([(v.action, v.origin, v.trace_id) for v in versions])
    """
)


def test_deferred_triggers_exist_before_first_request_writes(tmp_path: Path, postgres_url: str) -> None:
    name = f"opsgen_djfirst_{uuid.uuid4().hex[:8]}"
    env = _project_env(tmp_path, postgres_url.rsplit("/", 1)[0] + f"/{name}")
    admin = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        finished = subprocess.run(
            [sys.executable, "-c", FIRST_REQUEST], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=150
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    assert finished.returncode == 0, finished.stderr[-3000:]
    versions = finished.stdout.strip().splitlines()[-1]
    assert versions == (
        "[('update', 'runtime', 'req-first'), ('update', 'runtime', 'req-first'), ('insert', 'runtime', 'req-first')]"
    )

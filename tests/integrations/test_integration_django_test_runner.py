"""Django's test runner drops its test database after tests that called operations."""

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

# A test module as a project writes it. The runtime is built at start-up, before the
# test runner creates the test database. The TestCase calls an operation that fails, so
# the runtime writes its failure record on a connection of its own.
TESTS = textwrap.dedent(
    """
    from django.test import TestCase

    from django_project.notesapp.operations import ops, record_effect
    from opsgen.integrations.django import django_runtime
    from opsgen.runtime.context import Context
    from opsgen.runtime.runtime import configure

    runtime = configure(django_runtime())
    runtime.register_effect_handler("announce", record_effect)


    class NotesTests(TestCase):
        def test_write_and_show(self):
            written = ops.notes.write(Context(actor="t"), text="in a test")
            self.assertTrue(written.ok, written)
            missing = ops.notes.show(Context(actor="t"), note_id=987654321)
            self.assertFalse(missing.ok)
    """
)

RUN = textwrap.dedent(
    """
    import sys
    import django
    from django.conf import settings
    from django.test.utils import get_runner

    django.setup()
    failures = get_runner(settings)(verbosity=0, interactive=False).run_tests(["notes_opsgen_tests"])
    sys.exit(1 if failures else 0)
    """
)


def test_test_database_is_dropped_after_operation_calls(tmp_path: Path, postgres_url: str) -> None:
    (tmp_path / "notes_opsgen_tests.py").write_text(TESTS)
    name = f"opsgen_djtest_{uuid.uuid4().hex[:8]}"
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    admin = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "django_project.settings",
        "OPSGEN_TEST_DJANGO_DATABASE": url,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    try:
        finished = subprocess.run(
            [sys.executable, "-c", RUN], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=150
        )
        assert finished.returncode == 0, finished.stderr[-3000:]
        assert "is being accessed by other users" not in finished.stderr
        with psycopg.connect(admin, autocommit=True) as server:
            left = server.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [f"test_{name}"]).fetchone()
        assert left == (0,), "the test database was left behind"
    finally:
        with psycopg.connect(admin, autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "test_{name}" WITH (FORCE)')

"""Invalid opsgen settings under Django: one CommandError line in a command, ImproperlyConfigured at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("django")

SETTINGS = """\
import os

SECRET_KEY = "only-for-the-opsgen-tests"
USE_TZ = True
INSTALLED_APPS = ["django.contrib.contenttypes", "site_config.apps.SiteConfig", "opsgen.integrations.django"]
# The errors under test stop before any connection is opened, so the database need not exist.
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "opsgen_settings_test_unused",
                         "USER": "postgres", "HOST": "127.0.0.1"}}
MIDDLEWARE = ["opsgen.integrations.django.OpsgenMiddleware"]
OPSGEN_REGISTRY = os.environ.get("SITE_OPSGEN_REGISTRY")
"""

APPS = """\
import os

from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "site_config"

    def ready(self) -> None:
        if os.environ.get("SITE_CONFIGURE_IN_READY"):
            from opsgen.integrations.django import django_runtime
            from opsgen.runtime.runtime import configure

            configure(django_runtime())
"""

MANAGE = """\
import os
import sys

from django.core.management import execute_from_command_line

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
execute_from_command_line(sys.argv)
"""

#: Starts Django as a WSGI server would, and prints the ImproperlyConfigured it raises.
START = """\
import django
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler

from opsgen.runtime.errors import ConfigurationError

try:
    django.setup()
    WSGIHandler()
except ImproperlyConfigured as exc:
    print(f"ImproperlyConfigured, ConfigurationError: {isinstance(exc, ConfigurationError)}")
    print(exc)
"""

MISSPELT_KEY = '[tool.opsgen]\ndatabse-url = "sqlite:///opsgen.db"\n'


def make_site(root: Path, pyproject: str) -> Path:
    """Write a Django project with the opsgen app and ``pyproject`` into ``root``; return ``root``."""
    (root / "site_config").mkdir(parents=True)
    (root / "site_config" / "__init__.py").write_text("", encoding="utf-8")
    (root / "site_config" / "settings.py").write_text(SETTINGS, encoding="utf-8")
    (root / "site_config" / "apps.py").write_text(APPS, encoding="utf-8")
    (root / "manage.py").write_text(MANAGE, encoding="utf-8")
    (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return root


def run_python(root: Path, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("OPSGEN_", "SITE_", "DJANGO_"))}
    clean.update(environment, DJANGO_SETTINGS_MODULE="site_config.settings", PYTHONPATH=str(root))
    return subprocess.run(
        [sys.executable, *args], cwd=root, env=clean, capture_output=True, text=True, timeout=120
    )


def test_command_invalid_url_one_line(tmp_path: Path) -> None:
    root = make_site(tmp_path, '[tool.opsgen]\ndatabase-url = "postgres://app:s3cret@db/shop"\n')

    finished = run_python(root, "manage.py", "opsgen_resolve_enqueues")

    assert finished.returncode == 1
    assert "Traceback" not in finished.stderr
    assert "s3cret" not in finished.stderr
    assert finished.stderr.splitlines() == [
        f"CommandError: invalid database URL 'postgres://app:***@db/shop' in database-url in {root / 'pyproject.toml'}: "
        "Can't load plugin: sqlalchemy.dialects:postgres; use a SQLAlchemy URL such as "
        "postgresql+psycopg://user@host/dbname or sqlite:///opsgen.db"
    ]


def test_command_unparsable_environment_url(tmp_path: Path) -> None:
    root = make_site(tmp_path, "[tool.opsgen]\n")

    finished = run_python(root, "manage.py", "opsgen_resolve_enqueues", OPSGEN_DATABASE_URL="postgres//app:s3cret@db")

    assert finished.returncode == 1
    assert "Traceback" not in finished.stderr
    assert "s3cret" not in finished.stderr
    assert finished.stderr.startswith(
        "CommandError: invalid database URL 'postgres//app:***@db' in the environment variable OPSGEN_DATABASE_URL: "
    )


def test_command_unknown_key_one_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, MISSPELT_KEY)

    finished = run_python(root, "manage.py", "opsgen_resolve_enqueues")

    assert finished.returncode == 1
    assert "Traceback" not in finished.stderr
    assert finished.stderr.startswith(
        f"CommandError: {root / 'pyproject.toml'}:2: unknown key 'databse-url' in [tool.opsgen]; "
        "did you mean 'database-url'?\n"
    )


def test_startup_unknown_key_improperly_configured(tmp_path: Path) -> None:
    root = make_site(tmp_path, MISSPELT_KEY)

    finished = run_python(root, "-c", START, SITE_CONFIGURE_IN_READY="1")

    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()
    assert lines[0] == "ImproperlyConfigured, ConfigurationError: True"
    assert lines[1] == (
        f"{root / 'pyproject.toml'}:2: unknown key 'databse-url' in [tool.opsgen]; did you mean 'database-url'?"
    )


def test_startup_traceback_ends_with_message(tmp_path: Path) -> None:
    root = make_site(tmp_path, MISSPELT_KEY)

    finished = run_python(root, "manage.py", "check", SITE_CONFIGURE_IN_READY="1")

    assert finished.returncode == 1
    assert finished.stderr.count("Traceback") == 1
    assert "During handling of the above exception" not in finished.stderr
    assert "direct cause" not in finished.stderr
    assert "ImproperlyConfigured" not in finished.stdout
    last_lines = finished.stderr.splitlines()[-2:]
    assert last_lines[0] == (
        f"opsgen.integrations.django.settings_errors.InvalidOpsgenSettings: {root / 'pyproject.toml'}:2: "
        "unknown key 'databse-url' in [tool.opsgen]; did you mean 'database-url'?"
    )
    assert last_lines[1].startswith("known keys of [tool.opsgen]: app, audit, database-url, ")


def test_startup_bad_registry_setting(tmp_path: Path) -> None:
    root = make_site(tmp_path, "[tool.opsgen]\n")

    finished = run_python(root, "-c", START, SITE_OPSGEN_REGISTRY="site_config.nowhere.ops")

    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()
    assert lines[0] == "ImproperlyConfigured, ConfigurationError: True"
    assert lines[1] == (
        "OPSGEN_REGISTRY = 'site_config.nowhere.ops' in the Django settings cannot be imported: "
        "No module named 'site_config.nowhere'; set it to the dotted path of an existing object, "
        "such as 'myapp.generated.registry.ops'"
    )

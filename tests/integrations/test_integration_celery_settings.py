"""Invalid opsgen settings while the ``celery`` command loads an app that installs opsgen.

The ``celery`` command prints any error raised while it imports the app module with
the whole traceback. opsgen's Celery integration prints the message of a settings
error alone instead, as the ``opsgen`` command does, and exits with status 2. It
checks the keys when the app module imports it, and the database URL when
``install`` builds the default runtime. These tests start real ``celery worker``
processes in a project folder of their own. Each one exits while it loads the app,
before it connects to the broker.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

APP_MODULE = """\
from celery import Celery
from opsgen.integrations import celery as opsgen_celery

app = Celery("settings_test", broker="redis://127.0.0.1:6379/0")
opsgen_celery.install(app, [])
"""

#: An app module that builds its runtime itself, as the integration docs show.
OWN_RUNTIME_MODULE = """\
from celery import Celery
from opsgen.integrations import celery as opsgen_celery
from opsgen.runtime.runtime import Runtime, configure

app = Celery("settings_test", broker="redis://127.0.0.1:6379/0")
runtime = configure(Runtime(database_url="postgresql+psycopg://postgres@127.0.0.1/postgres"))
opsgen_celery.install(app, [], runtime=runtime)
"""

MISSPELT_KEY = """\
[project]
name = "settings-test"

[tool.opsgen]
databse-url = "postgresql+psycopg://postgres@127.0.0.1/postgres"
"""


def make_project(folder: Path, settings: str, app_module: str = APP_MODULE) -> Path:
    (folder / "pyproject.toml").write_text(settings, encoding="utf-8")
    (folder / "settings_app.py").write_text(app_module, encoding="utf-8")
    return folder


def run_in(folder: Path, command: list[str], **environment: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPSGEN_")}
    env.update(environment)
    return subprocess.run(
        [sys.executable, *command], cwd=folder, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def start_worker(folder: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    return run_in(folder, ["-m", "celery", "-A", "settings_app", "worker", "--pool", "solo"], **environment)


@pytest.mark.parametrize("app_module", [APP_MODULE, OWN_RUNTIME_MODULE], ids=["default runtime", "own runtime"])
def test_worker_reports_misspelt_key(tmp_path: Path, app_module: str) -> None:
    project = make_project(tmp_path, MISSPELT_KEY, app_module)

    finished = start_worker(project)

    assert finished.returncode == 2
    assert "Traceback" not in finished.stderr
    first_line = finished.stderr.splitlines()[0]
    assert first_line == (
        f"error: {project / 'pyproject.toml'}:5: unknown key 'databse-url' in [tool.opsgen]; "
        "did you mean 'database-url'?"
    )
    assert finished.stderr.splitlines()[1].startswith("known keys of [tool.opsgen]: app, audit, database-url")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgress://bob:hunter2@db/app", "Can't load plugin: sqlalchemy.dialects:postgress"),
        ("postgresql+psycopg://bob:hunter2@db:port/app", "invalid literal for int() with base 10: 'port'"),
    ],
)
def test_worker_reports_invalid_url_variable(tmp_path: Path, url: str, problem: str) -> None:
    project = make_project(tmp_path, '[tool.opsgen]\nspecs = "specs"\n')

    finished = start_worker(project, OPSGEN_DATABASE_URL=url)

    assert finished.returncode == 2
    assert "Traceback" not in finished.stderr
    assert "hunter2" not in finished.stderr
    shown = url.replace("hunter2", "***")
    assert finished.stderr.startswith(
        f"error: invalid database URL {shown!r} in the environment variable OPSGEN_DATABASE_URL: {problem}; "
    )


def test_worker_reports_invalid_url_setting(tmp_path: Path) -> None:
    project = make_project(tmp_path, '[tool.opsgen]\ndatabase-url = "not a url"\n')

    finished = start_worker(project)

    assert finished.returncode == 2
    assert "Traceback" not in finished.stderr
    assert finished.stderr.startswith(
        f"error: invalid database URL 'not a url' in database-url in {project / 'pyproject.toml'}: "
        "Could not parse SQLAlchemy URL from given URL string; "
    )


def test_import_outside_celery_raises(tmp_path: Path) -> None:
    project = make_project(tmp_path, MISSPELT_KEY)

    finished = run_in(project, ["-c", "import settings_app"])

    assert finished.returncode == 1
    assert "Traceback" in finished.stderr
    assert "opsgen.runtime.errors.ConfigurationError" in finished.stderr

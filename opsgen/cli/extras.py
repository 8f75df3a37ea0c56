"""Messages for an optional dependency that is not installed, naming the extra of opsgen that installs it.

opsgen's core needs only the packages in ``[project] dependencies``. Brokers, lock
servers and web frameworks come with extras (``pyproject.toml``,
``[project.optional-dependencies]``), so a command that needs one of them fails with a
``ModuleNotFoundError`` when it is missing. The commands report it as one line that names
the extra and the pip command that installs it.
"""

from __future__ import annotations

import json
from types import TracebackType
from urllib.parse import unquote, urlparse

#: Top-level module of an optional dependency -> the extra of opsgen that installs it.
EXTRA_OF_MODULE: dict[str, str] = {
    "kombu": "kombu",
    "celery": "celery",
    "psycopg": "postgres",
    "redis": "redis",
    "flask": "web",
    "starlette": "web",
    "fastapi": "web",
    "uvicorn": "web",
    "django": "django",
    "flake8": "lint",
}

def install_command(extra: str) -> str:
    """Return the pip command that adds ``extra`` to the opsgen of this environment.

    opsgen is not on PyPI, so the command names the checkout or wheel that pip recorded
    when it installed opsgen (``direct_url.json``, PEP 610), with ``-e`` for an editable
    install. Without that record it names ``/path/to/opsgen``, as the README does.
    """
    source, editable = _install_source()
    editable_flag = "-e " if editable else ""
    return f'python -m pip install {editable_flag}"{source or "/path/to/opsgen"}[{extra}]"'


def _install_source() -> tuple[str | None, bool]:
    """Return the local path opsgen was installed from and whether the install is editable."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        recorded = distribution("opsgen").read_text("direct_url.json")
    except PackageNotFoundError:
        return None, False
    if not recorded:
        return None, False
    try:
        document = json.loads(recorded)
    except ValueError:
        return None, False
    url = urlparse(str(document.get("url", "")))
    if url.scheme != "file":
        return None, False
    dir_info = document.get("dir_info")
    editable = isinstance(dir_info, dict) and dir_info.get("editable") is True
    return unquote(url.path), editable


def missing_extra(module: str, needed_by: str) -> str:
    """Return the one-line message for the missing top-level ``module`` that ``needed_by`` needs."""
    extra = EXTRA_OF_MODULE[module]
    return f"{needed_by} needs {module}, which is not installed; install opsgen's {extra} extra: {install_command(extra)}"


def missing_extra_message(error: ModuleNotFoundError, needed_by: str) -> str | None:
    """Return the message for ``error`` when opsgen's own code failed to import an optional dependency.

    Returns ``None`` for any other missing module, and for an import made by the
    application's code (an ``--app`` module, say), whose traceback is more useful.
    """
    module = (error.name or "").partition(".")[0]
    if module not in EXTRA_OF_MODULE or not _imported_by_opsgen(error.__traceback__):
        return None
    return missing_extra(module, needed_by)


def _imported_by_opsgen(trace: TracebackType | None) -> bool:
    """Tell whether the innermost module of ``trace`` outside the import machinery is part of opsgen."""
    importing = ""
    while trace is not None:
        module = str(trace.tb_frame.f_globals.get("__name__", ""))
        if not module.startswith(("importlib", "_frozen_importlib")):
            importing = module
        trace = trace.tb_next
    return importing == "opsgen" or importing.startswith("opsgen.")

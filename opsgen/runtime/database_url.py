"""Messages for a database URL in the settings that SQLAlchemy cannot use.

The Celery command and Django report invalid settings without a traceback, so both need
the same message: the URL with its password hidden, where it was set, and an example of
a valid URL.
"""

from __future__ import annotations

import os
import re

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from opsgen.runtime.config import find_pyproject, load_settings
from opsgen.runtime.errors import ConfigurationError

#: The ``user:password@`` part of a URL; group 1 ends before the colon of the password.
_URL_PASSWORD = re.compile(r"^((?:[^/]*//)?[^:/@]*):[^@/]*@")

VALID_URL_EXAMPLE = "use a SQLAlchemy URL such as postgresql+psycopg://user@host/dbname or sqlite:///opsgen.db"


def hide_password(url: str) -> str:
    """Return ``url`` with the password of its ``user:password@`` part replaced by ``***``.

    It works on the text, because a URL that SQLAlchemy cannot parse may still contain one.
    """
    return _URL_PASSWORD.sub(r"\1:***@", url)


def url_problem(url: str) -> str | None:
    """Return why SQLAlchemy cannot open ``url``, or ``None`` when it can.

    Covers text that is not a URL, an unknown dialect (``postgres://``) and a driver
    that is not installed (``postgresql+psycopg2://`` without psycopg2).
    """
    try:
        dialect = make_url(url).get_dialect()
        dialect.import_dbapi()
    except (ArgumentError, ValueError) as problem:
        return str(problem)
    except ImportError as problem:
        return f"{problem}, the driver this URL names; install it or name an installed one"
    return None


def invalid_url_message(url: str, source: str, problem: str) -> str:
    """Return the message for ``url``, set in ``source``, that SQLAlchemy cannot open because of ``problem``."""
    return f"invalid database URL {hide_password(url)!r} in {source}: {problem}; {VALID_URL_EXAMPLE}"


def url_source(url: str) -> str:
    """Say where ``url`` was most likely set, for an error message about it."""
    if os.environ.get("OPSGEN_DATABASE_URL") == url:
        return "the environment variable OPSGEN_DATABASE_URL"
    pyproject = find_pyproject()
    try:
        from_settings = load_settings().database_url
    except ConfigurationError:
        from_settings = None
    if pyproject is not None and from_settings == url:
        return f"database-url in {pyproject}"
    return "the URL passed to opsgen (a --database-url option or the Settings of a Runtime)"


def settings_url_problem() -> str | None:
    """Return the message for an invalid database URL in the settings, or ``None`` when it is valid.

    The message names where the URL was set: the environment variable
    ``OPSGEN_DATABASE_URL`` or ``database-url`` in ``pyproject.toml``. ``None`` also
    means that the settings themselves could not be loaded.
    """
    try:
        url = load_settings().database_url
    except ConfigurationError:
        return None
    problem = url_problem(url)
    if problem is None:
        return None
    if "OPSGEN_DATABASE_URL" in os.environ:
        source = "the environment variable OPSGEN_DATABASE_URL"
    else:
        source = f"database-url in {find_pyproject() or 'the settings'}"
    return invalid_url_message(url, source, problem)

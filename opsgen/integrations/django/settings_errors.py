"""Invalid opsgen settings, reported the way Django reports invalid settings.

A misspelt key in ``[tool.opsgen]`` or an invalid database URL raises deep inside the
runtime or SQLAlchemy, and Django would print the whole traceback with the message on
its last line. Django's convention is :class:`~django.core.exceptions.ImproperlyConfigured`
for settings found invalid while the project starts (``AppConfig.ready()``, loading the
middleware), and :class:`~django.core.management.base.CommandError` in a management
command, which ``manage.py`` prints as one line without a traceback. This module has
the exception for the first and the message for both.
"""

from __future__ import annotations

import os
import re

from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from opsgen.runtime.config import find_pyproject, load_settings
from opsgen.runtime.errors import ConfigurationError

#: The exceptions that mean invalid settings rather than a failure at run time.
SETTINGS_ERRORS = (ConfigurationError, ArgumentError)

_URL_PASSWORD = re.compile(r"^((?:[^/]*//)?[^:/@]*):[^@/]*@")


class InvalidOpsgenSettings(ImproperlyConfigured, ConfigurationError):  # type: ignore[misc]
    """Invalid opsgen settings found while Django starts.

    It is Django's ``ImproperlyConfigured`` and opsgen's ``ConfigurationError`` at once,
    so code that catches either one still catches it.
    """


def settings_error_message(error: BaseException) -> str:
    """Return the message that explains ``error``, one of :data:`SETTINGS_ERRORS`, to the user."""
    if isinstance(error, ArgumentError):
        return invalid_database_url_message(error)
    return str(error)


def invalid_database_url_message(error: ArgumentError) -> str:
    """Return the message for a database URL that SQLAlchemy rejected, naming its source when it is the settings'.

    The URL is shown with its password replaced by ``***``.
    """
    advice = "use a SQLAlchemy URL such as postgresql+psycopg://user@host/dbname or sqlite:///opsgen.db"
    try:
        url = load_settings().database_url
    except ConfigurationError:
        return f"invalid database URL: {error}; {advice}"
    try:
        make_url(url).get_dialect()
    except ArgumentError:
        if "OPSGEN_DATABASE_URL" in os.environ:
            source = "the environment variable OPSGEN_DATABASE_URL"
        else:
            source = f"database-url in {find_pyproject()}"
        return f"invalid database URL {hide_password(url)!r} in {source}: {error}; {advice}"
    return f"invalid database URL: {error}; {advice}"


def hide_password(url: str) -> str:
    """Return ``url`` with the password of its ``user:password@`` part replaced by ``***``.

    It works on text, because a URL that SQLAlchemy cannot parse may still contain one.
    """
    return _URL_PASSWORD.sub(r"\1:***@", url)

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

from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped]
from sqlalchemy.exc import ArgumentError

from opsgen.runtime.database_url import VALID_URL_EXAMPLE, settings_url_problem
from opsgen.runtime.errors import ConfigurationError

#: The exceptions that mean invalid settings rather than a failure at run time.
SETTINGS_ERRORS = (ConfigurationError, ArgumentError)


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
    """Return the message for a database URL that SQLAlchemy rejected, naming its source when it is the settings'."""
    return settings_url_problem() or f"invalid database URL: {error}; {VALID_URL_EXAMPLE}"

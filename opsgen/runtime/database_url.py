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
    try:
        make_url(url).get_dialect()
    except (ArgumentError, ValueError) as problem:
        if "OPSGEN_DATABASE_URL" in os.environ:
            source = "the environment variable OPSGEN_DATABASE_URL"
        else:
            source = f"database-url in {find_pyproject() or 'the settings'}"
        return f"invalid database URL {hide_password(url)!r} in {source}: {problem}; {VALID_URL_EXAMPLE}"
    return None

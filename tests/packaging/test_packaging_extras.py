"""The feature extras install what their feature needs to run."""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_web_extra_installs_an_asgi_server() -> None:
    extras = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]

    names = {re.split(r"[\[<>=!~ ]", requirement, maxsplit=1)[0].lower() for requirement in extras["web"]}

    assert "uvicorn" in names

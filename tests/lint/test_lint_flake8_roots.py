"""The flake8 plugin's lookup of each file's project root, in process."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from opsgen.lint import flake8_plugin
from opsgen.lint.config import find_project_root

from tests_lint_support import write_project  # type: ignore[import-not-found]


def test_root_searched_once_per_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_project(tmp_path / "project")
    searched: list[Path] = []

    def recording_find_project_root(start: Path) -> Path:
        searched.append(start)
        return find_project_root(start)

    monkeypatch.setattr(flake8_plugin, "find_project_root", recording_find_project_root)
    monkeypatch.setattr(flake8_plugin, "_roots", {})
    monkeypatch.setattr(flake8_plugin, "_indexes", {})
    monkeypatch.setattr(flake8_plugin, "_plans", {})
    monkeypatch.setattr(flake8_plugin.gc, "freeze", lambda: None)  # keep the test process collectable
    files = sorted((root / "shop").glob("*.py"))
    assert len(files) >= 2

    for path in files:
        source = path.read_text()
        plugin = flake8_plugin.OpsgenFlake8Plugin(ast.parse(source), str(path), source.splitlines(keepends=True))
        list(plugin.run())

    assert searched == [(root / "shop").resolve()]
    assert flake8_plugin._roots == {(root / "shop").resolve(): root.resolve()}

"""The ``files`` pattern of the generate-check pre-commit hook matches every file ``--check`` reads.

pre-commit runs a hook with ``pass_filenames: false`` only when a staged file matches
its ``files`` pattern, so a pattern that misses an input of ``opsgen generate --check``
lets a stale commit through. docs/generator.md shows the hook too, and must use the
same pattern as .pre-commit-hooks.yaml.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from cli_support import run_opsgen

REPOSITORY = Path(__file__).resolve().parents[2]


def hook_files_pattern() -> str:
    hooks: list[dict[str, Any]] = yaml.safe_load((REPOSITORY / ".pre-commit-hooks.yaml").read_text())
    [hook] = [hook for hook in hooks if hook["id"] == "opsgen-generate-check"]
    return str(hook["files"])


def documented_hooks(document: str) -> list[dict[str, Any]]:
    """Return every hook of the ``yaml`` blocks of a Markdown ``document``, which list
    repositories at the top or under ``repos``."""
    hooks = []
    for block in re.findall(r"```yaml\n(.*?)```", document, flags=re.DOTALL):
        loaded = yaml.safe_load(block)
        if isinstance(loaded, dict):
            loaded = loaded.get("repos")
        for entry in loaded if isinstance(loaded, list) else []:
            hooks.extend(entry.get("hooks", []) if isinstance(entry, dict) else [])
    return hooks


def test_hook_pattern_matches_every_checked_file(tmp_path: Path) -> None:
    assert run_opsgen(tmp_path, "init").returncode == 0
    assert run_opsgen(tmp_path, "generate").returncode == 0
    pattern = re.compile(hook_files_pattern())
    checked = [
        path.relative_to(tmp_path).as_posix()
        for folder in ("specs", "generated", "operations")
        for path in sorted((tmp_path / folder).rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.name != "spec.schema.json"
    ]
    assert "generated/accounts/rename_user.pyi" in checked
    assert "generated/py.typed" in checked
    assert "generated/_opsgen_manifest.json" in checked
    assert "operations/accounts/rename_user.py" in checked

    missed = [path for path in [*checked, "pyproject.toml"] if not pattern.search(path)]

    assert missed == []


def test_check_fails_on_edits_the_pattern_matches(tmp_path: Path) -> None:
    assert run_opsgen(tmp_path, "init").returncode == 0
    assert run_opsgen(tmp_path, "generate").returncode == 0
    pattern = re.compile(hook_files_pattern())
    edits = {
        "operations/accounts/rename_user.py": lambda text: text.replace("display_name: str", "display_name: int"),
        "generated/accounts/rename_user.pyi": lambda text: text + "# edited\n",
        "generated/py.typed": lambda text: text + "partial\n",
    }

    for relative, edit in edits.items():
        path = tmp_path / relative
        original = path.read_text()
        edited = edit(original)
        assert edited != original, relative
        path.write_text(edited)

        check = run_opsgen(tmp_path, "generate", "--check")

        path.write_text(original)
        assert check.returncode == 1, (relative, check.stdout, check.stderr)
        assert pattern.search(relative), relative


def test_generator_doc_hook_uses_hooks_file_pattern() -> None:
    hooks = documented_hooks((REPOSITORY / "docs" / "generator.md").read_text())

    [hook] = [hook for hook in hooks if hook.get("entry") == "opsgen generate --check"]

    assert hook["files"] == hook_files_pattern()
    assert hook["pass_filenames"] is False


def test_lint_doc_local_hook_uses_hooks_file_pattern() -> None:
    hooks = documented_hooks((REPOSITORY / "docs" / "lint.md").read_text())

    [hook] = [hook for hook in hooks if hook.get("entry") == "opsgen generate --check"]

    assert hook["files"] == hook_files_pattern()
    assert hook["pass_filenames"] is False

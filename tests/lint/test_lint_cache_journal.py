"""The lint cache's journal is folded into the cache file once it grows large."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.config import load_config
from opsgen.lint.engine import lint_paths
from opsgen.lint.index import CACHE_DIR, CACHE_FILE, JOURNAL_FILE

from tests_lint_support import write_project  # type: ignore[import-not-found]

#: A module whose cache entry is most of the cache, so that one journal line of it is
#: more than a quarter of the cache file.
LARGE_MODULE = "".join(f"def check_{number}(value):\n    return validate(value, {number})\n\n\n" for number in range(300))


def test_large_journal_is_folded(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/checks.py": LARGE_MODULE, "app/small.py": "def one():\n    return 1\n"}
    root = write_project(tmp_path / "project", files)
    cache = root / CACHE_DIR / CACHE_FILE
    journal = root / CACHE_DIR / JOURNAL_FILE
    lint_paths([root], load_config(root))

    (root / "app/checks.py").write_text(LARGE_MODULE + "# first change\n")
    lint_paths([root], load_config(root))
    assert journal.read_bytes().count(b"\n") == 1

    (root / "app/checks.py").write_text(LARGE_MODULE + "# second change\n")
    lint_paths([root], load_config(root))
    assert not journal.exists()
    assert cache.is_file()
    # The folded cache contains the second version, so nothing is parsed again.
    assert lint_paths([root], load_config(root)).parsed == 0

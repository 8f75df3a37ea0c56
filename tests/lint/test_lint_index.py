"""The project index: summaries, the on-disk cache, module names, syntax errors."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from opsgen.lint.config import LintConfig
from opsgen.lint.engine import lint_paths
from opsgen.lint.index import CACHE_DIR, CACHE_FILE, ProjectIndex, module_name_for
from opsgen.lint.summary import ModuleSummary, summarize

from tests_lint_support import write_project  # type: ignore[import-not-found]


def build(root: Path) -> ProjectIndex:
    return ProjectIndex.build(LintConfig(root=root))


def test_warm_build_reads_only_changed_files(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project")
    cold = build(root)
    assert cold.parsed == 3
    assert (root / CACHE_DIR / CACHE_FILE).is_file()
    assert (root / CACHE_DIR / ".gitignore").read_text() == "*\n"

    warm = build(root)
    assert warm.parsed == 0
    assert set(warm.functions) == set(cold.functions)

    notify = root / "shop" / "notify.py"
    notify.write_text(notify.read_text() + "\n\ndef unused():\n    return 1\n")
    changed = build(root)
    assert changed.parsed == 1
    assert "shop.notify.unused" in changed.functions


def test_cached_summaries_give_the_same_findings(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project")
    config = LintConfig(root=root)
    cold = lint_paths([root], config)
    warm = lint_paths([root], config)
    assert warm.parsed == 0
    assert [(f.path, f.line, f.message, f.via) for f in warm.findings] == [
        (f.path, f.line, f.message, f.via) for f in cold.findings
    ]
    assert len(cold.findings) == 2


def test_cache_of_another_version_is_ignored(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project")
    build(root)
    cache = root / CACHE_DIR / CACHE_FILE
    data = json.loads(cache.read_text())
    data["key"] = "0.0.0/0"
    cache.write_text(json.dumps(data))
    assert build(root).parsed == 3


def test_corrupt_cache_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = write_project(tmp_path / "project")
    build(root)
    (root / CACHE_DIR / CACHE_FILE).write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="opsgen.lint.index"):
        assert build(root).parsed == 3
    assert "ignoring unreadable lint cache" in caplog.text
    assert build(root).parsed == 0


def test_module_names_follow_packages(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"src/app/__init__.py": "", "src/app/models.py": "", "tool.py": ""})
    assert module_name_for(root / "src/app/models.py") == ("app.models", False)
    assert module_name_for(root / "src/app/__init__.py") == ("app", True)
    assert module_name_for(root / "tool.py") == ("tool", False)


def test_virtualenv_and_excluded_folders_are_skipped(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {"app.py": "", ".venv/lib/x.py": "", "build/y.py": "", "legacy/old.py": ""},
        "[tool.opsgen.lint]\nexclude = ['legacy']\n",
    )
    from opsgen.lint.config import load_config

    index = ProjectIndex.build(load_config(root), use_cache=False)
    assert sorted(Path(p).name for p in index.modules) == ["app.py"]


def test_syntax_error_is_reported_not_raised(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"broken.py": "def f(:\n", "fine.py": "x = 1\n"})
    result = lint_paths([root], LintConfig(root=root), use_cache=False)
    assert result.findings == []
    assert len(result.syntax_errors) == 1
    assert result.syntax_errors[0].startswith("broken.py: ")


def test_re_exported_helper_resolves(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "app/__init__.py": "from app.mail import notify\n",
            "app/mail.py": "from django.core.mail import send_mail\n\ndef notify(a):\n    send_mail('s', 'b', None, [a])\n",
            "app/views.py": "from django.db import transaction\nimport app\n\n@transaction.atomic\ndef v(request):\n    app.notify('x')\n",
        },
    )
    result = lint_paths([root], LintConfig(root=root), use_cache=False)
    assert [(Path(f.path).name, f.line) for f in result.findings] == [("views.py", 6)]
    assert result.findings[0].via[-1].name == "django.core.mail.send_mail"


def test_re_added_module_replaces_its_functions(tmp_path: Path) -> None:
    from opsgen.lint.summary import summarize

    root = write_project(tmp_path / "project", {"app.py": "def old():\n    return 1\n"})
    index = build(root)
    assert "app.old" in index.functions
    summary, _ = summarize(str(root / "app.py"), "app", "def new():\n    return 2\n")
    index.add(summary)
    assert "app.new" in index.functions
    assert "app.old" not in index.functions


def test_outside_a_project_only_given_paths_are_read(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "other").mkdir(parents=True)
    (shared / "other" / "big.py").write_text("def unrelated():\n    return 1\n")
    case = shared / "case.py"
    case.write_text(
        "from django.db import transaction\nimport requests\n\n"
        "def f():\n    with transaction.atomic():\n        requests.post('https://example.invalid')\n"
    )
    from opsgen.lint.config import find_project_root, load_config

    root = find_project_root(case)
    assert root == shared
    result = lint_paths([case], load_config(root))
    assert [(Path(f.path).name, f.line) for f in result.findings] == [("case.py", 6)]
    assert result.parsed == 1
    assert not (shared / CACHE_DIR).exists()


def test_long_call_chain_stops_without_recursion_error(tmp_path: Path) -> None:
    steps = "\n\n".join(f"def step{n}():\n    step{n + 1}()" for n in range(2000))
    source = (
        "import requests\nfrom django.db import transaction\n\n"
        f"{steps}\n\ndef step2000():\n    requests.post('https://example.invalid')\n\n"
        "def near():\n    step1990()\n\n"
        "def entry():\n    with transaction.atomic():\n        step0()\n        near()\n"
    )
    root = write_project(tmp_path / "project", {"chain.py": source})
    result = lint_paths([root], LintConfig(root=root), use_cache=False)
    lines = [f.line for f in result.findings if f.code == "OPS101"]
    assert lines == [source.splitlines().index("        near()") + 1]


def test_uncached_build_skips_cache_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_project(tmp_path / "project")

    def fail(self: ModuleSummary) -> dict[str, Any]:
        raise AssertionError(f"{self.path} converted to cache data in a build without a cache")

    monkeypatch.setattr(ModuleSummary, "to_json", fail)
    index = ProjectIndex.build(LintConfig(root=root), use_cache=False)
    assert index.parsed == 3
    assert not (root / CACHE_DIR).exists()
    assert all("summary" not in entry for entry in index.cache_entries.values())


ROUND_TRIP = """\
import requests
from django.db import models, transaction
from django.db.models.signals import post_save

HANDLERS = {"paid": print}


class Order(models.Model):
    total = models.IntegerField()

    def settle(self, amount, *, note=None):
        with transaction.atomic(using="billing"):
            self.total += amount
            self.save(update_fields=["total"])
            requests.post("https://example.invalid", json={"id": self.pk})


def notify(sender, instance, **kwargs):
    HANDLERS["paid"](instance)


post_save.connect(notify, sender=Order)
"""


def test_summary_survives_cache_text() -> None:
    summary, _ = summarize("shop/models.py", "shop.models", ROUND_TRIP)
    assert summary.classes
    assert summary.connections
    assert any(f.calls and f.transactions for f in summary.functions.values())

    restored = ModuleSummary.from_json(json.loads(json.dumps(summary.to_json())))

    assert restored == summary

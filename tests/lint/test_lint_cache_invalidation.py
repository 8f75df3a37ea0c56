"""A key deleted from Django's cache inside a transaction is a side effect (OPS101)."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

RULES = [rule for rule in load_rules() if rule.code == "OPS101"]


def test_cache_invalidation_inside_atomic(tmp_path: Path) -> None:
    source = (
        "from django.core.cache import cache, caches\n"
        "from django.db import transaction\n\n"
        "def reprice(prices):\n"
        "    with transaction.atomic():\n"
        "        cache.get('prices')\n"
        "        cache.set('seen', 1)\n"
        "        cache.delete('prices')\n"
        "        caches['pages'].clear()\n"
        "    cache.delete('totals')\n"
    )
    findings = lint_example(Example(source), RULES, tmp_path)
    assert [(f.line, f.fix is not None) for f in findings] == [(8, True), (9, True)]
    assert "cache.delete() is a cache invalidation" in findings[0].message

"""An assignment to a property with a setter runs the setter where it is written."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

RULES = [rule for rule in load_rules() if rule.code == "OPS101"]

MODELS = """\
from django.db import models

from shop.tasks import recount


class Counter(models.Model):
    raw = models.IntegerField(default=0)
    label = models.CharField(max_length=20)

    @property
    def value(self):
        return self.raw

    @value.setter
    def value(self, number):
        self.raw = number
        recount.delay(self.pk)

    @property
    def title(self):
        return self.label.title()
"""


def _findings(body: str, tmp_path: Path) -> list[tuple[int, str]]:
    source = "from django.db import transaction\n\nfrom shop.models import Counter\n\n\n" + body
    example = Example(source, files={"shop/__init__.py": "", "shop/models.py": MODELS})
    return [(f.line, f.message) for f in lint_example(example, RULES, tmp_path)]


def test_assignment_runs_setter_inside_atomic(tmp_path: Path) -> None:
    body = "def reset(pk):\n    with transaction.atomic():\n        counter = Counter.objects.get(pk=pk)\n        counter.value = 0\n"
    [(line, message)] = _findings(body, tmp_path)
    assert line == 9
    assert message.startswith("OPS101 the assignment to counter.value leads to a task enqueue")


def test_augmented_assignment_on_annotated_parameter(tmp_path: Path) -> None:
    body = "@transaction.atomic\ndef bump(counter: Counter):\n    counter.value += 1\n"
    assert [line for line, _ in _findings(body, tmp_path)] == [8]


def test_field_and_read_only_property_run_nothing(tmp_path: Path) -> None:
    body = "def rename(counter: Counter):\n    with transaction.atomic():\n        counter.label = 'x'\n        counter.raw = 1\n"
    assert _findings(body, tmp_path) == []


def test_assignment_after_atomic_block(tmp_path: Path) -> None:
    body = "def reset(counter: Counter):\n    with transaction.atomic():\n        counter.save()\n    counter.value = 0\n"
    assert _findings(body, tmp_path) == []

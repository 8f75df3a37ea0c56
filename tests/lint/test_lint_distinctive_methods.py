"""OPS101 links a method called on a value of unknown type, reached from a project object
(``self.object.announce()`` in a view), to the project's methods of that name. The name
must be one that no library API has. One class defines it, or every class that defines
it reaches a side effect."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

MODELS = """\
import requests
from django.db import models


class Incident(models.Model):
    title = models.CharField(max_length=200)

    def announce(self):
        requests.post("https://chat.example.invalid/hook", json={"text": self.title}, timeout=5)

    def publish(self):
        requests.post("https://chat.example.invalid/publish", timeout=5)

    def summary_line(self):
        return self.title
"""

VIEW = """\
from django.db import transaction
from django.views.generic.edit import CreateView

from app.models import Incident


class IncidentCreateView(CreateView):
    model = Incident
    fields = ["title"]

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        {call}
        return response
"""


def ops101(tmp_path: Path, view_body: str, models: str = MODELS) -> list[Finding]:
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    source = VIEW.replace("{call}", textwrap.indent(textwrap.dedent(view_body), " " * 8).strip())
    files = {"app/__init__.py": "", "app/models.py": models}
    return lint_example(Example(source, files=files, path="app/views.py"), rules, tmp_path)


CALLS = {
    "attribute of self": "self.object.announce()",
    "local bound from the attribute": "incident = self.object\nincident.announce()",
    "result of a method of self": "self.get_object().announce()",
}


@pytest.mark.parametrize("body", list(CALLS.values()), ids=list(CALLS))
def test_distinctive_method_of_untyped_value_is_followed(tmp_path: Path, body: str) -> None:
    findings = ops101(tmp_path, body)

    assert len(findings) == 1
    assert "announce()" in findings[0].message
    assert "leads to an HTTP request (requests.post at app/models.py:9)" in findings[0].message
    assert "form_valid()" in findings[0].message


def test_method_named_like_library_api_is_not_followed(tmp_path: Path) -> None:
    # publish() is also a Redis, MQTT and Pub/Sub client method, so the name alone does not say whose it is.
    assert ops101(tmp_path, "self.object.publish()") == []


def test_method_without_side_effect_is_not_reported(tmp_path: Path) -> None:
    assert ops101(tmp_path, "self.object.summary_line()") == []


OTHER_CLASS = """\n
class Checklist(models.Model):
    def announce(self):
        {body}
"""


def test_name_shared_with_quiet_class(tmp_path: Path) -> None:
    models = MODELS + OTHER_CLASS.replace("{body}", "return None")

    assert ops101(tmp_path, "self.object.announce()", models) == []


def test_name_shared_by_sending_classes(tmp_path: Path) -> None:
    models = MODELS + OTHER_CLASS.replace("{body}", 'requests.post("https://example.invalid/list", timeout=5)')
    findings = ops101(tmp_path, "self.object.announce()", models)

    assert len(findings) == 1
    assert "leads to an HTTP request" in findings[0].message

"""A ``save()`` on the instance a framework class hands to its methods writes the model the
class declares: a serializer's ``Meta.model`` for ``instance``, a generic view's ``model``
for ``self.object``. OPS101 follows such a save to the model's ``post_save`` receivers and
reports it where it is made, inside the method's transaction, with the path to the effect."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

RECEIVER = """\
from django.db.models.signals import post_save
from django.dispatch import receiver
from sendgrid import SendGridAPIClient

from quotes.models import Quote

mailer = SendGridAPIClient("key")


@receiver(post_save, sender=Quote)
def mail_quote(sender, instance, **kwargs):
    mailer.send(instance.email)
"""

SERIALIZER = """\
from django.db import transaction
from rest_framework import serializers

from quotes.models import Quote


class QuoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = {model}
        fields = ["state"]

    @transaction.atomic
    def update(self, instance, validated_data):
        instance.state = validated_data["state"]
        instance.save()
        return instance
"""

VIEW = """\
from django.db import transaction
from django.views.generic.edit import UpdateView

from quotes.models import Quote


class QuoteUpdateView(UpdateView):
    model = {model}

    @transaction.atomic
    def form_valid(self, form):
        self.object = form.save(commit=False)
        self.object.save()
        return super().form_valid(form)
"""


def ops101(tmp_path: Path, template: str, model: str) -> list[Finding]:
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    files = {"app/__init__.py": "", "app/receivers.py": RECEIVER}
    example = Example(template.replace("{model}", model), files=files, path="app/api.py")
    return lint_example(example, rules, tmp_path)


TEMPLATES = {"serializer update": (SERIALIZER, "instance.save()", "update()"), "update view": (VIEW, "self.object.save()", "form_valid()")}


@pytest.mark.parametrize(("template", "call", "method"), list(TEMPLATES.values()), ids=list(TEMPLATES))
def test_save_of_declared_model_names_the_path(tmp_path: Path, template: str, call: str, method: str) -> None:
    findings = ops101(tmp_path, template, "Quote")
    save_line = next(n for n, line in enumerate(template.splitlines(), 1) if line.strip() == call)

    assert len(findings) == 1
    assert findings[0].line == save_line
    assert f"{call} leads to an email (sendgrid.SendGridAPIClient().send at app/receivers.py:12)" in findings[0].message
    assert f"@atomic function {method}" in findings[0].message
    assert [hop.name for hop in findings[0].via][0] == "post_save receiver app.receivers.mail_quote"


@pytest.mark.parametrize("template", [template for template, _, _ in TEMPLATES.values()], ids=list(TEMPLATES))
def test_save_of_other_declared_model_is_quiet(tmp_path: Path, template: str) -> None:
    other = template.replace("from quotes.models import Quote", "from quotes.models import Invoice")

    assert ops101(tmp_path, other, "Invoice") == []

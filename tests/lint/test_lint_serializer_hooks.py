"""OPS101 through Django REST framework's serializer.save(): the serializer's create() and update()."""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsgen.lint.config import config_from_mapping
from opsgen.lint.engine import lint_paths
from opsgen.lint.examples import write_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

SERIALIZERS = """\
import requests
from rest_framework import serializers

from shop.models import Customer

HOOK = "https://example.invalid/customers"


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "email"]

    def create(self, validated_data):
        customer = Customer.objects.create(**validated_data)
        requests.post(HOOK, json={"created": customer.pk})
        return customer


class QuietSerializer(serializers.ModelSerializer):
    def update(self, instance, validated_data):
        return super().update(instance, validated_data)

    def create(self, validated_data):
        requests.post(HOOK, json=validated_data)
        return Customer.objects.create(**validated_data)
"""

ATOMIC_REQUESTS = {"atomic-requests": True}


def lint_views(tmp_path: Path, views: str, config: dict[str, object] | None = None) -> list[Finding]:
    """Lint a project of ``shop/views.py`` (``views`` dedented) and ``shop/serializers.py``; return its OPS101 findings."""
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    files = {"shop/__init__.py": "", "shop/serializers.py": SERIALIZERS, "shop/models.py": "class Customer:\n    pass\n"}
    main = write_example(Example(textwrap.dedent(views), files=files, path="shop/views.py"), tmp_path)
    root = main.parent.parent.resolve()
    return lint_paths([root], config_from_mapping(config or {}, root), rules, use_cache=False).findings


def test_typed_serializer_save_in_atomic(tmp_path: Path) -> None:
    findings = lint_views(
        tmp_path,
        """\
        from django.db import transaction

        from shop.serializers import CustomerSerializer


        @transaction.atomic
        def register(request):
            serializer = CustomerSerializer(data=request.POST)
            serializer.is_valid(raise_exception=True)
            serializer.save()
        """,
    )

    assert [(Path(f.path).name, f.line) for f in findings] == [("views.py", 10)]
    assert "serializer.save() leads to an HTTP request (requests.post at shop/serializers.py:16)" in findings[0].message
    assert findings[0].via[-1].name == "requests.post"


def test_perform_create_uses_serializer_class(tmp_path: Path) -> None:
    findings = lint_views(
        tmp_path,
        """\
        from django.db import transaction
        from rest_framework import viewsets

        from shop.serializers import CustomerSerializer


        class CustomerViewSet(viewsets.ModelViewSet):
            serializer_class = CustomerSerializer

            @transaction.atomic
            def perform_create(self, serializer):
                serializer.save()
        """,
    )

    assert [(Path(f.path).name, f.line) for f in findings] == [("views.py", 12)]


def test_perform_update_runs_update_only(tmp_path: Path) -> None:
    findings = lint_views(
        tmp_path,
        """\
        from django.db import transaction
        from rest_framework import viewsets

        from shop.serializers import QuietSerializer


        class CustomerViewSet(viewsets.ModelViewSet):
            serializer_class = QuietSerializer

            @transaction.atomic
            def perform_update(self, serializer):
                serializer.save()
        """,
    )

    assert findings == []


def test_framework_save_under_atomic_requests(tmp_path: Path) -> None:
    findings = lint_views(
        tmp_path,
        """\
        from rest_framework import viewsets

        from shop.serializers import CustomerSerializer


        class CustomerViewSet(viewsets.ModelViewSet):
            serializer_class = CustomerSerializer
        """,
        config=ATOMIC_REQUESTS,
    )

    assert [(Path(f.path).name, f.line) for f in findings] == [("serializers.py", 16)]
    assert "inside the request transaction of CustomerViewSet (ATOMIC_REQUESTS is on), whose serializer.save() runs create()" in findings[0].message
    assert findings[0].fix is not None


def test_framework_save_without_atomic_requests(tmp_path: Path) -> None:
    findings = lint_views(
        tmp_path,
        """\
        from rest_framework import viewsets

        from shop.serializers import CustomerSerializer


        class CustomerViewSet(viewsets.ModelViewSet):
            serializer_class = CustomerSerializer
        """,
    )

    assert findings == []


def test_overridden_perform_create_reported_once(tmp_path: Path) -> None:
    findings = lint_views(
        tmp_path,
        """\
        from rest_framework import viewsets

        from shop.serializers import CustomerSerializer


        class CustomerViewSet(viewsets.ModelViewSet):
            serializer_class = CustomerSerializer

            def perform_create(self, serializer):
                serializer.save(owner=self.request.user)
        """,
        config=ATOMIC_REQUESTS,
    )

    assert [(Path(f.path).name, f.line) for f in findings] == [("views.py", 10)]

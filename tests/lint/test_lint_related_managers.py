"""OPS102 on Django related-manager writes: add(), remove(), set() and clear() of a known relation."""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsgen.lint.engine import lint_paths
from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

from tests_lint_support import write_project  # type: ignore[import-not-found]

MODELS = """\
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class Team(models.Model):
    name = models.CharField(max_length=80)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams")


class Tag(models.Model):
    name = models.CharField(max_length=40)


class Article(models.Model):
    tags = models.ManyToManyField(Tag, related_name="articles")
    labels = models.ManyToManyField("Label", related_name="+")
    similar = models.ManyToManyField("self", related_name="%(class)s_similar_to")


class Label(models.Model):
    name = models.CharField(max_length=40)


class Comment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE)


class Project(models.Model):
    owner = models.ForeignKey(Team, on_delete=models.CASCADE)
"""

USER_MODEL = """\
from django.contrib.auth.models import AbstractUser


class Member(AbstractUser):
    pass
"""


def ops102_lines(tmp_path: Path, body: str, models: str = MODELS, extra: dict[str, str] | None = None) -> list[int]:
    """Lint ``app/services.py`` (``body`` dedented) beside ``app/models.py``; return the OPS102 lines."""
    rules = [rule for rule in load_rules() if rule.code == "OPS102"]
    files = {"app/__init__.py": "", "app/models.py": models, **(extra or {})}
    example = Example(textwrap.dedent(body), files=files, path="app/services.py")
    return [finding.line for finding in lint_example(example, rules, tmp_path)]


def test_forward_many_to_many_typed(tmp_path: Path) -> None:
    lines = ops102_lines(
        tmp_path,
        """\
        from app.models import Team


        def join(team_id, user):
            club = Team.objects.get(pk=team_id)
            club.members.add(user)
            club.save()
        """,
    )

    assert lines == [6]


def test_variable_named_for_model(tmp_path: Path) -> None:
    lines = ops102_lines(
        tmp_path,
        """\
        from app.models import Team


        def leave(team, user, audit):
            team.members.remove(user)
            audit.delete()
        """,
    )

    assert lines == [5]


def test_object_from_get_object_or_404(tmp_path: Path) -> None:
    lines = ops102_lines(
        tmp_path,
        """\
        from django.shortcuts import get_object_or_404

        from app.models import Team


        def reset(request, pk):
            club = get_object_or_404(Team, pk=pk)
            club.members.clear()
            club.delete()
        """,
    )

    assert lines == [8]


def test_reverse_related_name(tmp_path: Path) -> None:
    lines = ops102_lines(
        tmp_path,
        """\
        from app.models import Tag


        def retag(tag, articles):
            tag.articles.set(articles)
            tag.save()
        """,
    )

    assert lines == [5]


def test_reverse_default_accessor(tmp_path: Path) -> None:
    lines = ops102_lines(
        tmp_path,
        """\
        from app.models import Article


        def attach(article, comments):
            article.comment_set.add(*comments, bulk=False)
            article.save()
        """,
    )

    assert lines == [5]


def test_related_name_class_placeholder(tmp_path: Path) -> None:
    lines = ops102_lines(
        tmp_path,
        """\
        from app.models import Article


        def link(article, other):
            article.article_similar_to.add(other)
            article.save()
        """,
    )

    assert lines == [5]


def test_hidden_reverse_accessor_not_counted(tmp_path: Path) -> None:
    lines = ops102_lines(
        tmp_path,
        """\
        from app.models import Label


        def relabel(label, article):
            label.article_set.add(article)
            label.save()
        """,
    )

    assert lines == []


def test_plain_set_and_list_not_counted(tmp_path: Path) -> None:
    lines = ops102_lines(
        tmp_path,
        """\
        class Basket:
            def __init__(self):
                self.items = []
                self.members = set()

            def drop(self, team, item, user):
                seen = set()
                seen.add(item)
                self.items.remove(item)
                self.members.add(user)
                self.members.clear()
                team.save()
        """,
    )

    assert lines == []


def test_attribute_not_a_relation(tmp_path: Path) -> None:
    lines = ops102_lines(
        tmp_path,
        """\
        from app.models import Team


        def tidy(team, tag):
            team.tags.add(tag)
            team.save()
        """,
    )

    assert lines == []


def test_auth_user_groups(tmp_path: Path) -> None:
    lines = ops102_lines(
        tmp_path,
        """\
        from django.contrib.auth.models import Group, User


        def promote(user_id, group_name):
            account = User.objects.get(pk=user_id)
            staff = Group.objects.get(name=group_name)
            account.groups.add(staff)
            staff.permissions.clear()
        """,
    )

    assert lines == [7]


def test_request_user_reverse_of_user_model(tmp_path: Path) -> None:
    lines = ops102_lines(
        tmp_path,
        """\
        from django.contrib.auth.decorators import login_required


        @login_required
        def join(request, team):
            request.user.teams.add(team)
            request.user.save()
        """,
        extra={"accounts/__init__.py": "", "accounts/models.py": USER_MODEL},
    )

    assert lines == [6]


def test_custom_user_inherits_groups(tmp_path: Path) -> None:
    lines = ops102_lines(
        tmp_path,
        """\
        from accounts.models import Member


        def onboard(member_id, group, invite):
            new_member = Member.objects.get(pk=member_id)
            new_member.groups.add(group)
            invite.delete()
        """,
        extra={"accounts/__init__.py": "", "accounts/models.py": USER_MODEL},
    )

    assert lines == [6]


def test_add_in_loop_not_independent(tmp_path: Path) -> None:
    lines = ops102_lines(
        tmp_path,
        """\
        def enrol(team, users):
            for user in users:
                team.members.add(user)
        """,
    )

    assert lines == [3]


def test_delete_in_loop_still_independent(tmp_path: Path) -> None:
    lines = ops102_lines(
        tmp_path,
        """\
        def purge(teams):
            for team in teams:
                team.delete()
        """,
    )

    assert lines == []


def test_related_name_added_on_warm_run(tmp_path: Path) -> None:
    service = "from app.models import Tag\n\n\ndef retag(tag, articles):\n    tag.articles.set(articles)\n    tag.save()\n"
    unnamed = MODELS.replace('models.ManyToManyField(Tag, related_name="articles")', "models.ManyToManyField(Tag)")
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/models.py": unnamed, "app/services.py": service})

    first = [f.line for f in lint_paths([root / "app"]).findings if f.code == "OPS102"]
    (root / "app" / "models.py").write_text(MODELS)
    second = [f.line for f in lint_paths([root / "app"]).findings if f.code == "OPS102"]

    assert first == []
    assert second == [5]

"""OPS101 on where a transaction starts and ends: rows changed in a loop over a session
read, unit-of-work classes whose ``__exit__`` commits, and the delete and
``m2m_changed`` receivers that a write inside a transaction runs."""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsgen.lint.config import LintConfig
from opsgen.lint.engine import lint_paths
from opsgen.lint.rule import Finding


def ops101(tmp_path: Path, source: str, files: dict[str, str] | None = None, path: str = "example.py") -> list[Finding]:
    """Lint a project of ``files`` and ``source`` at ``path``; return the OPS101 findings in
    any of its files, in path and line order."""
    for relative, text in {**(files or {}), path: source}.items():
        written = tmp_path / relative
        written.parent.mkdir(parents=True, exist_ok=True)
        written.write_text(textwrap.dedent(text))
    result = lint_paths([tmp_path], LintConfig(root=tmp_path), use_cache=False)
    return sorted((f for f in result.findings if f.code == "OPS101"), key=lambda f: (f.path, f.line))


def placed(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(Path(f.path).name, f.line) for f in findings]


# -- rows loaded through a session ----------------------------------------------------------

LOOP_OVER_READ = """\
from app.extensions import db
from app.models import Photo
from app.tasks import resize


def requeue(album_id):
    for photo in db.session.scalars(db.select(Photo).where(Photo.album_id == album_id)):
        photo.status = "resizing"
    resize.delay(album_id)
    db.session.commit()
"""


def test_loop_over_session_read_changes_rows(tmp_path: Path) -> None:
    findings = ops101(tmp_path, LOOP_OVER_READ)

    assert [f.line for f in findings] == [9]
    assert "the db.session transaction begun by the write at line 8" in findings[0].message


def test_loop_over_session_read_after_commit(tmp_path: Path) -> None:
    source = LOOP_OVER_READ.replace("    resize.delay(album_id)\n    db.session.commit()\n", "    db.session.commit()\n    resize.delay(album_id)\n")

    assert ops101(tmp_path, source) == []


def test_loop_over_plain_list_is_no_write(tmp_path: Path) -> None:
    source = LOOP_OVER_READ.replace("db.session.scalars(db.select(Photo).where(Photo.album_id == album_id))", "album_id.photos")

    assert ops101(tmp_path, source) == []


# -- unit-of-work classes -------------------------------------------------------------------

UOW_COMMITS = """\
class UnitOfWork:
    def __init__(self, session_factory):
        self.session_factory = session_factory

    def __enter__(self):
        self.session = self.session_factory()
        self.session.begin()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.session.commit()
        else:
            self.session.rollback()
        self.session.close()
"""

#: A unit of work that leaves the commit to the code in its block, and rolls back
#: whatever that code did not commit.
UOW_ROLLS_BACK = """\
class UnitOfWork:
    def __init__(self, session_factory):
        self.session_factory = session_factory

    def __enter__(self):
        self.session = self.session_factory()
        return self

    def __exit__(self, *args):
        self.session.rollback()
        self.session.close()

    def commit(self):
        self.session.commit()
"""

SERVICE = """\
import requests

from shop.uow import UnitOfWork


class Checkout:
    def __init__(self, uow: UnitOfWork):
        self.uow = uow

    def place(self, order):
        with self.uow as uow:
            requests.post("https://example.invalid/placing", timeout=5)
            uow.session.add(order)
        requests.post("https://example.invalid/placed", timeout=5)


def place(factory, order):
    with UnitOfWork(factory) as uow:
        uow.session.add(order)
        requests.post("https://example.invalid/placing", timeout=5)
    requests.post("https://example.invalid/placed", timeout=5)
"""


def test_unit_of_work_block_is_transaction(tmp_path: Path) -> None:
    files = {"shop/__init__.py": "", "shop/uow.py": UOW_COMMITS}

    findings = ops101(tmp_path, SERVICE, files, path="shop/service.py")

    assert [f.line for f in findings] == [12, 20]
    assert "the with block on a UnitOfWork at line 11, which opens a session transaction" in findings[0].message
    assert "the UnitOfWork() block at line 18" in findings[1].message
    assert findings[0].fix is None
    assert findings[0].no_fix_reason is not None
    assert "shop.uow.UnitOfWork" in findings[0].no_fix_reason


def test_unit_of_work_rolling_back_ends_writes(tmp_path: Path) -> None:
    files = {"shop/__init__.py": "", "shop/uow.py": UOW_ROLLS_BACK}

    findings = ops101(tmp_path, SERVICE, files, path="shop/service.py")

    # Its block is no transaction until a write, and the writes end with the block.
    assert [f.line for f in findings] == [20]
    assert "uow.session transaction begun by the write at line 19" in findings[0].message


def test_async_unit_of_work_block(tmp_path: Path) -> None:
    uow = UOW_COMMITS.replace("def __enter__", "async def __aenter__").replace("def __exit__", "async def __aexit__")
    service = SERVICE.replace("    def place(self, order):\n        with", "    async def place(self, order):\n        async with")
    files = {"shop/__init__.py": "", "shop/uow.py": uow}

    findings = ops101(tmp_path, service, files, path="shop/service.py")

    assert [f.line for f in findings if f.line < 17] == [12]


# -- receivers that run inside the write's atomic block -------------------------------------

MODELS = """\
from django.db import models


class Team(models.Model):
    members = models.ManyToManyField("auth.User", related_name="teams")
    tags = models.ManyToManyField("Tag")


class Tag(models.Model):
    name = models.CharField(max_length=40)
"""

RECEIVERS = """\
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from teams.models import Team
from teams.push import announce


@receiver(m2m_changed, sender=Team.members.through)
def members_changed(sender, instance, action, **kwargs):
    announce(instance.pk, action)
"""

PUSH = """\
import requests


def announce(team_id, action):
    requests.post(f"https://push.invalid/teams/{team_id}", json={"action": action}, timeout=5)
"""

SERVICES = """\
from django.db import transaction

from teams.models import Team


def join(team_id, user):
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team_id)
        team.members.add(user)
        team.tags.clear()


def leave(team, user):
    team.members.remove(user)
"""


def test_m2m_receiver_reported_at_write(tmp_path: Path) -> None:
    files = {"teams/__init__.py": "", "teams/models.py": MODELS, "teams/signals.py": RECEIVERS, "teams/push.py": PUSH}

    findings = ops101(tmp_path, SERVICES, files, path="teams/services.py")

    assert placed(findings) == [("services.py", 9)]
    hops = [hop.name for hop in findings[0].via]
    assert hops == ["m2m_changed receiver teams.signals.members_changed", "teams.push.announce", "requests.post"]


def test_m2m_receiver_without_caller_in_transaction(tmp_path: Path) -> None:
    services = SERVICES.replace("        team.members.add(user)\n", "")
    files = {"teams/__init__.py": "", "teams/models.py": MODELS, "teams/signals.py": RECEIVERS, "teams/push.py": PUSH}

    findings = ops101(tmp_path, services, files, path="teams/services.py")

    # leave() writes in autocommit mode, where Django's own atomic block still holds the receiver.
    assert placed(findings) == [("signals.py", 10)]
    assert "the write's atomic block, which sends m2m_changed" in findings[0].message


def test_m2m_receiver_of_other_field(tmp_path: Path) -> None:
    receivers = RECEIVERS.replace("Team.members.through", "Team.tags.through")
    services = SERVICES.replace("        team.tags.clear()\n", "")
    files = {"teams/__init__.py": "", "teams/models.py": MODELS, "teams/signals.py": receivers, "teams/push.py": PUSH}

    findings = ops101(tmp_path, services, files, path="teams/services.py")

    # No write changes the tags, so the receiver is reported where it runs.
    assert placed(findings) == [("signals.py", 10)]


def test_m2m_receiver_for_any_sender(tmp_path: Path) -> None:
    receivers = RECEIVERS.replace("@receiver(m2m_changed, sender=Team.members.through)", "@receiver(m2m_changed)")
    services = SERVICES.replace("team.members.add(user)", "team.followers.add(user)")
    files = {"teams/__init__.py": "", "teams/models.py": MODELS, "teams/signals.py": receivers, "teams/push.py": PUSH}

    findings = ops101(tmp_path, services, files, path="teams/services.py")

    # Team has no related manager named followers, so only tags.clear() sends the signal.
    assert placed(findings) == [("services.py", 10)]

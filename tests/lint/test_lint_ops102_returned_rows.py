"""OPS102 on a row that a project function creates and returns, then the caller saves."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.engine import lint_paths

from tests_lint_support import write_project  # type: ignore[import-not-found]

HELPERS = """\
from accounts.models import Profile


def get_profile(user):
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


async def aget_profile(user):
    profile, _ = await Profile.objects.aget_or_create(user=user)
    return profile


def open_profile(user):
    return Profile.objects.create(user=user)


def find_profile(user):
    return Profile.objects.filter(user=user).first()


def get_profile_logged(user):
    profile, _ = Profile.objects.get_or_create(user=user)
    ProfileEvent.objects.create(user=user, kind="read")
    return profile


def get_or_none(user):
    profile, created = Profile.objects.get_or_create(user=user)
    if created:
        return None
    return profile
"""


def _ops102(tmp_path: Path, source: str) -> list[tuple[int, str]]:
    files = {"accounts/__init__.py": "", "accounts/helpers.py": HELPERS, "accounts/views.py": source}
    root = write_project(tmp_path / "project", files)
    findings = lint_paths([root], use_cache=False).findings
    return [(f.line, f.message) for f in findings if f.code == "OPS102" and f.path.endswith("views.py")]


NOT_REPORTED = {
    "get-or-create-helper": """\
        from accounts.models import Profile
        from accounts.helpers import get_profile

        def rename(user, name):
            profile = get_profile(user)
            profile.display_name = name
            profile.save(update_fields=["display_name"])
        """,
    "async-get-or-create-helper": """\
        from accounts.models import Profile
        from accounts.helpers import aget_profile

        async def rename(user, name):
            profile = await aget_profile(user)
            profile.display_name = name
            await profile.asave(update_fields=["display_name"])
        """,
    "create-helper": """\
        from accounts.models import Profile
        from accounts.helpers import open_profile

        def start(user, name):
            profile = open_profile(user)
            profile.display_name = name
            profile.save()
        """,
}

REPORTED = {
    # The saved row is not the one the helper wrote, so both writes count.
    "helper-then-other-row": (
        """\
        from accounts.models import Profile
        from accounts.helpers import get_profile

        def rename(user, other, name):
            profile = get_profile(user)
            other.display_name = name
            other.save()
        """,
        5,
    ),
    # The helper writes a second row, so its call is more than the row's creation.
    "helper-with-two-writes": (
        """\
        from accounts.models import Profile
        from accounts.helpers import get_profile_logged

        def rename(user, name):
            profile = get_profile_logged(user)
            profile.display_name = name
            profile.save()
        """,
        5,
    ),
    # One return of the helper is not the created row.
    "helper-returns-something-else": (
        """\
        from accounts.models import Profile
        from accounts.helpers import get_or_none

        def rename(user, name):
            profile = get_or_none(user)
            profile.display_name = name
            profile.save()
        """,
        5,
    ),
    # The name is bound again before the save.
    "name-bound-again": (
        """\
        from accounts.models import Profile
        from accounts.helpers import get_profile

        def rename(user, name):
            profile = get_profile(user)
            profile = user.previous_profile
            profile.display_name = name
            profile.save()
        """,
        5,
    ),
    # A save exempted as the created row still leaves the other write.
    "helper-row-and-audit-row": (
        """\
        from accounts.helpers import get_profile
        from accounts.models import AuditEntry

        def rename(user, name):
            profile = get_profile(user)
            profile.display_name = name
            profile.save()
            AuditEntry.objects.create(user=user, action="rename")
        """,
        5,
    ),
}


@pytest.mark.parametrize("name", sorted(NOT_REPORTED))
def test_returned_row_save_not_reported(tmp_path: Path, name: str) -> None:
    assert _ops102(tmp_path, NOT_REPORTED[name]) == []


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_returned_row_writes_reported(tmp_path: Path, name: str) -> None:
    source, line = REPORTED[name]
    findings = _ops102(tmp_path, source)
    assert [found_line for found_line, _ in findings] == [line]


def test_read_helper_row_save_is_single_write(tmp_path: Path) -> None:
    source = """\
        from accounts.models import Profile
        from accounts.helpers import find_profile

        def rename(user, name):
            profile = find_profile(user)
            profile.display_name = name
            profile.save()
        """
    assert _ops102(tmp_path, source) == []

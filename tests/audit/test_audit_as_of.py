"""Rebuilt states match a replay of the writes at every version of random histories."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit_support import AuditDatabase, plans
from opsgen.audit import as_of, history, state_at_version
from opsgen.audit.history import take_snapshot

names = st.text(alphabet="abcdefgh xyz'\"é", min_size=1, max_size=12)
amounts = st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False, allow_infinity=False)
intervals = st.integers(min_value=1, max_value=365)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), st.fixed_dictionaries({"name": names, "amount": amounts, "interval_days": intervals})),
        st.tuples(
            st.just("update"),
            st.fixed_dictionaries({}, optional={"name": names, "amount": amounts, "interval_days": intervals}),
        ),
        st.tuples(st.just("delete"), st.just({})),
        st.tuples(st.just("snapshot"), st.just({})),
    ),
    min_size=1,
    max_size=20,
)

entity_ids = itertools.count(1000)


def current_state(connection: sa.Connection, entity_id: int) -> dict[str, Any] | None:
    """The row as the audit trail should show it: excluded column dropped, sensitive one masked."""
    row = connection.execute(sa.select(plans).where(plans.c.id == entity_id)).mappings().first()
    if row is None:
        return None
    state = {key: value for key, value in row.items() if key != "updated_at"}
    if state["card_token"] is not None:
        state["card_token"] = "***"
    return state


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_as_of_matches_replay(audit_db: AuditDatabase, plan: list[tuple[str, dict[str, Any]]]) -> None:
    entity_id = next(entity_ids)
    states: dict[int, dict[str, Any] | None] = {}
    exists = False

    for action, values in plan:
        with audit_db.engine.begin() as connection:
            if action == "snapshot":
                if states:
                    take_snapshot(connection, "billing_plan", entity_id, max(states))
                continue
            before = current_state(connection, entity_id)
            if action == "insert" and not exists:
                connection.execute(plans.insert().values(id=entity_id, **values))
            elif action == "update" and exists and values:
                connection.execute(plans.update().where(plans.c.id == entity_id).values(**values))
            elif action == "delete" and exists:
                connection.execute(plans.delete().where(plans.c.id == entity_id))
            after = current_state(connection, entity_id)
        exists = after is not None
        if after != before:
            states[len(states) + 1] = after

    with audit_db.engine.connect() as connection:
        versions = {v.version: v for v in history(connection, "billing_plan", entity_id, limit=1000)}
        assert sorted(versions) == sorted(states)
        for number, expected in states.items():
            assert state_at_version(connection, "billing_plan", entity_id, number) == expected, f"version {number}"

        # A time shared by two commits (SQLite keeps milliseconds) names the later one.
        for number, expected in states.items():
            moment = versions[number].committed_at
            following = versions.get(number + 1)
            if following is not None and following.committed_at == moment:
                continue
            assert as_of(connection, "billing_plan", entity_id, moment) == expected, f"as of version {number}"


def test_as_of_before_first_version_is_none(audit_db: AuditDatabase) -> None:
    with audit_db.engine.begin() as connection:
        connection.execute(plans.insert().values(id=1, name="p", amount=Decimal("1.00")))
    with audit_db.engine.connect() as connection:
        first = history(connection, "billing_plan", 1)[0]
        earlier = first.committed_at.replace(year=first.committed_at.year - 1)
        assert as_of(connection, "billing_plan", 1, earlier) is None
        assert as_of(connection, "billing_plan", 1, first.committed_at)["name"] == "p"  # type: ignore[index]

"""Which statements of a request outside atomic blocks run in a transaction that carries its context."""

from __future__ import annotations

import pytest

from opsgen.audit.config import table_key
from opsgen.integrations.django.request_audit import writes_audited

AUDITED = frozenset({table_key("shop_order"), table_key('billing."Invoice"')})


@pytest.mark.parametrize("sql", [
    'INSERT INTO "shop_order" ("total") VALUES (%s) RETURNING "shop_order"."id"',
    'UPDATE "shop_order" SET "total" = %s WHERE "shop_order"."id" = %s',
    'DELETE FROM "shop_order" WHERE "shop_order"."id" IN (%s)',
    "update public.SHOP_ORDER set total = 0",
    'insert into billing."Invoice" (n) values (1)',
    "  \n  DELETE  FROM  shop_order",
    "WITH moved AS (DELETE FROM staging RETURNING *) INSERT INTO other SELECT * FROM moved",
    "TRUNCATE shop_order",
    "COPY shop_order FROM STDIN",
    "SELECT id INTO TEMP copied FROM shop_order",
])
def test_writes_that_may_change_an_audited_table(sql: str) -> None:
    assert writes_audited(sql, AUDITED)


@pytest.mark.parametrize("sql", [
    'SELECT "shop_order"."id" FROM "shop_order" WHERE "shop_order"."id" = %s',
    'UPDATE "django_session" SET "session_data" = %s WHERE "session_key" = %s',
    'INSERT INTO "shop_order_line" ("order_id") VALUES (%s)',
    'DELETE FROM "shop_orders"',
    "SAVEPOINT s1",
])
def test_statements_that_leave_audited_tables_alone(sql: str) -> None:
    assert not writes_audited(sql, AUDITED)


def test_table_keys_ignore_schema_quotes_and_case() -> None:
    assert {table_key(name) for name in ("orders", '"Orders"', "app.ORDERS", 'app."orders"')} == {"orders"}
    assert table_key('"odd""name"') == 'odd"name'
    assert table_key('sales."a.b"') == "a.b"

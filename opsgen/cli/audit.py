"""``opsgen audit``: install and check the capture triggers, and read the audit trail."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine.interfaces import ReflectedColumn

from opsgen.audit.config import AuditConfig, AuditConfigError, FoundConfig, find_config, load_config
from opsgen.audit.history import HistoryPruned, Version, change_pairs, dumps_json
from opsgen.cli.display import SHORT_ID, counted, make_console

T = TypeVar("T")

#: Printed after a change to an entity that no operation of its call tree had declared when it was made.
UNEXPECTED_FLAG = "  UNEXPECTED: no operation of the call tree so far lists this entity in its spec"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="read and check the audit trail",
        description="Install and check the audit triggers, and read the recorded history of audited entities.",
    )
    parser.add_argument("--database-url", metavar="URL", help="database to use (default: [tool.opsgen] database-url)")
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="pyproject.toml that declares [tool.opsgen.audit] (default: the nearest one with [tool.opsgen])",
    )
    # The same options after the subcommand; SUPPRESS keeps an unset one from hiding
    # the value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database-url", metavar="URL", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument("--config", type=Path, metavar="FILE", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)

    install = commands.add_parser(
        "install", parents=[common], help="create the audit tables and create or refresh the triggers")
    install.add_argument("entities", nargs="*", metavar="ENTITY", help="only these entities (default: all declared)")
    install.set_defaults(handler=_guarded(run_install))

    check = commands.add_parser(
        "check",
        parents=[common],
        help="exit 1 when a trigger no longer matches its table, 2 when no entity is declared (for CI)",
    )
    check.set_defaults(handler=_guarded(run_check))

    history = commands.add_parser(
        "history", parents=[common], help="list the versions of one entity, newest first, with their diffs")
    history.add_argument("entity")
    history.add_argument("id")
    history.add_argument("--limit", type=int, default=50, help="versions per page (default: 50)")
    history.add_argument("--before", type=int, metavar="VERSION", help="show versions older than VERSION")
    history.add_argument("--json", action="store_true", help="print JSON lines instead of text")
    history.set_defaults(handler=_guarded(run_history))

    diff = commands.add_parser(
        "diff", parents=[common], help="show the columns that differ between two versions")
    diff.add_argument("entity")
    diff.add_argument("id")
    diff.add_argument("first", type=int, metavar="V1")
    diff.add_argument("second", type=int, metavar="V2")
    diff.set_defaults(handler=_guarded(run_diff))

    as_of = commands.add_parser(
        "as-of", parents=[common], help="rebuild one entity as it was at a time")
    as_of.add_argument("entity")
    as_of.add_argument("id")
    as_of.add_argument("time", help="ISO 8601 time; UTC when it has no offset")
    as_of.set_defaults(handler=_guarded(run_as_of))

    snapshot = commands.add_parser(
        "snapshot", parents=[common], help="write the periodic snapshots that bound 'as of' replays")
    snapshot.set_defaults(handler=_guarded(run_snapshot))

    prune = commands.add_parser(
        "prune", parents=[common], help="delete history older than each entity's retention period")
    prune.set_defaults(handler=_guarded(run_prune))

    unexpected = commands.add_parser(
        "unexpected", parents=[common],
        help="list changes to entities that no operation of the changing call tree lists in its spec; "
        "exit status 1 when there are any, for a CI step"
    )
    unexpected.add_argument("--since", help="ISO 8601 time; UTC when it has no offset")
    unexpected.add_argument("--limit", type=int, default=100)
    unexpected.set_defaults(handler=_guarded(run_unexpected))


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except MissingAuditTables as exc:
            return _fail(str(exc))

    return run


def _found_config(args: argparse.Namespace) -> FoundConfig:
    path: Path | None = args.config
    if path is None:
        return find_config()
    return FoundConfig(config=load_config(path), pyproject=path, start=path.parent)


def _config(args: argparse.Namespace) -> AuditConfig:
    return _found_config(args).config


def _undeclared_entity(args: argparse.Namespace) -> str | None:
    """Say why ``args.entity`` is not a declared entity; None when it is or nothing is declared."""
    try:
        config = _config(args)
    except AuditConfigError:
        return None
    if not config.entities or args.entity in config.entities:
        return None
    message = f"{args.entity!r} is not a declared audited entity (declared: {', '.join(sorted(config.entities))})"
    try:
        owner = config.for_table(args.entity)
    except KeyError:
        close = config.closest_entity(args.entity)
        return f"{message}; did you mean {close!r}?" if close else message
    return f"{message}; {args.entity!r} is the table of entity {owner.name!r}, so use that name"


def _database_url(args: argparse.Namespace) -> str:
    if args.database_url:
        return str(args.database_url)
    from opsgen.runtime.config import load_settings

    start = args.config.parent if args.config is not None else None
    return load_settings(start).database_url


class MissingAuditTables(Exception):
    """The database has no audit tables."""


@contextmanager
def _connection(
    args: argparse.Namespace, *, write: bool = False, require_tables: bool = True
) -> Iterator[sa.Connection]:
    url = sa.make_url(_database_url(args))
    if not write and url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        # Connecting would create an empty SQLite file; a read-only command must not.
        if not Path(url.database).exists():
            raise MissingAuditTables(f"no database at {url.database}; check --database-url or [tool.opsgen] database-url")
    engine = sa.create_engine(url)
    try:
        with engine.begin() if write else engine.connect() as connection:
            if require_tables and not write and not sa.inspect(connection).has_table("opsgen_audit_change"):
                raise MissingAuditTables(
                    f"no audit tables at {engine.url!r}; run `opsgen audit install` or check --database-url"
                )
            yield connection
    finally:
        engine.dispose()


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _fail(message: str) -> int:
    print(f"opsgen audit: {message}", file=sys.stderr)
    return 1


def _show(value: Any, scale: int | None = None) -> str:
    return dumps_json(_scaled(value, scale))


def _scaled(value: Any, scale: int | None) -> Any:
    """Write a number of a ``Numeric(p, scale)`` column with ``scale`` digits, as PostgreSQL prints it."""
    if scale is None or isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return value
    return Decimal(value).quantize(Decimal(1).scaleb(-scale))


@dataclass(frozen=True)
class EntityColumns:
    """The recorded columns an entity's table has now, and the scale of its Numeric ones."""

    names: list[str]
    scales: dict[str, int]


def _entity_columns(args: argparse.Namespace, connection: sa.Connection) -> EntityColumns | None:
    """Reflect the table of ``args.entity``; None when it is not declared or the table is gone."""
    try:
        config = _config(args)
    except AuditConfigError:
        return None
    return _reflect_entity(config, connection, args.entity)


def _reflect_entity(config: AuditConfig, connection: sa.Connection, name: str) -> EntityColumns | None:
    """Reflect the table of entity ``name``; None when it is not declared or the table is gone."""
    entity = config.entities.get(name)
    if entity is None:
        return None
    schema, _, table = entity.table.rpartition(".")
    inspector = sa.inspect(connection)
    if not inspector.has_table(table, schema=schema or None):
        return None
    columns = inspector.get_columns(table, schema=schema or None)
    names = entity.audited_columns(str(column["name"]) for column in columns)
    return EntityColumns(names=names, scales=_numeric_scales(columns))


def in_table_order(values: dict[str, T], columns: EntityColumns | None) -> dict[str, T]:
    """Return ``values`` by column, the table's columns first and in table order, then any other as recorded.

    SQLite records a change as JSON text in table order, but PostgreSQL records it as
    ``jsonb``, which orders keys by length, so every command sorts them the same way.
    A column that is no longer in the table keeps its recorded place after the others.
    """
    if columns is None:
        return values
    position = {name: index for index, name in enumerate(columns.names)}
    return dict(sorted(values.items(), key=lambda item: position.get(item[0], len(position))))


def _ordered_version(version: Version, columns: EntityColumns | None) -> Version:
    return replace(version, changes=in_table_order(version.changes, columns))


def _numeric_scales(columns: list[ReflectedColumn]) -> dict[str, int]:
    """Return the scale of each ``Numeric(p, scale)`` column among reflected ``columns``."""
    scales: dict[str, int] = {}
    for column in columns:
        kind = column["type"]
        if isinstance(kind, sa.Numeric) and kind.scale is not None:
            scales[str(column["name"])] = int(kind.scale)
    return scales


def entity_columns(engine: sa.Engine, entities: set[str]) -> dict[str, EntityColumns]:
    """Return the columns of each of ``entities`` declared in the project's audit settings.

    ``opsgen ops show`` writes audited columns in table order and an audited number as
    ``opsgen audit history`` does: 25.00, not 25, for a ``Numeric(12, 2)`` column.
    Without settings, or for a table that is gone, an entity is left out, and its
    columns print as recorded.
    """
    if not entities:
        return {}
    try:
        config = find_config().config
    except AuditConfigError:
        return {}
    found: dict[str, EntityColumns] = {}
    with engine.connect() as connection:
        for name in entities:
            columns = _reflect_entity(config, connection, name)
            if columns is not None:
                found[name] = columns
    return found


def run_install(args: argparse.Namespace) -> int:
    from opsgen.audit.install import create_audit_schema, install_entity

    try:
        config = _config(args)
        names = args.entities or list(config.entities)
        entities = [config.entity(name) for name in names]
    except (AuditConfigError, KeyError) as exc:
        return _fail(str(exc).strip("'\""))
    with _connection(args, write=True) as connection:
        create_audit_schema(connection)
        for entity in entities:
            try:
                install_entity(connection, entity)
            except LookupError as exc:
                return _fail(str(exc))
            print(f"installed audit triggers on {entity.table} (entity {entity.name})")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from opsgen.audit.install import check_triggers

    try:
        found = _found_config(args)
    except AuditConfigError as exc:
        return _fail(str(exc))
    config = found.config
    if not config.entities:
        # Exit 2, not 0: a CI job run from the wrong folder must not pass unnoticed.
        _fail(found.nothing_declared())
        return 2
    with _connection(args, require_tables=False) as connection:
        problems = check_triggers(connection, config)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"audit triggers match their tables ({counted(len(config.entities), 'entity', 'entities')})")
    return 0


def _origin_text(version: Version) -> str:
    """Describe who wrote ``version``: a raw write, an operation's execution, or a request outside any execution."""
    if version.origin == "raw":
        # SQLite has no database users, so there is no name to print.
        origin = "raw write" + (f" by database user {version.db_user}" if version.db_user else "")
        if version.application_name:
            origin += f" ({version.application_name})"
        return origin
    parts = []
    if version.operation:
        parts.append(version.operation)
    if version.execution_id:
        parts.append(f"execution {version.execution_id}")
    if version.trace_id and not version.execution_id:
        # Django's request audit records a request's own ORM writes with the request id as the trace id.
        parts.append(f"request {version.trace_id}")
    if not version.execution_id and not version.trace_id:
        parts.append("no execution or request")
    return " ".join(parts)


def _format_version(version: Version, scales: dict[str, int] | None = None) -> list[str]:
    scales = scales or {}
    actor = version.actor or "-"
    origin = _origin_text(version)
    flag = UNEXPECTED_FLAG if version.unexpected else ""
    lines = [f"v{version.version}  {version.committed_at.isoformat()}  {version.action}  actor {actor}  {origin}{flag}"]
    lines += _diff_lines(version.diff(), "    ", scales)
    return lines


def _diff_lines(pairs: dict[str, tuple[Any, Any]], indent: str, scales: dict[str, int]) -> list[str]:
    lines = []
    for column, (before, after) in pairs.items():
        if before is None and after is None:
            # A null column of an inserted or removed row: nothing changed in it.
            continue
        scale = scales.get(column)
        lines.append(f"{indent}{column}: {_show(before, scale)} -> {_show(after, scale)}")
    return lines


def _format_baseline(committed_at: datetime, state: dict[str, Any] | None, scales: dict[str, int]) -> list[str]:
    lines = [f"v0  {committed_at.isoformat()}  baseline at install (state when the triggers were installed)"]
    for column, value in (state or {}).items():
        lines.append(f"    {column}: {_show(value, scales.get(column))}")
    return lines


def _version_json(version: Version) -> str:
    data: dict[str, Any] = {
        "entity": version.entity,
        "id": version.entity_id,
        "version": version.version,
        "action": version.action,
        "committed_at": version.committed_at.isoformat(),
        "origin": version.origin,
        "execution_id": version.execution_id,
        "actor": version.actor,
        "operation": version.operation,
        "trace_id": version.trace_id,
        "db_user": version.db_user,
        "application_name": version.application_name,
        "unexpected": version.unexpected,
        "changes": version.changes,
    }
    return dumps_json(data)


def run_history(args: argparse.Namespace) -> int:
    from opsgen.audit.history import baseline, history

    undeclared = _undeclared_entity(args)
    if undeclared:
        return _fail(undeclared)
    with _connection(args) as connection:
        versions = history(connection, args.entity, args.id, limit=args.limit, before_version=args.before)
        last_page = len(versions) < args.limit and (args.before is None or args.before > 0)
        start = baseline(connection, args.entity, args.id) if last_page else None
        columns = _entity_columns(args, connection)
    if not versions and start is None:
        return _fail(f"no recorded versions of {args.entity} {args.id}")
    versions = [_ordered_version(version, columns) for version in versions]
    if start is not None and start[1] is not None:
        start = (start[0], in_table_order(start[1], columns))
    scales = columns.scales if columns else {}
    for version in versions:
        if args.json:
            print(_version_json(version))
        else:
            print("\n".join(_format_version(version, scales)))
    if start is not None:
        if args.json:
            print(dumps_json({
                "entity": args.entity, "id": args.id, "version": 0, "action": "baseline",
                "committed_at": start[0].isoformat(), "state": start[1],
            }))
        else:
            print("\n".join(_format_baseline(start[0], start[1], scales)))
    if len(versions) == args.limit and not args.json:
        print(f"(more: --before {versions[-1].version})")
    return 0


def run_diff(args: argparse.Namespace) -> int:
    from opsgen.audit.history import diff

    undeclared = _undeclared_entity(args)
    if undeclared:
        return _fail(undeclared)
    try:
        with _connection(args) as connection:
            changed = diff(connection, args.entity, args.id, args.first, args.second)
            columns = _entity_columns(args, connection)
    except LookupError as exc:
        return _fail(str(exc))
    changed = in_table_order(changed, columns)
    scales = columns.scales if columns else {}
    if not changed:
        print(f"{args.entity} {args.id}: versions {args.first} and {args.second} are equal")
    for column, (before, after) in changed.items():
        print(f"{column}: {_show(before, scales.get(column))} -> {_show(after, scales.get(column))}")
    return 0


def run_as_of(args: argparse.Namespace) -> int:
    from opsgen.audit.history import HistoryNotRecorded, as_of

    undeclared = _undeclared_entity(args)
    if undeclared:
        return _fail(undeclared)
    try:
        moment = _time(args.time)
    except ValueError:
        return _fail(f"invalid time {args.time!r}; use ISO 8601, such as 2026-03-01T09:30:00+00:00")
    try:
        with _connection(args) as connection:
            state = as_of(connection, args.entity, args.id, moment)
            columns = _entity_columns(args, connection)
    except (HistoryPruned, HistoryNotRecorded) as exc:
        return _fail(str(exc))
    if state is None:
        print(f"{args.entity} {args.id} did not exist at {moment.isoformat()}")
        return 0
    scales = columns.scales if columns else {}
    unknown = [name for name in columns.names if name not in state] if columns else []
    printed = {name: _scaled(value, scales.get(name)) for name, value in state.items()}
    for name in unknown:
        printed[name] = None
    print(dumps_json(in_table_order(printed, columns), indent=2))
    if unknown:
        print(
            f"note: {', '.join(unknown)} shown as null: not recorded at that time "
            "(added to the table after that version was recorded), so the value then is unknown",
            file=sys.stderr,
        )
    return 0


def run_snapshot(args: argparse.Namespace) -> int:
    from opsgen.audit.maintenance import take_snapshots

    config = _config(args)
    with _connection(args, write=True) as connection:
        written = take_snapshots(connection, config)
    for name, count in written.items():
        print(f"{name}: {counted(count, 'snapshot')} written")
    return 0


def run_prune(args: argparse.Namespace) -> int:
    from opsgen.audit.maintenance import prune

    config = _config(args)
    with _connection(args, write=True) as connection:
        results = prune(connection, config)
    if not results:
        print("no audited entity declares retention-days; nothing pruned")
    for result in results:
        print(
            f"{result.entity}: deleted {counted(result.changes_deleted, 'change')} and "
            f"{counted(result.snapshots_deleted, 'snapshot')} committed before {result.cutoff.isoformat()}"
        )
    return 0


def run_unexpected(args: argparse.Namespace) -> int:
    from opsgen.audit.history import unexpected_changes

    since = _time(args.since) if args.since else None
    try:
        config = _config(args)
    except AuditConfigError:
        config = AuditConfig.of()
    with _connection(args) as connection:
        found = unexpected_changes(connection, since=since, limit=args.limit)
        columns = {name: _reflect_entity(config, connection, name) for name in {version.entity for version in found}}
    for version in found:
        version = _ordered_version(version, columns[version.entity])
        print(f"{version.entity} {version.entity_id}")
        print("\n".join("  " + line for line in _format_version(version)))
    if not found:
        print("no unexpected changes")
        return 0
    return 1


def changes_for_show(engine: sa.Engine, execution_id: str, tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the audit changes of an execution's call tree for ``opsgen ops show``; [] without audit tables.

    A transaction records its changes under the execution that opened it: the root, a
    nested call that opened its own transaction, or a queued call that a worker ran.
    So the changes of the tree are those of every execution in ``tree``, the records
    of the call tree. Each change keeps its ``execution_id`` and gets ``own``, true for
    the changes recorded under ``execution_id``, and ``queued``, true for those of a
    call that a worker ran.
    """
    from opsgen.audit.history import changes_for_executions
    from opsgen.runtime.schema import execution_attempts

    ids = {row["id"] for row in tree} | {execution_id}
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("opsgen_audit_change"):
            return []
        versions = changes_for_executions(connection, ids)
        # A queued call has attempt rows; a direct call has none.
        queued = set(connection.execute(
            sa.select(execution_attempts.c.execution_id)
            .where(execution_attempts.c.execution_id.in_({version.execution_id for version in versions}))
            .distinct()
        ).scalars())
    columns = entity_columns(engine, {version.entity for version in versions})
    changes = []
    for version in versions:
        version = _ordered_version(version, columns.get(version.entity))
        change = json.loads(_version_json(version), parse_float=Decimal)
        change["own"] = version.execution_id == execution_id
        change["queued"] = version.execution_id in queued
        changes.append(change)
    return changes


def print_changes_for_show(changes: list[dict[str, Any]], scales: dict[str, dict[str, int]]) -> None:
    """Print the audit changes of ``opsgen ops show``: the execution's own, then the rest of its call tree.

    One entity version a line, then a line for each column it changed, inserted or deleted;
    a change of another execution names it. ``scales`` are the Numeric scales of each
    entity's columns (:func:`entity_columns`).
    """
    own = [change for change in changes if change["own"]]
    others = [change for change in changes if not change["own"]]
    width = make_console().width if changes else 0
    if own:
        print("audit changes, in commit order:")
        for change in own:
            _print_show_change(change, "", width, scales.get(change["entity"], {}))
    if others:
        print("audit changes of other executions of the call tree, in commit order:")
        for change in others:
            queued = " (queued)" if change["queued"] else ""
            label = f"  by {change['operation']} {str(change['execution_id'])[:SHORT_ID]}{queued}"
            _print_show_change(change, label, width, scales.get(change["entity"], {}))


def _print_show_change(change: dict[str, Any], label: str, width: int, scales: dict[str, int]) -> None:
    """Print one change and its columns as history does, each column line cut to ``width`` characters."""
    flag = UNEXPECTED_FLAG if change["unexpected"] else ""
    print(f"  {change['entity']} {change['id']} v{change['version']} {change['action']}{label}{flag}")
    for line in _diff_lines(change_pairs(change["action"], change["changes"]), "      ", scales):
        print(line if len(line) <= width else line[: width - 1] + "…")

"""Values the execution log stores in JSON columns.

JSON has no infinity and no NaN. Python's ``json`` module writes them as the bare words
``Infinity`` and ``NaN``, which PostgreSQL rejects, so a call whose input held
``float("inf")`` could not be recorded at all. The log stores such a number as the
string ``"Infinity"``, ``"-Infinity"`` or ``"NaN"`` instead. Operations generated from
specs reject them as input and output in the first place (``allow_inf_nan=False``);
hand-written models may still let them through.

The log stores a model under its JSON keys: a field's serialization alias where it has
one, such as ``json`` for a generated field ``json_``, and its Python name otherwise.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any

from pydantic import BaseModel


def finite_json(value: Any) -> Any:
    """Return ``value`` with each float that is not finite replaced by its name as a string.

    Dicts and lists are copied only where something changes; otherwise ``value`` itself
    is returned.
    """
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        if math.isnan(value):
            return "NaN"
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, dict):
        changed = {key: finite_json(item) for key, item in value.items()}
        return changed if any(changed[key] is not item for key, item in value.items()) else value
    if isinstance(value, list):
        items = [finite_json(item) for item in value]
        return items if any(new is not old for new, old in zip(items, value)) else value
    return value


def json_safe(value: Any) -> Any:
    """Return ``value`` as JSON can hold it: other objects become strings, other numbers names."""
    return finite_json(json.loads(json.dumps(value, default=str)))


@lru_cache(maxsize=None)
def may_hold_numbers(model: type[BaseModel]) -> bool:
    """Return whether a JSON dump of ``model`` can contain a float: a number field or an untyped one."""
    try:
        schema = model.model_json_schema()
    except Exception:  # noqa: BLE001 - a model pydantic cannot describe: check its dumps every time
        return True
    return _holds_numbers(schema)


def _holds_numbers(schema: Any) -> bool:
    if isinstance(schema, list):
        return any(_holds_numbers(item) for item in schema)
    if not isinstance(schema, dict):
        return False
    if schema.get("type") == "number":
        return True
    # A schema that constrains nothing (Any, or an object with free-form values) takes any number.
    if not schema or schema.get("additionalProperties") is True:
        return True
    if schema.get("type") == "object" and "properties" not in schema and "additionalProperties" not in schema:
        return True
    return any(_holds_numbers(item) for key, item in schema.items() if key not in ("title", "description", "default"))


@lru_cache(maxsize=None)
def json_keys(model: type[BaseModel]) -> dict[str, str]:
    """Return the JSON key of each field of ``model`` by Python name: its serialization alias, else the name."""
    return {name: field.serialization_alias or name for name, field in model.model_fields.items()}


def dump_for_log(model: BaseModel) -> Any:
    """Return the JSON form of ``model`` that the log stores (see the module docs)."""
    data = model.model_dump(mode="json", by_alias=True)
    return finite_json(data) if may_hold_numbers(type(model)) else data

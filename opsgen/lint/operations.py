"""Which classes implement opsgen operations, and what their specs say about transactions.

The linter reads only the keys it needs from each spec (``name``, ``transaction``,
``locks``, ``singleton``, ``side_effects``, ``input``), with
``yaml.safe_load``, so a spec that the full loader would reject for another reason is
still linted. It reads the same files as the loader, through
:func:`opsgen.spec.files.read_spec_bytes`: a symlink that leaves the specs folder, a
FIFO, a device or a ``/proc`` file is skipped with a warning. An implementation class is recognised by its generated base class: the
spec ``billing.credit_account`` generates ``CreditAccountBase``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OperationInfo:
    name: str
    path: str
    transaction: bool
    #: Lock key templates in declaration order, such as ``account:{account_id}``.
    locks: tuple[str, ...] = ()
    singleton: bool = False
    #: Declared side effects: name -> kind (``email``, ``http``, ``task``, ``publish``, ``custom``).
    effects: tuple[tuple[str, str], ...] = ()
    #: Input field names, and the subset that is optional (``optional: true`` or a default).
    inputs: tuple[str, ...] = ()
    optional_inputs: frozenset[str] = frozenset()


def run_parameter_name(input_name: str) -> str:
    """Return the name of the ``run`` parameter that takes the spec input ``input_name``.

    It is the input's Python name: ``json`` becomes ``json_`` (see
    :func:`opsgen.spec.names.python_field_name`). That module reads pydantic's
    ``BaseModel``, so it is imported on the first call, not with the linter.
    """
    from opsgen.spec.names import python_field_name

    return python_field_name(input_name)


def base_class_name(operation: str) -> str:
    """Return the generated base class name of an operation: ``billing.credit_account`` -> ``CreditAccountBase``."""
    last = operation.rpartition(".")[2]
    return "".join(part[:1].upper() + part[1:] for part in last.split("_")) + "Base"


def load_operations(specs_dir: Path) -> dict[str, OperationInfo]:
    """Return operations by generated base class name.

    A file that the spec loader would not read, or that is not UTF-8 YAML, is logged and
    skipped.
    """
    import yaml

    from opsgen.spec.files import RejectedSpecFile, read_spec_bytes, spec_files

    found: dict[str, OperationInfo] = {}
    if not specs_dir.is_dir():
        return found
    root = specs_dir.resolve()
    for path in spec_files(specs_dir):
        try:
            document = yaml.safe_load(read_spec_bytes(path, root).decode("utf-8-sig"))
        except RejectedSpecFile as rejected:
            logger.warning("skipping spec %s: %s", path, rejected.message)
            continue
        except (UnicodeDecodeError, yaml.YAMLError) as exc:
            logger.warning("skipping spec %s: %s", path, exc)
            continue
        if not isinstance(document, dict) or document.get("kind", "operation") != "operation":
            continue
        name = document.get("name")
        if not isinstance(name, str):
            continue
        declared = document.get("transaction", False)
        transaction = declared is True or isinstance(declared, dict)  # a mapping sets options of one
        found[base_class_name(name)] = OperationInfo(name, str(path), transaction, **_contract_keys(document))
    return found


def _contract_keys(document: dict[str, Any]) -> dict[str, Any]:
    """Read the locks, singleton, effects and inputs of a spec, skipping malformed entries."""
    locks = document.get("locks") or []
    keys = tuple(lock["key"] for lock in locks if isinstance(lock, dict) and isinstance(lock.get("key"), str)) if isinstance(locks, list) else ()
    singleton = document.get("singleton", False)
    effects = document.get("side_effects") or {}
    declared_effects = tuple(
        (str(name), str(effect.get("kind", "custom")))
        for name, effect in (effects.items() if isinstance(effects, dict) else ())
        if isinstance(effect, dict)
    )
    inputs = document.get("input") or {}
    fields = inputs if isinstance(inputs, dict) else {}
    optional = frozenset(
        str(name) for name, spec in fields.items() if isinstance(spec, dict) and (spec.get("optional") is True or "default" in spec)
    )
    return {
        "locks": keys,
        "singleton": singleton is True or isinstance(singleton, dict),
        "effects": declared_effects,
        "inputs": tuple(str(name) for name in fields),
        "optional_inputs": optional,
    }

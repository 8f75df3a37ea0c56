"""Which classes implement opsgen operations, and what their specs say about transactions.

The linter reads only the keys it needs from each spec (``name``, ``transaction``), with
``yaml.safe_load``, so a spec that the full loader would reject for another reason is
still linted. An implementation class is recognised by its generated base class: the
spec ``billing.credit_account`` generates ``CreditAccountBase``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OperationInfo:
    name: str
    path: str
    transaction: bool


def base_class_name(operation: str) -> str:
    """Return the generated base class name of an operation: ``billing.credit_account`` -> ``CreditAccountBase``."""
    last = operation.rpartition(".")[2]
    return "".join(part[:1].upper() + part[1:] for part in last.split("_")) + "Base"


def load_operations(specs_dir: Path) -> dict[str, OperationInfo]:
    """Return operations by generated base class name; unreadable files are logged and skipped."""
    import yaml

    found: dict[str, OperationInfo] = {}
    if not specs_dir.is_dir():
        return found
    for path in sorted([*specs_dir.rglob("*.yaml"), *specs_dir.rglob("*.yml")]):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            logger.warning("skipping spec %s: %s", path, exc)
            continue
        if not isinstance(document, dict) or document.get("kind", "operation") != "operation":
            continue
        name = document.get("name")
        if not isinstance(name, str):
            continue
        declared = document.get("transaction", False)
        transaction = declared is True or isinstance(declared, dict)  # a mapping sets options of one
        found[base_class_name(name)] = OperationInfo(name, str(path), transaction)
    return found

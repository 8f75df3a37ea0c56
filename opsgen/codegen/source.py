"""The specs the generator renders, whichever loader produced them.

The generator reads only what is declared here: each operation's validated
:class:`~opsgen.spec.model.OperationSpec` with the path of its file, and the shared types
with theirs. :func:`load_source` gets them from :func:`opsgen.spec.loader.load_specs`,
which reports every spec error with file, line and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from opsgen.spec.model import OperationSpec, SharedTypeSpec


@dataclass(frozen=True)
class SourceOperation:
    spec: OperationSpec
    #: Path of the spec file relative to the parent of the specs folder, with ``/``
    #: separators: ``specs/billing/credit_account.yaml``. It names the source in headers.
    path: str


@dataclass(frozen=True)
class SourceType:
    name: str
    spec: SharedTypeSpec
    path: str


@dataclass(frozen=True)
class SpecSource:
    operations: tuple[SourceOperation, ...]
    types: tuple[SourceType, ...]
    #: Every spec file, relative as above, with its bytes: the input of the no-op check.
    files: tuple[tuple[str, bytes], ...]


def relative_spec_path(path: Path, specs_dir: Path) -> str:
    """Return ``path`` relative to the parent of ``specs_dir``, with ``/`` separators."""
    return path.resolve().relative_to(specs_dir.resolve().parent).as_posix()


def read_spec_files(specs_dir: Path) -> tuple[tuple[str, bytes], ...]:
    """Read every ``*.yaml`` and ``*.yml`` file under ``specs_dir``, sorted by relative path."""
    found = [p for p in specs_dir.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file()]
    entries = [(relative_spec_path(p, specs_dir), p.read_bytes()) for p in found]
    return tuple(sorted(entries))


class SourceError(Exception):
    """Specs that cannot be generated; ``str()`` lists every problem, one a line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_source(specs_dir: Path) -> SpecSource:
    """Load and validate every spec under ``specs_dir``.

    Raises :class:`SourceError` with all problems found, not only the first.
    """
    import yaml
    from pydantic import ValidationError

    from opsgen.spec.model import TypesSpec

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    files = read_spec_files(specs_dir)
    operations: list[SourceOperation] = []
    types: list[SourceType] = []
    problems: list[str] = []
    for relative, data in files:
        try:
            document = yaml.load(data, Loader=loader)  # noqa: S506 - a safe loader
        except yaml.YAMLError as exc:
            problems.append(f"{relative}: invalid YAML: {exc}")
            continue
        if not isinstance(document, dict):
            problems.append(f"{relative}: expected a mapping at the top level")
            continue
        try:
            if document.get("kind") == "types":
                for name, type_spec in TypesSpec.model_validate(document).types.items():
                    types.append(SourceType(name, type_spec, relative))
            else:
                operations.append(SourceOperation(OperationSpec.model_validate(document), relative))
        except ValidationError as exc:
            for error in exc.errors():
                location = ".".join(str(part) for part in error["loc"])
                problems.append(f"{relative}: {location}: {error['msg']}")
    if problems:
        raise SourceError(problems)
    return SpecSource(tuple(operations), tuple(sorted(types, key=lambda t: t.name)), files)

"""Render every generated file into memory: a mapping of relative path to text.

Rendering touches no file except the templates. The result is the same for the same
specs, whatever the working directory, the machine or the order the specs were found
in: operations are sorted by name, shared types by dependency then name, and nothing
time- or host-dependent is printed. Only the manifest names the opsgen version.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from opsgen._resources import data_dir
from opsgen.codegen.layout import LINE_WIDTH, SCAFFOLD_WIDTH, call, define, fit, mark_long_lines, wrap
from opsgen.codegen.manifest import MARKER, MANIFEST, manifest_text
from opsgen.codegen.parallel import in_two_halves
from opsgen.codegen.literals import comment_text, docstring, py_literal
from opsgen.codegen.view import FieldView, ModelView, OperationView, ProjectView, SharedTypeView, camel_case, tuple_literal

#: Runtime imports of every generated operation module. ``OperationFailed`` is imported
#: only where the spec declares errors, because only the error constructors use it.
RUNTIME_IMPORTS = (
    "from opsgen.runtime.context import Context",
    "from opsgen.runtime.execution import ExecutionContext",
    "from opsgen.runtime.handle import OperationHandle",
    "from opsgen.runtime.operation import Operation",
    "from opsgen.runtime.result import Result",
)

_STDLIB = frozenset({"__future__", "abc", "datetime", "decimal", "typing", "uuid"})
_IMPORT = re.compile(r"from (\S+) import (.+)")
_ANNOTATION_NAMES = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class RenderSettings:
    #: Implementations folder as shown in messages, relative to the project: ``app/operations``.
    implementations_folder: str
    #: Dotted import name of the generated package, used by scaffolded implementations.
    package_module: str
    #: Dotted import name of the implementations package ("" when it is the top level).
    implementations_module: str


@dataclass
class Rendered:
    #: Generated package files, relative to the package folder, sorted by path.
    package: dict[str, str] = field(default_factory=dict)
    #: Implementation scaffolds, relative to the implementations folder; written only when missing.
    scaffolds: dict[str, str] = field(default_factory=dict)
    #: Operation per scaffold path, for signature updates of existing implementation files.
    scaffold_operations: dict[str, OperationView] = field(default_factory=dict)


# -- layout helpers, exposed to templates ---------------------------------------------------


def keyword_params(fields: Sequence[FieldView], defaults: bool, stub: bool = False) -> list[str]:
    """Return ``*`` and one ``name: type`` per field; with ``defaults``, optional ones get theirs."""
    if not fields:
        return []
    params = ["*"]
    for f in fields:
        annotation = f"{f.annotation} | None" if (defaults and f.factory) else f.annotation
        if defaults and f.param_default is not None:
            params.append(f"{f.name}: {annotation} = {'...' if stub else f.param_default}")
        else:
            params.append(f"{f.name}: {annotation}")
    return params


def forward(fields: Sequence[FieldView], source: str) -> list[str]:
    return [f"{f.name}={source}{f.name}" for f in fields]


def details_dict(fields: Sequence[FieldView]) -> str:
    """Return a dict display of the parameters of ``fields``, keyed by their JSON keys."""
    return "{" + ", ".join(f"{py_literal(f.wire_name)}: {f.name}" for f in fields) + "}"


def build_payload(indent: str, model: ModelView) -> str:
    """Lay out ``payload = ...``, the effect payload built from the method's parameters.

    A model with aliased fields gets its JSON keys from a ``data`` mapping. The pydantic
    mypy plugin types the constructor of a ``populate_by_name`` model with the Python
    names, and mypy without the plugin with the aliases, so no keyword call passes both.
    ``data`` is a reserved field name, so no parameter is called that.
    """
    if model.aliased:
        items = [f"{py_literal(f.wire_name)}: {f.name}" for f in model.fields]
        mapping = wrap(indent, "data: dict[str, Any] = {", items, "}")
        return mapping + "\n" + call(f"{indent}payload = ", f"{model.class_name}(", ["**data"], ")")
    return call(f"{indent}payload = ", f"{model.class_name}(", forward(model.fields, ""), ")")


def input_dict(indent: str, fields: Sequence[FieldView]) -> str:
    """Build the ``data`` mapping a handle passes on, keyed by JSON keys; unset factory fields are left out."""
    always_passed = [f"{py_literal(f.wire_name)}: {f.name}" for f in fields if not f.factory]
    lines = [wrap(indent, "data: dict[str, Any] = {", always_passed, "}")]
    for f in fields:
        if f.factory:
            lines.append(f"{indent}if {f.name} is not None:")
            lines.append(fit(indent + "    ", f"data[{py_literal(f.wire_name)}] = {f.name}"))
    return "\n".join(lines)


def field_line(indent: str, f: FieldView) -> str:
    if f.model_value is None:
        return fit(indent, f"{f.name}: {f.annotation}")
    return fit(indent, f"{f.name}: {f.annotation} = {f.model_value}")


def import_block(lines: Sequence[str], local_roots: frozenset[str] = frozenset(), width: int = LINE_WIDTH) -> str:
    """Merge ``from X import Y`` lines by module and group them: stdlib, third party, project.

    opsgen itself counts as third party; ``local_roots`` names the project's top-level
    packages, and relative imports come last.
    """
    return _import_block(tuple(sorted(set(lines))), local_roots, width)


@lru_cache(maxsize=1024)
def _import_block(lines: tuple[str, ...], local_roots: frozenset[str], width: int) -> str:
    names: dict[str, set[str]] = {}
    for line in lines:
        match = _IMPORT.fullmatch(line)
        assert match is not None, line
        module, imported = match.groups()
        names.setdefault(module, set()).update(n.strip() for n in imported.split(","))

    def group(module: str) -> int:
        if module == "__future__":
            return 0
        if module.startswith("."):
            return 4
        if module.split(".")[0] in _STDLIB:
            return 1
        if module.split(".")[0] in local_roots:
            return 3
        return 2

    groups: dict[int, list[str]] = {}
    for module in sorted(names, key=lambda m: (group(m), m.lstrip(".") if m.startswith(".") else m, m)):
        imported = sorted(names[module], key=lambda n: (n.lower(), n))
        one_line = f"from {module} import {', '.join(imported)}"
        if len(one_line) > width:
            one_line = wrap("", f"from {module} import (", imported, ")", width)
        groups.setdefault(group(module), []).append(one_line)
    return "\n\n".join("\n".join(groups[g]) for g in sorted(groups))


class HelperCallContext(jinja2.runtime.Context):
    """Template context that calls the functions of :data:`TEMPLATE_HELPERS` directly.

    For every call in a template, Jinja2's ``Context.call`` checks whether the callee
    wants the context or the environment passed in. No helper does, and skipping those
    checks saves about a tenth of the rendering time. Every other callee, such as a
    macro, takes Jinja2's path.
    """

    def call(__self, __obj: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        try:
            is_helper = __obj in _HELPER_FUNCTIONS
        except TypeError:  # an unhashable callee is no helper
            is_helper = False
        if not is_helper:
            return super().call(__obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a StopIteration exception")


class FlatGlobalsEnvironment(jinja2.Environment):
    """Jinja2 environment that gives each template its globals as one flat dict.

    Jinja2 layers a template's globals over the environment's in a ``ChainMap``, so that
    changes to the environment's globals made after loading still show. Each render
    copies that map into a new context, and the ``ChainMap`` lookups of that copy took
    about a tenth of the rendering time. :func:`environment` sets every global before
    the first template loads and never changes them, so a flat copy behaves the same.
    Its contexts are :class:`HelperCallContext`.
    """

    context_class = HelperCallContext

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


@lru_cache(maxsize=4)
def template(templates: Path, name: str) -> jinja2.Template:
    """Return the compiled template ``name``; compiled once per process."""
    return environment(templates).get_template(name)


@lru_cache(maxsize=4)
def environment(templates: Path) -> jinja2.Environment:
    # auto_reload=False: the templates are package data that do not change during a run,
    # so Jinja2 need not stat a template file each time a template imports it.
    env = FlatGlobalsEnvironment(
        loader=jinja2.FileSystemLoader(str(templates)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["literal"] = py_literal
    env.filters["docstring"] = docstring
    env.filters["comment"] = comment_text
    env.globals.update(TEMPLATE_HELPERS, scaffold_width=SCAFFOLD_WIDTH)
    return env


def template_model(shared_type: SharedTypeView) -> ModelView:
    """Return the model view of a shared object type, for the ``model`` macro."""
    return ModelView(shared_type.name, shared_type.doc, shared_type.fields)


def import_from(indent: str, module: str, name: str) -> str:
    """Lay out ``from module import name``, in parentheses when it is too long."""
    line = f"{indent}from {module} import {name}"
    if len(line) <= LINE_WIDTH:
        return line
    return wrap(indent, f"from {module} import (", [name], ")")


def header_comment(sources: Sequence[str]) -> str:
    """Return the comment lines that start every generated file: a notice and the marker.

    The notice names the source specs. When they do not fit on its line, they follow the
    marker one a line, where pycodestyle accepts a comment of a single long word.
    """
    notice = f"# Generated by opsgen from {comment_text(', '.join(sources))}. Do not edit."
    if len(notice) <= LINE_WIDTH:
        return f"{notice}\n# {MARKER}"
    listed = "".join(f"\n# {comment_text(source)}" for source in sources)
    return f"# Generated by opsgen from the specs listed below. Do not edit.\n# {MARKER}{listed}"


#: Functions that templates call by name. None of them takes the Jinja2 context.
TEMPLATE_HELPERS: dict[str, Callable[..., Any]] = {
    "header_comment": header_comment,
    "import_from": import_from,
    "define": define,
    "call": call,
    "fit": fit,
    "keyword_params": keyword_params,
    "build_payload": build_payload,
    "details_dict": details_dict,
    "input_dict": input_dict,
    "field_line": field_line,
    "t_model": template_model,
}
_HELPER_FUNCTIONS = frozenset(TEMPLATE_HELPERS.values())


# -- the files ------------------------------------------------------------------------------


def render_project(project: ProjectView, settings: RenderSettings) -> Rendered:
    """Render the generated package and the implementation scaffolds of ``project``."""
    templates = data_dir("templates")
    rendered = Rendered()
    files: dict[str, str] = {}
    registry_source = "the specs folder"

    def render_operations(operations: Sequence[OperationView]) -> tuple[dict[str, str], dict[str, str]]:
        modules: dict[str, str] = {}
        scaffolds: dict[str, str] = {}
        for op in operations:
            operation_files(templates, op, modules)
            scaffolds[f"{op.module_path}.py"] = scaffold_text(templates, op, settings, f"{op.module_path}.py")
        for path, text in modules.items():
            if path.endswith((".py", ".pyi")):
                modules[path] = mark_long_lines(text)
        return modules, scaffolds

    for modules, scaffolds in in_two_halves(render_operations, project.operations):
        files.update(modules)
        rendered.scaffolds.update(scaffolds)
    marked = set(files)  # the operation modules, whose long lines are marked above
    for op in project.operations:
        rendered.scaffold_operations[f"{op.module_path}.py"] = op

    packages = {"/".join(op.parts[:depth]) for op in project.operations for depth in range(1, len(op.parts))}
    for package in sorted(packages):
        files[f"{package}/__init__.py"] = template(templates, "package_init.py.jinja").render(
            source=registry_source, doc=f"Generated operations under {package.replace('/', '.')}.", root=False
        )

    shared = {
        "types": project.shared_types,
        "sources": list(project.shared_sources) or [registry_source],
    }
    for suffix in ("py", "pyi"):
        imports = ["from __future__ import annotations", "from pydantic import BaseModel, ConfigDict",
                   *project.shared_imports] if suffix == "py" else [
            "from pydantic import BaseModel, ConfigDict", *project.shared_imports]
        if not any(t.kind == "object" for t in project.shared_types):
            imports = [i for i in imports if "BaseModel" not in i]
        files[f"shared_types.{suffix}"] = template(templates, f"shared_types.{suffix}.jinja").render(
            imports=import_block(imports), **shared
        )

    registry = registry_context(project)
    files["registry.py"] = template(templates, "registry.py.jinja").render(source=registry_source, **registry)
    files["registry.pyi"] = template(templates, "registry.pyi.jinja").render(source=registry_source, **registry)
    files["__init__.py"] = template(templates, "package_init.py.jinja").render(
        source=registry_source, doc="Generated operations; use ``ops`` from here.", root=True
    )
    files["py.typed"] = template(templates, "py.typed.jinja").render(source=registry_source)
    for path, text in files.items():
        if path.endswith((".py", ".pyi")) and path not in marked:
            files[path] = mark_long_lines(text)
    files[MANIFEST] = manifest_text(files)

    rendered.package = dict(sorted(files.items()))
    rendered.scaffolds = dict(sorted(rendered.scaffolds.items()))
    return rendered


def operation_files(templates: Path, op: OperationView, files: dict[str, str]) -> None:
    models = [op.input_model, op.output_model] + [e.payload for e in op.effects]
    declarations = sorted(
        {"OperationDeclaration"}
        | ({"ErrorDeclaration"} if any(line.startswith("errors=") for line in op.declaration) else set())
        | ({"TransactionDeclaration"} if any(line.startswith("transaction=") for line in op.declaration) else set())
        | ({"LockDeclaration"} if any(line.startswith("locks=") for line in op.declaration) else set())
        | ({"SingletonDeclaration"} if any(line.startswith("singleton=") for line in op.declaration) else set())
        | ({"EffectDeclaration"} if any(line.startswith("effects=") for line in op.declaration) else set())
        | ({"RetryPolicy"} if any("RetryPolicy(" in line for line in op.declaration) else set())
    )
    common = [
        "from abc import abstractmethod",
        "from typing import Any, ClassVar",
        "from pydantic import BaseModel, ConfigDict",
        *RUNTIME_IMPORTS,
        *op.imports,
    ]
    if op.errors:
        common.append("from opsgen.runtime.result import OperationFailed")
    if op.shared_imports:
        common.append(f"from {op.package_prefix}shared_types import {', '.join(op.shared_imports)}")
    # The stub declares DECLARATION by its type only, so it imports no other declaration class.
    source_imports = [
        "from __future__ import annotations",
        "from opsgen.runtime.declarations import " + ", ".join(declarations),
        *common,
    ]
    stub_imports = ["from opsgen.runtime.declarations import OperationDeclaration", *common]
    files[f"{op.module_path}.py"] = template(templates, "operation.py.jinja").render(
        op=op, models=models, imports=import_block(source_imports)
    )
    files[f"{op.module_path}.pyi"] = template(templates, "operation.pyi.jinja").render(
        op=op, models=models, imports=import_block(stub_imports)
    )


def annotation_imports(op: OperationView, fields: Sequence[FieldView]) -> list[str]:
    """Return the import lines that the annotations of ``fields`` need in a user module."""
    used = {name for f in fields for name in _ANNOTATION_NAMES.findall(f.annotation)}
    lines = []
    for line in op.imports:
        match = _IMPORT.fullmatch(line)
        assert match is not None
        if match.group(2) in used and match.group(2) != "Field":
            lines.append(line)
    return lines


def scaffold_text(templates: Path, op: OperationView, settings: RenderSettings, path: str) -> str:
    generated = f"{settings.package_module}.{op.module_name}"
    imports = [
        "from opsgen.runtime.execution import ExecutionContext",
        f"from {generated} import {op.stem}Base, {op.stem}Output",
        *annotation_imports(op, op.input_model.fields),
    ]
    shared = sorted(set(op.shared_imports) & {n for f in op.input_model.fields for n in _ANNOTATION_NAMES.findall(f.annotation)})
    if shared:
        imports.append(f"from {settings.package_module}.shared_types import {', '.join(shared)}")
    roots = frozenset({settings.package_module.split(".")[0], settings.implementations_module.split(".")[0]})
    text = template(templates, "implementation.py.jinja").render(
        op=op,
        imports=import_block(imports, roots - {""}, SCAFFOLD_WIDTH),
        path=f"{settings.implementations_folder}/{path}",
    )
    return mark_long_lines(text, SCAFFOLD_WIDTH)


def registry_context(project: ProjectView) -> dict[str, object]:
    """Return the modules and namespace classes of ``registry.py``, sorted."""
    modules = []
    children: dict[tuple[str, ...], dict[str, str]] = {(): {}}
    handles: dict[str, dict[str, str]] = {}
    stem_counts = Counter(op.stem for op in project.operations)
    for op in project.operations:
        # Annotations name a handle class by itself, which keeps registry lines short.
        # Operations of different domains can share a class name, so those get an alias
        # made of their domain path. The spec checks reject two segments with the same
        # class name, so these aliases are unique.
        handle = f"{op.stem}Handle"
        if stem_counts[op.stem] > 1:
            handle = "_" + "__".join(op.parts[:-1]) + "__" + handle
        package = "." + ".".join(op.parts[:-1])
        imported = handle if handle == f"{op.stem}Handle" else f"{op.stem}Handle as {handle}"
        modules.append({"module": "." + ".".join(op.parts), "imported": imported})
        for depth in range(len(op.parts) - 1):
            children.setdefault(op.parts[: depth + 1], {})
        children.setdefault(op.parts[:-1], {})[op.parts[-1]] = handle
        handles[handle] = {
            "package": package,
            "module_name": op.parts[-1],
            "handle_class": f"{op.stem}Handle",
            "implementation": f"{op.implementation_module}:{op.stem}",
        }

    class_names: dict[tuple[str, ...], str] = {}
    used_names: set[str] = set()
    for path in sorted(children):
        base = "Operations" if not path else "".join(camel_case(p) for p in path) + "Operations"
        name = base
        number = 2
        while name in used_names:
            name = f"{base}{number}"
            number += 1
        used_names.add(name)
        class_names[path] = name
    for path in children:
        if path:
            children[path[:-1]][path[-1]] = class_names[path]

    namespaces = []
    for path in sorted(children, key=lambda p: (-len(p), p)):
        doc = "Every generated operation." if not path else f"Operations under ``{'.'.join(path)}``."
        members = [
            {"name": n, "type": t, "handle": t in handles, **handles.get(t, {})}
            for n, t in sorted(children[path].items())
        ]
        namespaces.append({"class_name": class_names[path], "doc": doc, "members": members, "root": not path})
    # The first operation by name that declares a code gives its status and message, as
    # a problem mapper that reads the handles in that order would keep.
    declared: dict[str, tuple[int, str]] = {}
    for op in sorted(project.operations, key=lambda op: op.name):
        for error in op.errors:
            declared.setdefault(error.code, (error.http_status, error.message))
    # Every operation is listed, those without effects too: a handler key
    # "operation.effect" names an operation that must exist.
    declared_effects = [
        (op.name, tuple_literal([py_literal(effect.name) for effect in op.effects]))
        for op in sorted(project.operations, key=lambda op: op.name)
    ]
    return {
        "modules": sorted(modules, key=lambda m: m["module"]),
        "namespaces": namespaces,
        "declared_errors": sorted(declared.items()),
        "declared_effects": declared_effects,
    }

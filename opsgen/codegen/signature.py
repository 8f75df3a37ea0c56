"""Keep the ``run`` signature of a user's implementation in step with its spec.

When a spec's input or output changes, the keyword parameters and the return annotation
of ``run`` are rewritten with LibCST; the body, its comments and everything else in the
file stay byte for byte. :func:`opsgen.codegen.run_signature.is_current` checks on ``ast``
first, because that is far cheaper, and LibCST parses only the files that need a change.

A rewrite is unsafe, and is not made, when the class or its ``run`` method is missing,
when ``run`` takes ``*args``, ``**kwargs`` or extra positional parameters, or when the
body still uses a parameter the new signature drops. Then :class:`SignatureUpdate`
carries a message naming the file, the line (the first use of a dropped parameter, or
the ``def run`` line) and the exact signature to write.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

from opsgen.codegen.layout import LINE_WIDTH
from opsgen.codegen.run_signature import RETURN, SignatureTypes, expected_definition, is_current, matching_annotations
from opsgen.codegen.view import OperationView

#: Top-level names of the standard library (``sys.stdlib_module_names`` is Python 3.10+).
_STDLIB_MODULES: frozenset[str] = frozenset(sys.stdlib_module_names)


@dataclass(frozen=True)
class SignatureUpdate:
    #: The updated file text, or None when nothing changes or the change is unsafe.
    text: str | None
    #: Message with the reason the update is unsafe and the signature to write, or None.
    problem: str | None
    #: Line of the ``def run`` that changes, or 0 when nothing changes or no ``run`` was found.
    line: int = 0


def update_signature(
    source: str,
    op: OperationView,
    path: str,
    imports: list[tuple[str, str]],
    types: SignatureTypes,
    first_party: frozenset[str] = frozenset(),
    scaffold: str | None = None,
) -> SignatureUpdate:
    """Rewrite the ``run`` signature in ``source`` to match ``op``, or explain why not.

    Nothing changes when every annotation already denotes the spec's type (see
    :func:`opsgen.codegen.run_signature.is_current`). ``imports`` lists ``(module, name)``
    pairs the new annotations need; missing ones are added, see :func:`add_imports`.
    ``first_party`` contains the top-level names of the project's own packages. ``path``
    is only used in messages. ``scaffold``, the text opsgen would create for ``op``, gives
    the imports and the class line that a message about a missing class shows.
    """
    if is_current(source, op, types):
        return SignatureUpdate(None, None)
    # Laid out as black would, indented as in a class, so a long signature stays readable in the message.
    definition = expected_definition(op)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return SignatureUpdate(None, f"{path}:{exc.raw_line}: cannot parse the file ({exc.message}); fix it, then run again")

    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    finder = _RunFinder(op.stem, module.default_indent)
    wrapper.visit(finder)
    if finder.run is None and finder.class_line:
        return SignatureUpdate(None, f"{path}:{finder.class_line}: class {op.stem} has no method run; define it as:\n{definition}")
    if finder.run is None:
        outline = scaffold_outline(scaffold) if scaffold is not None else definition
        return SignatureUpdate(None, f"{path}: {missing_class_advice(op, finder.other_classes)}:\n{outline}")

    positions = wrapper.resolve(PositionProvider)
    line = positions[finder.run].start.line
    reason, first_use = unsafe_reason(finder.run, op)
    if reason is not None:
        where = f"{path}:{line}: cannot update {op.stem}.run"
        if first_use is not None:
            where = f"{path}:{positions[first_use].start.line}: cannot update {op.stem}.run (defined on line {line})"
        return SignatureUpdate(None, f"{where} because {reason}; change its signature to:\n{definition}", line)

    # Annotations that already denote the spec's type keep the user's spelling, and only
    # the names of the spec's spellings that the new signature uses get imported.
    kept = {name: text for name, text in matching_annotations(source, op, types).items() if "\n" not in text}
    fields = op.input_model.fields
    annotations = {f.name: kept.get(f.name, f.annotation) for f in fields}
    returns = kept.get(RETURN, f"{op.stem}Output")
    written = " ".join(f.annotation for f in fields if f.name not in kept) + ("" if RETURN in kept else f" {op.stem}Output")
    used_imports = [(module_name, name) for module_name, name in imports if re.search(rf"\b{name}\b", written)]

    keyword = [f"{f.name}: {annotations[f.name]}" for f in fields]
    new_run = rewritten_run(module, finder.class_indent, finder.run, keyword, returns)
    updated = module.deep_replace(finder.run, new_run)
    assert isinstance(updated, cst.Module)
    return SignatureUpdate(add_imports(updated, used_imports, first_party).code, None, line)


def missing_class_advice(op: OperationView, other_classes: list[tuple[str, str, int]]) -> str:
    """Return the message that the class of ``op`` is missing, naming the implementation classes the file has instead.

    ``other_classes`` are ``(name, base, line)`` of the file's top-level classes that
    subclass a generated ``...Base``: after a spec is renamed, the old class is usually
    still in the file that now has the new name.
    """
    if not other_classes:
        return f"no class {op.stem} found; define it as"
    found = " and ".join(f"{name}({base}) on line {line}" for name, base, line in other_classes)
    return (
        f"no class {op.stem} found, but the file defines {found}, perhaps for the spec's old name; "
        f"rename the class to {op.stem}, make it subclass {op.stem}Base and import the generated names, "
        "so that the file has"
    )


def scaffold_outline(scaffold: str) -> str:
    """Return the imports, the class line and the ``def run`` of a scaffold, without its docstring and body."""
    import ast

    lines = scaffold.splitlines()
    imports: list[str] = []
    definition: list[str] = []
    for node in ast.parse(scaffold).body:
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            imports += lines[node.lineno - 1 : node.end_lineno]
        elif isinstance(node, ast.ClassDef):
            run = node.body[0]
            assert isinstance(run, ast.FunctionDef)
            definition = lines[node.lineno - 1 : run.body[0].lineno - 1]
    return "\n".join([*imports, "", *definition])


def rewritten_run(module: cst.Module, indent: str, run: cst.FunctionDef, keyword: list[str], returns: str) -> cst.FunctionDef:
    """Return ``run`` with the keyword-only parameters ``keyword`` and the return annotation
    ``returns``, laid out as black does.

    The user's names and annotations of ``self`` and ``ctx`` stay. The definition takes one
    line when that fits in :data:`LINE_WIDTH` columns and the user's parameter list was on
    one line. Otherwise each parameter takes a line of its own, indented one level more
    than ``def``, with a trailing comma. ``indent`` is the class body's indentation.
    """
    user_params = [
        param.name.value + (f": {module.code_for_node(param.annotation.annotation)}" if param.annotation else "")
        for param in run.params.params
    ]
    params = [*user_params, *(["*", *keyword] if keyword else [])]
    header = f"{indent}def run({', '.join(params)}) -> {returns}:"
    was_one_line = "\n" not in module.code_for_node(run.params) and isinstance(run.whitespace_before_params, cst.SimpleWhitespace)
    if len(header.expandtabs()) > LINE_WIDTH or not was_one_line:
        lines = "".join(f"{indent}{indent}{param},\n" for param in params)
        header = f"{indent}def run(\n{lines}{indent}) -> {returns}:"

    template = cst.parse_module(f"class _Template:\n{header}\n{indent}{indent}...\n")
    template_class = template.body[0]
    assert isinstance(template_class, cst.ClassDef)
    template_run = template_class.body.body[0]
    assert isinstance(template_run, cst.FunctionDef)
    return run.with_changes(
        params=template_run.params,
        whitespace_before_params=template_run.whitespace_before_params,
        returns=template_run.returns,
    )


def add_imports(module: cst.Module, imports: list[tuple[str, str]], first_party: frozenset[str]) -> cst.Module:
    """Add the missing ``from module import name`` imports of ``imports`` to ``module``.

    A name from a module the file already imports from joins that statement. A new
    statement goes into the leading import block in isort order: ``__future__``, the
    standard library, third-party packages, then ``first_party`` and relative imports,
    sorted by module name within each group. This keeps the block sorted when it was.
    """
    merged = set(_from_modules(module))
    context = CodemodContext()
    new_statements: dict[str, set[str]] = {}
    for module_name, name in imports:
        if module_name in merged:
            AddImportsVisitor.add_needed_import(context, module_name, name)
        else:
            new_statements.setdefault(module_name, set()).add(name)
    module = AddImportsVisitor(context).transform_module(module)

    for module_name, names in sorted(new_statements.items()):
        statement = cst.parse_statement(f"from {module_name} import {', '.join(sorted(names))}\n")
        assert isinstance(statement, cst.SimpleStatementLine)
        module = _insert_import(module, statement, _import_rank(module_name, first_party, relative=False), first_party)
    return module


def _from_modules(module: cst.Module) -> list[str]:
    found = []
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
                    if not isinstance(small.names, cst.ImportStar):
                        found.append(module.code_for_node(small.module))
    return found


def _import_rank(module_name: str, first_party: frozenset[str], *, relative: bool) -> tuple[int, str]:
    """Return the isort group and sort key of an imported module."""
    top = module_name.split(".")[0]
    if relative:
        group = 4
    elif top == "__future__":
        group = 0
    elif top in first_party:
        group = 3
    elif top in _STDLIB_MODULES:
        group = 1
    else:
        group = 2
    return group, module_name.lower()


def _statement_rank(module: cst.Module, statement: cst.BaseStatement, first_party: frozenset[str]) -> tuple[int, str] | None:
    """Return the rank of a top-level import statement, or None when it is not one."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.ImportFrom):
        name = module.code_for_node(small.module) if small.module is not None else ""
        return _import_rank(name, first_party, relative=bool(small.relative))
    if isinstance(small, cst.Import):
        return _import_rank(module.code_for_node(small.names[0].name), first_party, relative=False)
    return None


def _insert_import(
    module: cst.Module, statement: cst.SimpleStatementLine, rank: tuple[int, str], first_party: frozenset[str]
) -> cst.Module:
    body = list(module.body)
    start = 1 if body and _is_docstring(body[0]) else 0
    block: list[int] = []
    for index in range(start, len(body)):
        if _statement_rank(module, body[index], first_party) is None:
            break
        block.append(index)
    blank = (cst.EmptyLine(),)
    if not block:
        body.insert(start, statement.with_changes(leading_lines=blank if start else ()))
        return module.with_changes(body=body)

    ranks = {index: _statement_rank(module, body[index], first_party) for index in block}
    after = [index for index in block if (ranks[index] or rank) > rank]
    if not after:
        last = block[-1]
        same_group = (ranks[last] or rank)[0] == rank[0]
        body.insert(last + 1, statement.with_changes(leading_lines=() if same_group else blank))
        return module.with_changes(body=body)

    before = after[0]
    following = body[before]
    assert isinstance(following, cst.SimpleStatementLine)
    previous_rank = ranks.get(before - 1)
    if (ranks[before] or rank)[0] == rank[0]:
        # Take the place of the first statement of the group, with its blank lines.
        if all(line.comment is None for line in following.leading_lines):
            body[before] = following.with_changes(leading_lines=())
            statement = statement.with_changes(leading_lines=following.leading_lines)
    elif previous_rank is None or previous_rank[0] != rank[0]:
        statement = statement.with_changes(leading_lines=blank)
    body.insert(before, statement)
    return module.with_changes(body=body)


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def unsafe_reason(run: cst.FunctionDef, op: OperationView) -> tuple[str | None, cst.Name | None]:
    """Return why rewriting ``run`` could change what the body means, and the first use of a
    dropped input when that is why. Both are None when the rewrite is safe.
    """
    params = run.params
    if isinstance(params.star_arg, cst.Param):
        return f"it takes *{params.star_arg.name.value}", None
    if params.star_kwarg is not None:
        return f"it takes **{params.star_kwarg.name.value}", None
    if params.posonly_params:
        return "it has positional-only parameters", None
    if len(params.params) != 2:
        names = ", ".join(p.name.value for p in params.params)
        return f"it takes positional parameters ({names}) instead of (self, ctx)", None

    dropped = {p.name.value for p in params.kwonly_params} - {f.name for f in op.input_model.fields}
    if dropped:
        collector = _NameCollector()
        run.body.visit(collector)
        used = sorted(dropped & collector.first_uses.keys())
        if used:
            # first_uses is in source order, so the first dropped name found is the earliest use.
            first_use = next(node for name, node in collector.first_uses.items() if name in dropped)
            return f"its body still uses {', '.join(used)}, which the spec no longer has as input", first_use
    return None, None


class _NameCollector(cst.CSTVisitor):
    """Collect the first node of each name the code reads or binds, in source order.

    An attribute name (``self.quantity``) and a keyword argument's name (``f(quantity=1)``)
    are not uses of a variable, so they are left out.
    """

    def __init__(self) -> None:
        self.first_uses: dict[str, cst.Name] = {}

    def visit_Name(self, node: cst.Name) -> None:
        self.first_uses.setdefault(node.value, node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        if node.keyword is None:
            return True
        node.value.visit(self)
        return False


class _RunFinder(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, stem: str, default_indent: str) -> None:
        self.stem = stem
        self.run: cst.FunctionDef | None = None
        self.class_line = 0
        #: Indentation of the class body, which LibCST leaves None where it is the module's default.
        self.class_indent = default_indent
        self.depth = 0
        #: ``(name, base, line)`` of each other top-level class that subclasses a ``...Base`` class.
        self.other_classes: list[tuple[str, str, int]] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if self.depth == 0 and node.name.value != self.stem:
            bases = [cst.Module([]).code_for_node(base.value) for base in node.bases]
            base = next((text for text in bases if text.rpartition(".")[2].endswith("Base")), None)
            if base is not None:
                line = self.get_metadata(PositionProvider, node).start.line
                self.other_classes.append((node.name.value, base, line))
        if self.depth == 0 and node.name.value == self.stem:
            self.class_line = self.get_metadata(PositionProvider, node).start.line
            if isinstance(node.body, cst.IndentedBlock) and node.body.indent is not None:
                self.class_indent = node.body.indent
            for statement in node.body.body:
                if isinstance(statement, cst.FunctionDef) and statement.name.value == "run":
                    self.run = statement
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

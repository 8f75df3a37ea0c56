"""Keep the ``run`` signature of a user's implementation in step with its spec.

When a spec's input or output changes, the keyword parameters and the return annotation
of ``run`` are rewritten with LibCST; the body, its comments and everything else in the
file stay byte for byte. :func:`opsgen.codegen.run_signature.is_current` checks on ``ast``
first, because that is far cheaper, and LibCST parses only the files that need a change.

A rewrite is unsafe, and is not made, when the class or its ``run`` method is missing,
when ``run`` takes ``*args``, ``**kwargs`` or extra positional parameters, or when the
body still uses a parameter the new signature drops. Then :class:`SignatureUpdate`
carries a message naming the file, the line and the exact signature to write.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

from opsgen.codegen.run_signature import expected_definition, is_current, one_line_definition
from opsgen.codegen.view import OperationView


@dataclass(frozen=True)
class SignatureUpdate:
    #: The updated file text, or None when nothing changes or the change is unsafe.
    text: str | None
    #: Message with the reason the update is unsafe and the signature to write, or None.
    problem: str | None


def update_signature(source: str, op: OperationView, path: str, imports: list[tuple[str, str]]) -> SignatureUpdate:
    """Rewrite the ``run`` signature in ``source`` to match ``op``, or explain why not.

    ``imports`` lists ``(module, name)`` pairs the new annotations need; missing ones are
    added. ``path`` is only used in messages.
    """
    if is_current(source, op):
        return SignatureUpdate(None, None)
    expected_line = one_line_definition(op)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return SignatureUpdate(None, f"{path}:{exc.raw_line}: cannot parse the file ({exc.message}); fix it, then run again")

    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    finder = _RunFinder(op.stem)
    wrapper.visit(finder)
    if finder.run is None:
        where = f"{path}:{finder.class_line}" if finder.class_line else path
        missing = f"class {op.stem} has no method run" if finder.class_line else f"no class {op.stem} found"
        return SignatureUpdate(None, f"{where}: {missing}; define it as:\n    {expected_line}")

    line = wrapper.resolve(PositionProvider)[finder.run].start.line
    reason = unsafe_reason(finder.run, op)
    if reason is not None:
        return SignatureUpdate(None, f"{path}:{line}: cannot update {op.stem}.run because {reason}; change it to:\n    {expected_line}")

    template = cst.parse_module(f"class _Template:\n{expected_definition(op)}\n        ...\n")
    template_class = template.body[0]
    assert isinstance(template_class, cst.ClassDef)
    template_run = template_class.body.body[0]
    assert isinstance(template_run, cst.FunctionDef)

    # The user's names and annotations of self and ctx stay; the layout is the template's.
    user_self, user_ctx = finder.run.params.params
    template_self, template_ctx = template_run.params.params
    new_params = template_run.params.with_changes(
        params=[
            template_self.with_changes(name=user_self.name),
            template_ctx.with_changes(name=user_ctx.name, annotation=user_ctx.annotation),
        ]
    )
    updated_run = finder.run.with_changes(params=new_params, returns=template_run.returns)
    updated = module.deep_replace(finder.run, updated_run)
    assert isinstance(updated, cst.Module)

    context = CodemodContext()
    for module_name, name in imports:
        AddImportsVisitor.add_needed_import(context, module_name, name)
    updated = AddImportsVisitor(context).transform_module(updated)
    return SignatureUpdate(updated.code, None)


def unsafe_reason(run: cst.FunctionDef, op: OperationView) -> str | None:
    """Return why rewriting ``run`` could change what the body means, or None when it is safe."""
    params = run.params
    if isinstance(params.star_arg, cst.Param):
        return f"it takes *{params.star_arg.name.value}"
    if params.star_kwarg is not None:
        return f"it takes **{params.star_kwarg.name.value}"
    if params.posonly_params:
        return "it has positional-only parameters"
    if len(params.params) != 2:
        names = ", ".join(p.name.value for p in params.params)
        return f"it takes positional parameters ({names}) instead of (self, ctx)"

    dropped = {p.name.value for p in params.kwonly_params} - {f.name for f in op.input_model.fields}
    if dropped:
        used = sorted(dropped & _names_used(run.body))
        if used:
            return f"its body still uses {', '.join(used)}, which the spec no longer has as input"
    return None


def _names_used(body: cst.BaseSuite) -> set[str]:
    collector = _NameCollector()
    body.visit(collector)
    return collector.names


class _NameCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


class _RunFinder(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, stem: str) -> None:
        self.stem = stem
        self.run: cst.FunctionDef | None = None
        self.class_line = 0
        self.depth = 0

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if self.depth == 0 and node.name.value == self.stem:
            self.class_line = self.get_metadata(PositionProvider, node).start.line
            for statement in node.body.body:
                if isinstance(statement, cst.FunctionDef) and statement.name.value == "run":
                    self.run = statement
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

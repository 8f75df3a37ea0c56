"""Bounded YAML reading that can report the source position of every key and value.

Specs are written by hand and may come from anyone, so this reader builds plain Python
data straight from the parser's event stream (libyaml's when PyYAML has it, PyYAML's
pure-Python parser otherwise) and never runs a YAML constructor. That gives:

- no object construction: any tag outside the standard string, number, boolean, null,
  sequence and mapping tags is rejected, so ``!!python/object`` can do nothing;
- bounded work: the document size, the nesting depth, the number of aliases, the
  number of nodes after alias expansion and the length of a number are all capped. A
  billion-laughs document or a deeply nested one fails on the first event past a limit;
- YAML 1.2 core-schema scalars: ``yes``, ``no``, ``on`` and ``off`` stay strings, and
  dates stay strings for the spec validator to read;
- no silent surprises: a duplicate mapping key, a non-string key, a merge key (``<<``)
  and a second document are errors.

A disallowed or mismatched tag, a duplicate key, a merge key, an alias without an
anchor and a second document do not stop the reading. The faulty value is left out and
reading goes on to the next problem, so one run can report them all. A syntax error, a
non-string key or a limit stops it.

Positions are 1-based (line, column) pairs, stored per path of keys and list indexes
and recorded only when a problem needs them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any, Union

import yaml
from yaml import events

#: Largest spec document accepted, in characters.
MAX_DOCUMENT_CHARS = 1024 * 1024
#: Deepest nesting of mappings and sequences, counting the top-level mapping as 1.
MAX_DEPTH = 32
#: Most aliases (``*name``) one document may use.
MAX_ALIASES = 50
#: Most nodes one document may hold once aliases are expanded.
MAX_NODES = 50_000
#: Maximum length of a plain number, in characters. Python 3.11 raises ValueError on an
#: int of more than 4,300 digits (``sys.get_int_max_str_digits()``), and no spec setting
#: needs more than 100.
MAX_NUMBER_CHARS = 100
#: Maximum length of a mapping key written without ``?``, in characters, as YAML 1.2 sets
#: it and libyaml and PyYAML enforce it.
MAX_YAML_KEY_CHARS = 1024

Path = tuple[Union[str, int], ...]
Position = tuple[int, int]

_STANDARD_TAG = "tag:yaml.org,2002:"
#: Pending key of a mapping entry whose key is at fault: its value is read and left out.
#: A real key never equals it, because a document with a NUL character is rejected.
_DROPPED_KEY = "\x00dropped"
_ALLOWED_TAGS = frozenset(
    {"!"} | {_STANDARD_TAG + name for name in ("str", "int", "float", "bool", "null", "map", "seq")}
)

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_INT_OCTAL = re.compile(r"^0o[0-7]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INFINITY = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
#: A character outside YAML's printable set (YAML 1.2, section 5.1), which the parsers reject.
_NOT_YAML_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class YamlProblem(Exception):
    """The document is not acceptable YAML; ``line`` and ``column`` count from 1.

    :func:`parse_document` raises the first problem of a document and fills in the
    attributes after ``hint`` on it.
    """

    def __init__(self, message: str, line: int, column: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint
        #: Every problem found in the document, in reading order, this one first.
        self.found: list[YamlProblem] = [self]
        #: The data read, with positions: faulty values are left out, and when ``complete``
        #: is false the data ends where reading stopped. None when nothing was read.
        self.document: ParsedDocument | None = None
        #: Whether reading reached the end of the document.
        self.complete = False


class ParsedDocument:
    """The data of one YAML document with the position of each value and each mapping key.

    Positions cost time and are needed only to report a problem, so unless the parse
    asked for them they are recorded on first use, by parsing the text again.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.data: Any = None
        #: Whether the root value was read to its end (false for a partial read).
        self.has_data = False
        self._lines: list[str] | None = None
        self._value_positions: dict[Path, Position] | None = None
        self._key_positions: dict[Path, Position] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    @property
    def value_positions(self) -> dict[Path, Position]:
        if self._value_positions is None:
            self._record_positions()
        assert self._value_positions is not None
        return self._value_positions

    @property
    def key_positions(self) -> dict[Path, Position]:
        if self._key_positions is None:
            self._record_positions()
        assert self._key_positions is not None
        return self._key_positions

    def _record_positions(self) -> None:
        tracked = _parse(self.text, track_positions=True)
        self._value_positions = tracked._value_positions
        self._key_positions = tracked._key_positions

    def position_of(self, path: Path, *, key: bool = False) -> Position:
        """Return the position of ``path``, or of its nearest recorded ancestor.

        Paths that run through an alias have no position of their own, so they resolve to
        the alias or the mapping that contains it.
        """
        table = self.key_positions if key else self.value_positions
        if path in table:
            return table[path]
        for end in range(len(path) - 1, -1, -1):
            prefix = path[:end]
            if prefix in self.value_positions:
                return self.value_positions[prefix]
        return (1, 1)

    def source_line(self, line: int) -> str | None:
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1]
        return None


class _Frame:
    __slots__ = ("container", "path", "anchor", "nodes_at_start", "height", "pending_key", "has_key", "dropped")

    def __init__(
        self, container: dict[str, Any] | list[Any], path: Path, anchor: str | None, nodes_at_start: int, dropped: bool
    ) -> None:
        self.container = container
        self.path = path
        self.anchor = anchor
        self.nodes_at_start = nodes_at_start
        self.height = 1
        self.pending_key: str | None = None
        self.has_key = False
        #: Whether the collection is left out of the data once read, because its tag is at fault.
        self.dropped = dropped


def _make_parser(text: str) -> Any:
    if yaml.__with_libyaml__:
        from yaml.cyaml import CParser  # type: ignore[attr-defined]

        return CParser(text)

    class _PureParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)

    return _PureParser(text)


def _position(mark: Any) -> Position:
    return (mark.line + 1, mark.column + 1)


#: First characters of the plain scalars that are not strings; any other plain scalar is one.
_NON_STRING_START = frozenset("~nNtTfF0123456789+-.")


class _LongNumber(ValueError):
    """A plain scalar reads as a number of more than :data:`MAX_NUMBER_CHARS` characters."""


def _resolve_plain(value: str) -> Any:
    """Read a plain scalar by the YAML 1.2 core schema; raise :class:`_LongNumber` for a number too long."""
    if value and value[0] not in _NON_STRING_START:
        return value
    if len(value) > MAX_NUMBER_CHARS and (
        _INT.match(value) or _INT_OCTAL.match(value) or _INT_HEX.match(value) or _FLOAT.match(value)
    ):
        raise _LongNumber(value)
    if _NULL.match(value):
        return None
    if _TRUE.match(value):
        return True
    if _FALSE.match(value):
        return False
    if _INT.match(value):
        return int(value)
    if _INT_OCTAL.match(value):
        return int(value[2:], 8)
    if _INT_HEX.match(value):
        return int(value[2:], 16)
    if _FLOAT.match(value):
        return float(value)
    if _INFINITY.match(value):
        return float("-inf") if value.startswith("-") else float("inf")
    if _NAN.match(value):
        return float("nan")
    return value


_TAGGED_READERS: dict[str, Callable[[str], Any]] = {
    _STANDARD_TAG + "str": str,
    "!": str,
}


def _resolve_scalar(event: events.ScalarEvent) -> Any:
    tag = event.tag
    value = event.value
    if tag is None:
        return _resolve_plain(value) if not event.style else value
    if tag in _TAGGED_READERS:
        return _TAGGED_READERS[tag](value)

    resolved = _resolve_plain(value)
    expected: dict[str, tuple[type, ...]] = {
        _STANDARD_TAG + "int": (int,),
        _STANDARD_TAG + "float": (float, int),
        _STANDARD_TAG + "bool": (bool,),
        _STANDARD_TAG + "null": (type(None),),
    }
    kinds = expected.get(tag)
    if kinds is None or type(resolved) not in kinds:
        line, column = _position(event.start_mark)
        raise YamlProblem(
            f"the value {value!r} does not match its tag {_shown_tag(tag)!r}",
            line,
            column,
            "remove the tag: a plain value is read by its form (5 is a number, true a boolean), and a quoted one is a string",
        )
    if tag.endswith(":float"):
        return float(resolved)
    return resolved


def _shown_tag(tag: str) -> str:
    """Return a standard tag the way it is written in YAML: ``!!int``, not its full URI."""
    return tag.replace(_STANDARD_TAG, "!!") if tag.startswith(_STANDARD_TAG) else tag


def _tag_problem(event: Any) -> YamlProblem | None:
    """Return the problem with the event's tag, or None when it has none or an allowed one."""
    tag = getattr(event, "tag", None)
    if tag is None or tag in _ALLOWED_TAGS:
        return None
    line, column = _position(event.start_mark)
    return YamlProblem(
        f"the YAML tag {_shown_tag(tag)!r} is not allowed in a spec",
        line,
        column,
        "remove the tag: specs hold only plain strings, numbers, booleans, lists and mappings",
    )


def _text_problem(event: events.ScalarEvent) -> YamlProblem | None:
    """Return the problem with a scalar that holds a lone surrogate, or None.

    libyaml rejects a ``\\ud800`` escape, but PyYAML's pure-Python parser turns it into
    a lone surrogate, which no UTF-8 file and no terminal can hold.
    """
    value = event.value
    if value.isascii() or _SURROGATE.search(value) is None:
        return None
    line, column = _position(event.start_mark)
    return YamlProblem("invalid YAML: the value contains a lone surrogate escape", line, column, SURROGATE_HINT)


def _long_number_problem(event: events.ScalarEvent) -> YamlProblem:
    line, column = _position(event.start_mark)
    return YamlProblem(
        f"the number has {len(event.value)} characters, more than the limit of {MAX_NUMBER_CHARS}",
        line,
        column,
        f"write a number of at most {MAX_NUMBER_CHARS} characters; put a long string of digits in quotes to keep it as text",
    )


def parse_document(text: str, *, track_positions: bool = False) -> ParsedDocument:
    """Parse one YAML document into plain data; positions are recorded now or on first use.

    Raises :class:`YamlProblem` for invalid YAML, a document over a limit, a disallowed
    tag, a duplicate or non-string key, a merge key, an empty file, or more than one
    document. The exception is the document's first problem, and its ``found`` lists
    every problem the reading got past, up to the one that stopped it if any.
    """
    try:
        return _parse(text, track_positions=track_positions)
    except YamlProblem:
        if track_positions:
            raise
    # Parse again with positions, which also reads on past the problems that allow it,
    # so the problem can name earlier lines (a duplicate key's first one) and later problems.
    return _parse(text, track_positions=True)


def _parse(text: str, *, track_positions: bool) -> ParsedDocument:
    if len(text) > MAX_DOCUMENT_CHARS:
        raise YamlProblem(
            f"the document has {len(text)} characters, more than the limit of {MAX_DOCUMENT_CHARS}",
            1,
            1,
            "split the spec: one operation a file, shared types in their own files",
        )
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise YamlProblem("the document contains a NUL character", line, column, "save the file as UTF-8 text")

    document = ParsedDocument(text)
    builder = _Builder(document, track_positions)
    parser: Any = None
    stop: YamlProblem | None = None
    try:
        # PyYAML's pure-Python reader checks every character when it is created.
        parser = _make_parser(text)
        builder.consume(parser)
    except yaml.MarkedYAMLError as exc:
        stop = _syntax_problem(exc, text)
    except yaml.reader.ReaderError as exc:
        stop = _reader_problem(exc, text)
    except yaml.YAMLError as exc:
        stop = YamlProblem(f"invalid YAML: {exc}", 1, 1, "check that the file is one YAML mapping of spec keys")
    except YamlProblem as problem:
        stop = problem
    finally:
        dispose = getattr(parser, "dispose", None) if parser is not None else None
        if dispose is not None:
            dispose()
    if track_positions:
        document._value_positions = builder.value_positions
        document._key_positions = builder.key_positions

    found = builder.problems + ([stop] if stop is not None else [])
    if not found:
        return document
    if stop is not None and not document.has_data:
        document.data = builder.partial_data()
    first = found[0]
    first.found = found
    first.document = document
    first.complete = stop is None
    raise first


#: Parser contexts of constructs that run on until their end is found, with the message
#: for a missing end. PyYAML and libyaml notice a missing end only where the next
#: construct starts, so the construct's own start is the place to fix.
_UNCLOSED = {
    "while parsing a flow mapping": "the flow mapping '{' that starts here is not closed",
    "while parsing a flow sequence": "the flow sequence '[' that starts here is not closed",
    "while scanning a quoted scalar": "the quoted value that starts here has no closing quote",
    "while scanning a simple key": "the key that starts here has no ':' after it",
}


def _reader_problem(exc: yaml.reader.ReaderError, text: str) -> YamlProblem:
    """Return the problem for a character YAML does not allow, placed at that character.

    libyaml counts the error's position in UTF-8 bytes and PyYAML in characters, so the
    character is found again in the text.
    """
    found = _NOT_YAML_PRINTABLE.search(text)
    offset = found.start() if found is not None else min(max(exc.position, 0), len(text))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    code = ord(text[offset]) if offset < len(text) else exc.character
    kind = "control character" if unicodedata.category(chr(code)) == "Cc" else "character"
    escape = f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
    return YamlProblem(
        f"invalid YAML: the document contains the {kind} U+{code:04X}, which YAML does not allow",
        line,
        column,
        f'delete the character; to put it in a value, write it as an escape inside double quotes, such as "{escape}"',
    )


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str) -> YamlProblem:
    """Return the problem for a YAML syntax error, placed at its cause where that is earlier."""
    mark = exc.problem_mark or exc.context_mark
    line, column = _position(mark) if mark is not None else (1, 1)
    message = exc.problem or exc.context or "invalid YAML"
    if "exceeded maximum nesting depth" in message:
        # libyaml stops at 1,000 levels of flow nesting before the builder sees the 33rd.
        return YamlProblem(f"the document nests deeper than {MAX_DEPTH} levels", line, column, DEEP_NESTING_HINT)
    long_key = _long_key_problem(exc, text)
    if long_key is not None:
        return long_key
    context = str(exc.context or "")
    start = _unclosed_start(exc, text)
    if start is None:
        return YamlProblem(f"invalid YAML: {message}", line, column, _syntax_hint(message, context, text, line, column))
    explained = _UNCLOSED[context]
    return YamlProblem(
        f"invalid YAML: {explained} ({message} at line {line}, column {column})", *start, _UNCLOSED_HINTS[context]
    )


def _long_key_problem(exc: yaml.MarkedYAMLError, text: str) -> YamlProblem | None:
    """Return the problem for a mapping key over YAML's length limit, or None for another error.

    The parsers give up on a key after 1,024 characters and report a missing ':', which
    misleads when the ':' is there, only further along the line.
    """
    if exc.context != "while scanning a simple key" or exc.context_mark is None:
        return None
    line, column = _position(exc.context_mark)
    lines = text.splitlines()
    if line > len(lines):
        return None
    rest = lines[line - 1][column - 1 :]
    colon = rest.find(":")
    if colon <= MAX_YAML_KEY_CHARS:
        return None
    return YamlProblem(
        f"invalid YAML: the key that starts here has {colon} characters, more than the {MAX_YAML_KEY_CHARS} YAML allows",
        line,
        column,
        "shorten the key: spec keys are names of at most 64 characters",
    )


def _unclosed_start(exc: yaml.MarkedYAMLError, text: str) -> Position | None:
    """Return the start of the construct left open, or None when the parser's own position is the cause."""
    if exc.context not in _UNCLOSED or exc.context_mark is None or exc.problem_mark is None:
        return None
    start = _position(exc.context_mark)
    found = _position(exc.problem_mark)
    if found[0] <= start[0]:
        return None  # on the construct's own line, the parser's position is the precise one
    if exc.context.startswith("while parsing a flow"):
        # A flow collection may go on over more lines. A line indented deeper than the
        # one that opens it is a continuation with a fault of its own, such as a missing
        # comma. A line no deeper, or the end of the file, shows the bracket was left open.
        lines = text.splitlines()
        if found[0] <= len(lines) and _indentation(lines[found[0] - 1]) > _indentation(lines[start[0] - 1]):
            return None
    return start


def _indentation(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


_INNER_QUOTES = re.compile(r"""(?:^|[\s:,\[{-])(["'])(?:(?!\1).|\\")*\1[^\s,\]}#]""")

#: A key followed by ':' and a value with no space between them, such as ``amount:int``,
#: which YAML reads as one plain value.
_NO_SPACE_AFTER_COLON = re.compile(r"^\s*(?:- )?[A-Za-z_][\w.-]*:[^\s:/]")

#: A ``key: value`` line whose plain value contains ': ' again.
_COLON_IN_VALUE = re.compile(r"^\s*(?:- )?[^\s'\"#][^:#]*: +[^\s'\"|>{\[&*!#][^#]*: ")

GENERAL_HINT = "check the indentation and quote values that contain ': ' or ' #'"

DEEP_NESTING_HINT = "flatten the structure: no spec key needs that much nesting"

SURROGATE_HINT = (
    "a \\u or \\U escape must name a character: not a surrogate (U+D800 to U+DFFF), not above "
    "U+10FFFF. Write the character itself, or escape one beyond U+FFFF with \\U and 8 hex digits, "
    "such as \\U0001F600"
)

UNCLOSED_QUOTE_HINT = (
    "close the quote on the line where the value starts; for text over several lines, write "
    "`|` after the key and indent the text on the lines below it, without quotes"
)

UNCLOSED_FLOW_MAPPING_HINT = (
    "add the '}' that closes the '{', or drop the braces and write each `key: value` on a line "
    "of its own, indented below the key"
)

UNCLOSED_FLOW_SEQUENCE_HINT = (
    "add the ']' that closes the '[', or drop the brackets and write each item as `- item` on a "
    "line of its own, indented below the key"
)

FLOW_QUOTING_HINT = "inside {...} or [...], quote values with brackets or commas, such as 'list[Money]'"

MISSING_COLON_HINT = (
    "end the key with ':' followed by a space or a line break, such as `input:`; a line that "
    "continues the value above must be indented deeper than that value's key"
)

UNKNOWN_ESCAPE_HINT = (
    "inside double quotes a backslash starts an escape such as \\n; write \\\\ for a backslash, "
    "or use single quotes, inside which a backslash is a plain character"
)

INDICATOR_HINT = (
    "a plain value cannot start with @, `, %, * or &, which YAML reserves; put the value in "
    "quotes, such as '@admin' or '*bold*'"
)

COLON_IN_VALUE_HINT = (
    "YAML reads ': ' inside a plain value as the start of another key; put the value in quotes, "
    "such as 'Note: amounts are in cents'"
)

NO_SPACE_AFTER_COLON_HINT = (
    "put a space after the ':' that ends a key, such as `amount: int`; YAML reads `amount:int` "
    "as one plain value"
)


def _syntax_hint(message: str, context: str, text: str, line: int, column: int) -> str:
    """Return the hint for a YAML syntax error at ``line`` and ``column`` (from 1), from the parser's context and the lines around it.

    PyYAML and libyaml word some problems differently (libyaml leaves out the character
    found), so the checks match the words both use.
    """
    lines = text.splitlines()
    current = lines[line - 1] if 1 <= line <= len(lines) else ""
    # Both parsers report a tab in indentation at its own line, so a tab elsewhere did not cause this error.
    if "\t" in current[: len(current) - len(current.lstrip(" \t"))]:
        return "tabs are not allowed in YAML indentation; indent with spaces"
    if context == "while scanning a quoted scalar":
        return UNCLOSED_QUOTE_HINT
    if "unknown escape character" in message:
        return UNKNOWN_ESCAPE_HINT
    if "invalid Unicode character escape code" in message:
        return SURROGATE_HINT
    if context == "while scanning a simple key" or "could not find expected ':'" in message:
        return MISSING_COLON_HINT
    if _INNER_QUOTES.search(current):
        return (
            "a quote inside the value ends it early: put the value in single quotes "
            "('He said \"hi\"') or escape the inner quotes (\\\"); inside single quotes, write '' for '"
        )
    if "cannot start any token" in message or context in ("while scanning an alias", "while scanning an anchor"):
        return INDICATOR_HINT
    if context in _UNCLOSED_HINTS and _line_ends_at(current, column):
        # The parser reached the end of the text with the bracket still open.
        return _UNCLOSED_HINTS[context]
    if "expected ','" in message or "flow" in message:
        return FLOW_QUOTING_HINT
    if "mapping values are not allowed" in message:
        previous = next((row for row in reversed(lines[: line - 1]) if row.strip()), "")
        if _COLON_IN_VALUE.search(current):
            return COLON_IN_VALUE_HINT
        if _NO_SPACE_AFTER_COLON.search(previous):
            return NO_SPACE_AFTER_COLON_HINT
    return GENERAL_HINT


#: The fix for each construct in ``_UNCLOSED`` when it is left open.
_UNCLOSED_HINTS = {
    "while parsing a flow mapping": UNCLOSED_FLOW_MAPPING_HINT,
    "while parsing a flow sequence": UNCLOSED_FLOW_SEQUENCE_HINT,
    "while scanning a quoted scalar": UNCLOSED_QUOTE_HINT,
    "while scanning a simple key": MISSING_COLON_HINT,
}


def _line_ends_at(line_text: str, column: int) -> bool:
    """Return whether nothing but blanks or a comment follows ``column`` (from 1) on the line."""
    rest = line_text[column - 1 :].strip()
    return not rest or rest.startswith("#")


class _Builder:
    """Turn parser events into data, enforcing the limits as each event arrives.

    With ``track`` false no path or position is computed, which is the common case.
    """

    def __init__(self, document: ParsedDocument, track: bool) -> None:
        self.document = document
        self.track = track
        #: Problems read past, collected only with ``track``; without it the first one is raised.
        self.problems: list[YamlProblem] = []
        self.value_positions: dict[Path, Position] = {}
        self.key_positions: dict[Path, Position] = {}
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int, int]] = {}
        self.aliases = 0
        self.nodes = 0
        self.documents = 0
        self.has_root = False

    def consume(self, parser: Any) -> None:
        check_event = parser.check_event
        get_event = parser.get_event
        stack = self.stack
        scalar_event = events.ScalarEvent
        mapping_start, sequence_start = events.MappingStartEvent, events.SequenceStartEvent
        mapping_end, sequence_end = events.MappingEndEvent, events.SequenceEndEvent
        while check_event():
            event = get_event()
            kind = type(event)
            if kind is scalar_event:
                top = stack[-1] if stack else None
                if top is not None and not top.has_key and type(top.container) is dict:
                    self.key(event, top)
                else:
                    self.scalar(event)
            elif kind is mapping_start or kind is sequence_start:
                self.start_collection(event, mapping=kind is mapping_start)
            elif kind is mapping_end or kind is sequence_end:
                self.end_collection()
            elif kind is events.AliasEvent:
                self.alias(event)
            elif kind is events.DocumentStartEvent:
                self.documents += 1
                if self.documents > 1:
                    line, column = _position(event.start_mark)
                    self.read_past(
                        YamlProblem(
                            "the file holds more than one YAML document",
                            line,
                            column,
                            "keep one operation a file and remove the extra '---' document",
                        )
                    )
                    # Later documents are only parsed, not read into the data, so a syntax
                    # error in them is still reported.
                    while check_event():
                        get_event()
                    break
        if not self.has_root:
            raise YamlProblem("the spec file is empty", 1, 1, "start with `name: domain.operation`")

    def read_past(self, problem: YamlProblem) -> None:
        """Record a problem the reading can go on after, or raise it when positions are not tracked."""
        if not self.track:
            raise problem
        self.problems.append(problem)

    def partial_data(self) -> Any:
        """Return the root value as far as it was read, for a document whose reading stopped.

        The collections still open are attached to their parents, so the entries read
        before the stop are all there. A collection left out for its tag stays out.
        """
        for child, parent in zip(reversed(self.stack[1:]), reversed(self.stack[:-1])):
            if child.dropped:
                continue
            container = parent.container
            if isinstance(container, list):
                container.append(child.container)
            elif parent.pending_key is not None and parent.pending_key != _DROPPED_KEY:
                container[parent.pending_key] = child.container
        if self.stack:
            return None if self.stack[0].dropped else self.stack[0].container
        return self.document.data

    def drop_value(self) -> None:
        """Leave out the value just read: no mapping entry or list item is added for it."""
        if not self.stack:
            self.has_root = True
            return
        top = self.stack[-1]
        if type(top.container) is dict:
            top.pending_key = None
            top.has_key = False

    def count_node(self, event: Any, added: int = 1, height: int = 1) -> None:
        self.nodes += added
        if self.nodes > MAX_NODES:
            line, column = _position(event.start_mark)
            raise YamlProblem(
                f"the document expands to more than {MAX_NODES} values",
                line,
                column,
                "write the values out instead of multiplying them with aliases",
            )
        if len(self.stack) + height > MAX_DEPTH:
            line, column = _position(event.start_mark)
            raise YamlProblem(
                f"the document nests deeper than {MAX_DEPTH} levels",
                line,
                column,
                DEEP_NESTING_HINT,
            )

    def child_path(self) -> Path:
        if not self.stack:
            return ()
        top = self.stack[-1]
        if type(top.container) is dict:
            assert top.pending_key is not None
            return top.path + (top.pending_key,)
        return top.path + (len(top.container),)

    def expects_key(self) -> bool:
        if not self.stack:
            return False
        top = self.stack[-1]
        return type(top.container) is dict and not top.has_key

    def attach(self, value: Any, height: int) -> None:
        if not self.stack:
            self.document.data = value
            self.document.has_data = True
            self.has_root = True
            return
        top = self.stack[-1]
        if height >= top.height:
            top.height = height + 1
        container = top.container
        if type(container) is dict:
            if top.pending_key != _DROPPED_KEY:
                container[top.pending_key] = value  # type: ignore[index]
            top.pending_key = None
            top.has_key = False
        else:
            container.append(value)  # type: ignore[union-attr]

    def reject_complex_key(self, event: Any) -> None:
        line, column = _position(event.start_mark)
        raise YamlProblem(
            "a mapping key must be a plain string",
            line,
            column,
            "write the key as a name such as `amount`, not a list, mapping or alias",
        )

    def scalar(self, event: events.ScalarEvent) -> None:
        self.count_node(event)
        if self.track:
            self.value_positions[self.child_path()] = _position(event.start_mark)
        problem = _text_problem(event)
        if problem is None and event.tag is None:
            try:
                value = _resolve_plain(event.value) if not event.style else event.value
            except _LongNumber:
                problem = _long_number_problem(event)
        elif problem is None:
            problem = _tag_problem(event)
            if problem is None:
                try:
                    value = _resolve_scalar(event)
                except YamlProblem as mismatch:
                    problem = mismatch
                except _LongNumber:
                    problem = _long_number_problem(event)
        if problem is not None:
            self.read_past(problem)
            self.drop_value()
            return
        self.attach(value, 1)
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1, 1)

    def key(self, event: events.ScalarEvent, top: _Frame) -> None:
        problem = self.key_problem(event, top)
        if problem is not None:
            # The key is at fault, so its value is read and left out (a duplicate keeps its first value).
            self.read_past(problem)
            top.pending_key = _DROPPED_KEY
            top.has_key = True
            return
        key = event.value
        top.pending_key = key
        top.has_key = True
        if self.track:
            self.key_positions[top.path + (key,)] = _position(event.start_mark)

    def key_problem(self, event: events.ScalarEvent, top: _Frame) -> YamlProblem | None:
        """Return the problem with a mapping key: a lone surrogate, a disallowed tag, a merge key or a duplicate."""
        text_problem = _text_problem(event)
        if text_problem is not None:
            return text_problem
        if event.tag is not None:
            problem = _tag_problem(event)
            if problem is not None:
                return problem
        key = event.value
        if key == "<<" and not event.style:
            line, column = _position(event.start_mark)
            return YamlProblem(
                "merge keys ('<<') are not supported in specs",
                line,
                column,
                "write the keys out, or move shared fields to a named type in a `kind: types` file",
            )
        if key in top.container:
            line, column = _position(event.start_mark)
            first = self.key_positions.get(top.path + (key,)) if self.track else None
            where = f" (first at line {first[0]})" if first else ""
            return YamlProblem(
                f"duplicate key {key!r}{where}",
                line,
                column,
                "YAML would silently keep only the last value; remove or rename one of them",
            )
        return None

    def start_collection(self, event: Any, *, mapping: bool) -> None:
        problem = _tag_problem(event) if event.tag is not None else None
        if event.tag is not None and problem is None and event.tag.startswith(_STANDARD_TAG):
            expected_tag = _STANDARD_TAG + ("map" if mapping else "seq")
            if event.tag != expected_tag:
                line, column = _position(event.start_mark)
                problem = YamlProblem(
                    f"the tag {_shown_tag(event.tag)!r} does not fit a {'mapping' if mapping else 'list'}",
                    line,
                    column,
                    "remove the tag: a mapping or list needs none",
                )
        if self.expects_key():
            self.reject_complex_key(event)
        if problem is not None:
            self.read_past(problem)
        self.count_node(event)
        path: Path = ()
        if self.track:
            path = self.child_path()
            self.value_positions[path] = _position(event.start_mark)
        container: dict[str, Any] | list[Any] = {} if mapping else []
        self.stack.append(_Frame(container, path, event.anchor, self.nodes, dropped=problem is not None))

    def end_collection(self) -> None:
        frame = self.stack.pop()
        if frame.dropped:
            self.drop_value()
            return
        size = self.nodes - frame.nodes_at_start + 1
        self.attach(frame.container, frame.height)
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (frame.container, size, frame.height)

    def alias(self, event: events.AliasEvent) -> None:
        if self.expects_key():
            self.reject_complex_key(event)
        self.aliases += 1
        line, column = _position(event.start_mark)
        if self.aliases > MAX_ALIASES:
            raise YamlProblem(
                f"the document uses more than {MAX_ALIASES} aliases",
                line,
                column,
                "write the values out, or move shared fields to a named type",
            )
        anchor = event.anchor
        if anchor not in self.anchors:
            self.read_past(
                YamlProblem(
                    f"the alias *{anchor} refers to no complete anchor before it",
                    line,
                    column,
                    f"define `&{anchor}` earlier in the file; an alias cannot refer to its own enclosing value",
                )
            )
            self.drop_value()
            return
        value, size, height = self.anchors[anchor]
        self.count_node(event, added=size, height=height)
        if self.track:
            self.value_positions[self.child_path()] = (line, column)
        self.attach(value, height)

"""``opsgen schema``: print or write the JSON Schema of the spec format."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of the spec format",
        description=(
            "Print the JSON Schema of opsgen spec files. Point an editor at it with a first line "
            "`# yaml-language-server: $schema=PATH` in each spec."
        ),
    )
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FILE",
        help="write the schema to FILE instead of standard output",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from opsgen.spec.schema import render_schema

    text = render_schema()
    output: Path | None = args.output
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"opsgen schema: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {output}", file=sys.stderr)
    return 0

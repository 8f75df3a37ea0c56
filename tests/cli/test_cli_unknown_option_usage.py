"""An unknown option after a subcommand is reported with that subcommand's usage line."""

from __future__ import annotations

import argparse

import pytest

from opsgen.cli.commands import build_parser
from opsgen.cli.main import main


def subparsers_of(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update(action.choices)
    return found


def required_arguments(parser: argparse.ArgumentParser) -> list[str]:
    """Return placeholder values for the arguments ``parser`` requires, so only the unknown option is wrong."""
    arguments: list[str] = []
    for action in parser._actions:
        if not action.required:
            continue
        if action.option_strings:
            arguments += [action.option_strings[0], "x"]
        elif action.nargs is None:
            arguments.append("1")
    return arguments


def leaf_commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, list[str]]]:
    """Return each subcommand without subcommands of its own, as its name and a valid command line."""
    children = subparsers_of(parser)
    if not children:
        return [(" ".join(path), [*path, *required_arguments(parser)])]
    found = []
    for name, child in children.items():
        found += leaf_commands(child, (*path, name))
    return found


LEAF_COMMANDS = leaf_commands(build_parser())


def test_leaf_commands_found() -> None:
    names = {name for name, _ in LEAF_COMMANDS}

    assert {"init", "generate", "lint", "ops list", "audit check", "outbox drain", "worker"} <= names


@pytest.mark.parametrize(("command", "arguments"), LEAF_COMMANDS, ids=[name for name, _ in LEAF_COMMANDS])
def test_unknown_option_shows_command_usage(
    command: str, arguments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*arguments, "--no-such-option"])

    lines = capsys.readouterr().err.splitlines()
    assert exited.value.code == 2
    assert lines[0].startswith(f"usage: opsgen {command} [-h]")
    assert lines[-1] == f"opsgen {command}: error: unrecognized arguments: --no-such-option"


def test_misspelt_lint_option_shows_lint_usage(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(["lint", "--fomat", "json", "shop"])

    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "usage: opsgen lint [-h] [--format {text,concise,json,sarif,github}]"
    assert lines[-1] == "opsgen lint: error: unrecognized arguments: --fomat; did you mean --format?"


@pytest.mark.parametrize(
    ("arguments", "prog", "typo", "expected"),
    [
        (["genrate"], "opsgen", "genrate", "generate"),
        (["ops", "lst"], "opsgen ops", "lst", "list"),
        (["outbox", "drian"], "opsgen outbox", "drian", "drain"),
        (["audit", "histroy", "order", "1"], "opsgen audit", "histroy", "history"),
        (["ops", "list", "--format", "jsno"], "opsgen ops list", "jsno", "json"),
    ],
    ids=["genrate", "ops lst", "outbox drian", "audit histroy", "format jsno"],
)
def test_misspelt_choice_suggests_closest(
    arguments: list[str], prog: str, typo: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(arguments)

    last_line = capsys.readouterr().err.splitlines()[-1]
    assert exited.value.code == 2
    assert last_line.startswith(f"{prog}: error: argument ")
    assert f"invalid choice: {typo!r}" in last_line
    assert last_line.endswith(f"; did you mean {expected!r}?")


def test_unrelated_command_has_no_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["xyz"])

    last_line = capsys.readouterr().err.splitlines()[-1]
    assert "invalid choice: 'xyz'" in last_line
    assert "did you mean" not in last_line

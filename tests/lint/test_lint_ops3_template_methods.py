"""OPS303 and OPS304 leave a base class's template method and a plain-data helper alone.

A base class whose public ``execute()`` calls ``self.handle()``, which only raises
``NotImplementedError`` there, has one entry for callers and one hook for subclasses,
as Django's management commands do. A module-level function that takes no required
input, returns plain data on every path and writes nothing computes a value for the
service it is handed to. The faulty twins of both stay reported.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

RULES = {rule.code: rule for rule in load_rules()}

#: A command base whose execute() runs the handle() hook, and two subclasses that
#: implement the hook, one through a further hook of its own.
COMMANDS = '''\
class BaseJob:
    def run_from_args(self, argv):
        return self.execute(*argv)

    def execute(self, *args, **options):
        self.check(options)
        output = self.handle(*args, **options)
        return output

    def check(self, options):
        return None

    def handle(self, *args, **options):
        """Subclasses do their work here."""
        raise NotImplementedError("subclasses of BaseJob must provide handle()")


class LabelJob(BaseJob):
    def handle(self, *labels, **options):
        return [self.handle_label(label) for label in labels]

    def handle_label(self, label):
        raise NotImplementedError


class CleanupJob(BaseJob):
    def handle(self, *args, **options):
        return 0
'''


def _lines(code: str, source: str, tmp_path: Path) -> list[int]:
    return [f.line for f in lint_example(Example(source), [RULES[code]], tmp_path) if f.code == code]


def test_ops303_template_method_clean(tmp_path: Path) -> None:
    assert _lines("OPS303", COMMANDS, tmp_path) == []


def test_ops303_abstract_hook_clean(tmp_path: Path) -> None:
    source = (
        "from abc import ABC, abstractmethod\n\n"
        "class Importer(ABC):\n"
        "    def run(self, rows):\n"
        "        for row in rows:\n"
        "            self.process(row)\n\n"
        "    @abstractmethod\n"
        "    def process(self, row):\n"
        "        ...\n\n"
        "class CsvImporter(Importer):\n"
        "    def process(self, row):\n"
        "        return row\n\n"
        "class JsonImporter(Importer):\n"
        "    def process(self, row):\n"
        "        return dict(row)\n"
    )
    assert _lines("OPS303", source, tmp_path) == []


def test_ops303_concrete_second_verb_reported(tmp_path: Path) -> None:
    # handle() does the work in the base itself, so it is a second way in beside execute(),
    # and the subclasses' handle() outnumbers the base's execute().
    source = COMMANDS.replace(
        '        """Subclasses do their work here."""\n        raise NotImplementedError("subclasses of BaseJob must provide handle()")\n',
        "        return list(args)\n",
    )
    assert _lines("OPS303", source, tmp_path) == [5, 13]


def test_ops303_uncalled_abstract_verb_reported(tmp_path: Path) -> None:
    # execute() never calls handle(): the base offers two unrelated entry verbs, and the
    # subclasses implement the one that callers of the base do not use.
    source = COMMANDS.replace("        output = self.handle(*args, **options)\n", "        output = None\n")
    assert _lines("OPS303", source, tmp_path) == [5, 13]


def test_ops303_subclass_own_verb_reported(tmp_path: Path) -> None:
    # A subclass that adds run() beside the inherited execute() is entered another way.
    source = COMMANDS + "\n\nclass ExportJob(BaseJob):\n    def run(self, target):\n        return target\n"
    assert _lines("OPS303", source, tmp_path) == [32]


#: A validator class, and a function that builds one with the extensions a helper lists.
VALIDATORS = '''\
class ExtensionValidator:
    def __init__(self, allowed):
        self.allowed = allowed

    def __call__(self, name):
        if name.rpartition(".")[2] not in self.allowed:
            raise ValueError(name)


class SizeValidator:
    def __call__(self, size):
        if size > 10:
            raise ValueError(size)


def image_extensions({parameters}):
{body}

def validate_image_name(name):
    return ExtensionValidator(allowed={call})(name)
'''

PLAIN_LIST_BODY = (
    "    try:\n"
    "        import imghdr\n"
    "    except ImportError:\n"
    "        return []\n"
    "    else:\n"
    "        return [kind.lower() for kind in imghdr.tests]\n"
)


@pytest.mark.parametrize(
    ("parameters", "body", "call"),
    [
        ("", PLAIN_LIST_BODY, "image_extensions()"),
        ("include_svg=False", "    if include_svg:\n        return ('png', 'svg')\n    return ('png',)\n", "image_extensions()"),
        ("", "    return sorted({'png', 'jpg'})\n", "image_extensions()"),
    ],
)
def test_ops304_plain_data_helper_clean(parameters: str, body: str, call: str, tmp_path: Path) -> None:
    source = VALIDATORS.format(parameters=parameters, body=body, call=call)
    assert _lines("OPS304", source, tmp_path) == []


@pytest.mark.parametrize(
    ("parameters", "body", "call"),
    [
        # It takes the upload it works on.
        ("upload", "    upload.checked = True\n    return [upload.kind]\n", "image_extensions(name)"),
        ("upload", "    return [upload.kind]\n", "image_extensions(name)"),
        # It writes a row before it returns the list.
        ("", "    Setting.objects.filter(key='images').update(seen=True)\n    return ['png']\n", "image_extensions()"),
        # It makes an HTTP request.
        ("", "    requests.post('https://example.invalid/seen', timeout=5)\n    return ['png']\n", "image_extensions()"),
        # It returns nothing on one path.
        ("", "    if settings.IMAGES:\n        return ['png']\n", "image_extensions()"),
        # It returns an object, not plain data.
        ("", "    return ExtensionRegistry()\n", "image_extensions()"),
    ],
)
def test_ops304_service_shaped_function_reported(parameters: str, body: str, call: str, tmp_path: Path) -> None:
    source = "import requests\n\n" + VALIDATORS.format(parameters=parameters, body=body, call=call)
    assert _lines("OPS304", source, tmp_path) == [18]

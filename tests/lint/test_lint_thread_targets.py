"""OPS101 follows the function that a thread or process runs: ``threading.Thread(target=f)``,
``threading.Timer(t, f)`` and ``multiprocessing.Process(target=f)`` built inside a
transaction call ``f`` there, unless a name bound to the thread is started elsewhere."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

HEADER = """\
import multiprocessing
import threading as th
from functools import partial
from threading import Timer

import requests
from django.db import transaction


def post_hook(url):
    requests.post(url, timeout=5)


def record(url):
    with transaction.atomic():
"""


def ops101(tmp_path: Path, source: str) -> list[Finding]:
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    return lint_example(Example(textwrap.dedent(source)), rules, tmp_path)


#: Each way to hand a function to a thread or a process, the runner the message names,
#: and what it starts.
STARTS = {
    "thread target keyword": ("th.Thread(target=post_hook, args=(url,), daemon=True).start()", "threading.Thread", "thread"),
    "thread target positional": ("th.Thread(None, post_hook, args=(url,)).start()", "threading.Thread", "thread"),
    "thread target library function": ("th.Thread(target=requests.post, args=(url,)).start()", "threading.Thread", "thread"),
    "thread target lambda": ("th.Thread(target=lambda: post_hook(url)).start()", "threading.Thread", "thread"),
    "timer positional": ("Timer(30.0, post_hook, args=(url,)).start()", "threading.Timer", "thread"),
    "timer keyword": ("Timer(30.0, function=partial(post_hook, url)).start()", "threading.Timer", "thread"),
    "process target": ("multiprocessing.Process(target=post_hook, args=(url,)).start()", "multiprocessing.Process", "process"),
    "thread bound then started": ("worker = th.Thread(target=post_hook, args=(url,))\n        worker.start()", "threading.Thread", "thread"),
}


@pytest.mark.parametrize("start, runner, started", STARTS.values(), ids=list(STARTS))
def test_thread_target_in_atomic(tmp_path: Path, start: str, runner: str, started: str) -> None:
    findings = ops101(tmp_path, HEADER + f"        {start}\n")

    # The finding sits where the thread starts: the last line of ``start``.
    assert [f.line for f in findings] == [15 + start.count("\n") + 1]
    assert "HTTP request" in findings[0].message
    assert f"where {runner}() runs it in a new {started} without waiting for the commit;" in findings[0].message
    assert findings[0].fix is None
    assert findings[0].no_fix_reason is not None


def test_thread_started_from_on_commit(tmp_path: Path) -> None:
    source = HEADER.replace("def record", "def start_post(url):\n    th.Thread(target=post_hook, args=(url,)).start()\n\n\ndef record")
    findings = ops101(tmp_path, source + "        transaction.on_commit(lambda: start_post(url))\n")

    assert findings == []


def test_thread_started_after_atomic(tmp_path: Path) -> None:
    findings = ops101(tmp_path, HEADER + "        pass\n    th.Thread(target=post_hook, args=(url,)).start()\n")

    assert findings == []


#: A thread or process bound to a name inside the block and started after it.
BUILT_INSIDE_STARTED_AFTER = {
    "thread": "worker = th.Thread(target=post_hook, args=(url,))\n    worker.start()",
    "timer": "worker = Timer(30.0, partial(post_hook, url))\n    worker.start()",
    "process": "worker = multiprocessing.Process(target=post_hook, args=(url,))\n    worker.start()",
    "attribute of an object": "jobs.worker = th.Thread(target=post_hook, args=(url,))\n    jobs.worker.start()",
}


@pytest.mark.parametrize("start", BUILT_INSIDE_STARTED_AFTER.values(), ids=list(BUILT_INSIDE_STARTED_AFTER))
def test_thread_built_inside_started_after(tmp_path: Path, start: str) -> None:
    source = HEADER.replace("def record(url):", "def record(url, jobs):")
    findings = ops101(tmp_path, source + f"        {start}\n")

    assert findings == []


def test_thread_built_before_started_inside(tmp_path: Path) -> None:
    source = HEADER.replace("    with transaction.atomic():\n", "    worker = th.Thread(target=post_hook, args=(url,))\n    with transaction.atomic():\n")
    findings = ops101(tmp_path, source + "        print(url)\n        worker.start()\n")

    assert [f.line for f in findings] == [18]
    assert "where threading.Thread() runs it in a new thread" in findings[0].message


def test_thread_rebound_before_start_keeps_build(tmp_path: Path) -> None:
    source = HEADER + "        worker = th.Thread(target=post_hook, args=(url,))\n        worker = None\n    print(worker)\n"
    findings = ops101(tmp_path, source)

    assert [f.line for f in findings] == [16]


def test_thread_target_without_effect(tmp_path: Path) -> None:
    source = HEADER.replace("requests.post(url, timeout=5)", "print(url)")
    findings = ops101(tmp_path, source + "        th.Thread(target=post_hook, args=(url,)).start()\n")

    assert findings == []

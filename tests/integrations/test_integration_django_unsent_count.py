"""The Django resolution's error about calls left unsent counts them in the right number."""

from __future__ import annotations

import logging

import pytest

pytest.importorskip("django")


@pytest.mark.parametrize(
    ("execution_ids", "expected"),
    [(["e-1"], "left 1 committed call unsent and pending"), (["e-1", "e-2"], "left 2 committed calls unsent and pending")],
)
def test_unsent_calls_counted(execution_ids: list[str], expected: str, caplog: pytest.LogCaptureFixture) -> None:
    from opsgen.integrations.django.enqueue import _send_unsent

    caplog.set_level(logging.ERROR, logger="opsgen.integrations.django.enqueue")

    sent, unsent = _send_unsent({execution_id: {} for execution_id in execution_ids}, None)

    assert sent == []
    assert unsent == execution_ids
    (record,) = caplog.records
    assert record.getMessage().startswith(expected + ", because this runtime has no opsgen.enqueue handler; ")
    assert record.getMessage().endswith(": " + ", ".join(execution_ids))

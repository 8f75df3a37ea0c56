"""`opsgen ops show` names a call queued in a transaction instead of printing its whole message."""

from __future__ import annotations

from opsgen.cli.ops import ENQUEUE_EFFECT_NAME, _effect_payload_text
from opsgen.integrations.background.sender import ENQUEUE_EFFECT


def test_enqueue_effect_name_matches_sender() -> None:
    assert ENQUEUE_EFFECT_NAME == ENQUEUE_EFFECT


def test_queued_call_shows_operation_id_and_input() -> None:
    effect = {
        "name": ENQUEUE_EFFECT,
        "payload_redacted": {
            "operation": "billing.generate_invoices", "execution_id": "0123456789abcdef-rest", "input": {"month": 5},
            "context": {"actor": "ops", "request_id": "r-1"}, "retry": {"max_attempts": 3}, "root_id": "x",
        },
    }

    text = _effect_payload_text(effect)

    assert text.startswith("billing.generate_invoices as 01234567")
    assert text.endswith('input {"month": 5}')
    assert "context" not in text
    assert "retry" not in text


def test_other_effects_show_their_payload() -> None:
    effect = {"name": "welcome_email", "payload_redacted": {"to": "a@example.com"}}

    assert _effect_payload_text(effect) == '{"to": "a@example.com"}'

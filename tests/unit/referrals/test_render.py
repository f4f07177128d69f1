"""Rendering text that is not a situation's: its helplines become call buttons."""

from __future__ import annotations

from bot.guard.replies import SafetyReplies
from referrals import load_dataset
from referrals.render import text_reply


def test_a_text_gets_a_call_button_per_helpline_it_names_in_its_order() -> None:
    dataset = load_dataset()

    reply = text_reply(dataset, "V nebezpečí 112, jinak 116 111 (ne 1112).", "cs")

    assert [button.dial for button in reply.helplines] == ["112", "116111"]
    assert reply.message()["custom"]["helplines"][1]["label"] == "Volat 116 111"
    assert text_reply(dataset, "Bez čísla.", "cs").message() == {"text": "Bez čísla."}


def test_the_guards_own_replies_can_be_dialled_too() -> None:
    replies = SafetyReplies.from_dataset()

    for messages in (replies.rate_limited, replies.empty_message, replies.safety_net):
        for language, bubbles in messages.items():
            dials = [h["dial"] for h in bubbles[0]["custom"]["helplines"]]
            assert "116111" in dials, (language, bubbles[0])

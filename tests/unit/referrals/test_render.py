"""Rendering: a text's helplines become call buttons; a first reply in another
language than Czech says the helplines may answer in Czech."""

from __future__ import annotations

import pytest

from bot.guard.replies import SafetyReplies
from referrals import load_dataset
from referrals.render import situation_replies, text_reply
from referrals.schema import LANGUAGES


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


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "cs"])
def test_a_child_writing_another_language_reads_the_helplines_may_speak_czech(
    lang: str,
) -> None:
    # Issue 12: no claim that a helpline answers in Ukrainian or English; "may"
    # answer in Czech, and a trusted adult can call with the child.
    dataset = load_dataset()
    note = dataset.template("helplines_language_note", lang)
    replies = situation_replies(dataset, "sextortion", lang)
    # Right after the bubble that names the helplines, in a bubble of its own.
    assert "116 111" in replies[0].text and note not in replies[0].text
    assert replies[1].text == note


@pytest.mark.parametrize("situation_id", ["immediate_danger", "suicidal_thoughts"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_nothing_delays_the_call_in_an_emergency(situation_id: str, lang: str) -> None:
    dataset = load_dataset()
    note = dataset.template("helplines_language_note", lang)
    replies = situation_replies(dataset, situation_id, lang)
    assert all(note not in reply.text for reply in replies)


def test_a_czech_child_gets_no_language_note() -> None:
    dataset = load_dataset()
    note = dataset.template("helplines_language_note", "cs")
    replies = situation_replies(dataset, "sextortion", "cs")
    assert all(note not in reply.text for reply in replies)


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "cs"])
def test_a_parent_reads_the_note_written_to_an_adult_not_the_childs(lang: str) -> None:
    # "Ask an adult you trust to call with you" is for a child; a parent or teacher
    # is told that someone who speaks Czech can call with them, formally.
    dataset = load_dataset()
    assert dataset.situations["parent_teacher"].written_to_adult
    replies = situation_replies(dataset, "parent_teacher", lang)
    texts = [reply.text for reply in replies]
    assert dataset.template("helplines_language_note_adult", lang) == texts[1]
    assert dataset.template("helplines_language_note", lang) not in texts
    child_only = [s for s in dataset.situations.values() if not s.written_to_adult]
    assert len(child_only) == len(dataset.situations) - 1

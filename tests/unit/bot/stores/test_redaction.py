"""What a user message looks like once stored: identifiers out, the rest kept."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

from bot.stores.redaction import redact_identifiers, redacted_event

# message -> what is stored
REDACTED = [
    ("pis mi na petr.novak@seznam.cz", "pis mi na [email]"),
    ("my email is Tom_99@gmail.com!", "my email is [email]!"),
    ("volej mi 777 123 456", "volej mi [phone]"),
    ("my number is +420 777123456", "my number is [phone]"),
    ("cislo 777-123-456 nebo 603.111.222", "cislo [phone] nebo [phone]"),
    ("poslal to na https://instagram.com/jake_22?x=1", "poslal to na [url]"),
    ("je to na www.example.org/fotky", "je to na [url]"),
    ("napsal mi z tiktok.com/@kuba", "napsal mi z [url]"),
    ("na instagramu je @kuba.novak99", "na instagramu je [handle]"),
    ("jmenuje se Petr Novák", "jmenuje se [name] [name]"),
    ("jmenuje se petr a chce fotky", "jmenuje se [name] a chce fotky"),
    ("Jmenuju se Anička", "Jmenuju se [name]"),
    ("his name is Jake Miller", "his name is [name] [name]"),
    ("a guy called Mark keeps texting", "a guy called [name] keeps texting"),
    ("pisu si s Tomášem a Janou", "pisu si s [name] a [name]"),
    ("Petr mi posila zpravy", "[name] mi posila zpravy"),
]

# message -> stored unchanged
KEPT = [
    "volal jsem na 116 111 a pak na 158",
    "zavolej 112 nebo 116 006",
    "je mi 13 a chce 5000 Kč",
    "stalo se to 12.3.2024",
    "he called me yesterday and I was scared",
    "vydira me, chce dalsi fotky",
    "",
    "🙂🙂🙂",
    "مرحبا، أحتاج إلى مساعدة",
]


@pytest.mark.parametrize("message, stored", REDACTED)
def test_identifiers_are_replaced(message: str, stored: str) -> None:
    assert redact_identifiers(message) == stored


@pytest.mark.parametrize("message", KEPT)
def test_text_without_identifiers_is_kept(message: str) -> None:
    assert redact_identifiers(message) == message


def test_user_event_text_parse_data_entities_and_metadata_are_redacted() -> None:
    event = UserUttered(
        "jmenuje se Petr, 777 123 456",
        intent={"name": "grooming", "confidence": 0.9},
        entities=[{"entity": "language", "value": "cs", "start": 0, "end": 0}],
        metadata={"note": "petr@example.com"},
        message_id="abc1234567890",
    )

    stored = redacted_event(event)

    assert isinstance(stored, UserUttered)
    assert stored.text == "jmenuje se [name], [phone]"
    assert stored.parse_data["text"] == "jmenuje se [name], [phone]"
    assert stored.intent_name == "grooming"
    assert stored.entities == [
        {"entity": "language", "value": "cs", "start": 0, "end": 0}
    ]
    assert stored.metadata == {"note": "[email]"}
    assert stored.message_id == "abc1234567890"
    assert event.text == "jmenuje se Petr, 777 123 456"  # the original is untouched


def test_text_slot_values_are_redacted_and_bot_text_is_not_touched() -> None:
    assert redacted_event(SlotSet("situation", "a@b.cz")) == SlotSet(
        "situation", "[email]"
    )
    bot = BotUttered("Linka bezpečí: 116 111")
    assert redacted_event(bot) is bot

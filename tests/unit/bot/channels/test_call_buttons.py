"""Reading a bubble's helplines (`custom.helplines`) on the channel side."""

from __future__ import annotations

from bot.channels.call_buttons import CallButton, number_entities, split_message


def test_the_helplines_are_taken_out_and_other_custom_data_stays() -> None:
    message = {
        "text": "116 111",
        "custom": {
            "helplines": [
                {"dial": "116111", "number": "116 111", "name": "LB", "label": "Call"},
                {"dial": "tel:116111", "number": "116 111"},  # not digits: dropped
                "116111",  # not an object: dropped
            ],
            "other": 1,
        },
    }

    rest, buttons = split_message(message)

    assert rest == {"text": "116 111", "custom": {"other": 1}}
    assert buttons == [CallButton("116 111", "116111", "LB", "Call")]
    assert "helplines" in message["custom"]  # the caller's message is not changed


def test_a_message_without_helplines_is_left_as_it_is() -> None:
    assert split_message({"text": "ahoj", "custom": None}) == ({"text": "ahoj"}, [])


def test_numbers_are_marked_where_telegram_counts_them() -> None:
    text = "😊 Linka bezpečí: 116 111, policie 158"
    buttons = [
        CallButton("158", "158", "", ""),
        CallButton("116 111", "116111", "", ""),
    ]

    entities = number_entities(text, buttons)

    # The emoji is two UTF-16 code units: offsets are one more than in Python.
    assert entities == [
        {"type": "bold", "offset": text.index("116 111") + 1, "length": 7},
        {"type": "bold", "offset": text.index("158") + 1, "length": 3},
    ]

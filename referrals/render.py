"""Turn a referral-dataset situation into the messages a user sees.

Both sides render with it: the action server (`actions/`) sends the replies with
rasa_sdk's dispatcher, the guard (`bot/guard/`) sends them itself when Rasa cannot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Optional, Protocol, Text, Tuple

from referrals.schema import ReferralDataset
from referrals.text import DEFAULT_LANGUAGE

BULLET = "• "
# Rasa's channels cut a text bubble at every blank line ("\n\n"), which would
# move the helplines out of the first bubble. Parts of one bubble are joined
# with a single line break instead.
LINE_BREAK = "\n"


def one_bubble(parts: List[Text]) -> Text:
    """Join parts into one bubble's text that no channel splits apart."""
    return LINE_BREAK.join(part.strip() for part in parts)


class Dispatcher(Protocol):
    """What `Reply.send` needs of rasa_sdk's `CollectingDispatcher`."""

    def utter_message(
        self,
        *,
        text: Optional[Text] = ...,
        buttons: Any = ...,
        json_message: Any = ...,
    ) -> None: ...


@dataclass(frozen=True)
class CallButton:
    """A helpline a bubble names, as data: each channel makes it a call button.

    `dial` is what a phone dials (the dataset's digits), `label` the button's
    text in the reply's language ("Volat 116 111").
    """

    id: Text
    number: Text
    dial: Text
    name: Text
    label: Text

    def payload(self) -> Dict[Text, Text]:
        return {
            "id": self.id,
            "number": self.number,
            "dial": self.dial,
            "name": self.name,
            "label": self.label,
        }


@dataclass(frozen=True)
class Reply:
    """One chat bubble: text, optional plain-text buttons, the helplines it names.

    The helplines travel in Rasa's `custom` field as `{"helplines": [...]}`; the
    text names them too, so a client that knows nothing of `custom` loses nothing.
    """

    text: Text
    buttons: List[Text] = field(default_factory=list)
    helplines: Tuple[CallButton, ...] = ()

    def button_payloads(self) -> List[Dict[Text, Any]]:
        """The buttons as Rasa sends them; a title is its own payload."""
        return [{"title": title, "payload": title} for title in self.buttons]

    def custom(self) -> Optional[Dict[Text, Any]]:
        if not self.helplines:
            return None
        return {"helplines": [helpline.payload() for helpline in self.helplines]}

    def message(self) -> Dict[Text, Any]:
        """The bubble as a channel's `send_response` receives it."""
        message: Dict[Text, Any] = {"text": self.text}
        if self.buttons:
            message["buttons"] = self.button_payloads()
        custom = self.custom()
        if custom:
            message["custom"] = custom
        return message

    def with_buttons(self, titles: List[Text]) -> Reply:
        """The same bubble with more buttons after its own."""
        return replace(self, buttons=[*self.buttons, *titles])

    def send(self, dispatcher: Dispatcher) -> None:
        dispatcher.utter_message(
            text=self.text, buttons=self.button_payloads(), json_message=self.custom()
        )


def call_buttons(
    dataset: ReferralDataset, ids: List[Text], lang: Text
) -> Tuple[CallButton, ...]:
    template = dataset.template("call_button", lang)
    buttons = []
    for helpline_id in ids:
        helpline = dataset.helpline(helpline_id)
        buttons.append(
            CallButton(
                id=helpline_id,
                number=helpline.number,
                dial=helpline.dial,
                name=helpline.name[lang],
                label=template.format(number=helpline.number),
            )
        )
    return tuple(buttons)


def text_reply(dataset: ReferralDataset, text: Text, lang: Text) -> Reply:
    """A bubble of `text` with a call button for each helpline it names, in the
    order the text names them (for texts that are not a situation's)."""
    found = []
    for helpline_id, helpline in dataset.helplines.items():
        match = re.search(rf"(?<!\d){re.escape(helpline.number)}(?!\d)", text)
        if match:
            found.append((match.start(), helpline_id))
    ids = [helpline_id for _, helpline_id in sorted(found)]
    return Reply(text, helplines=call_buttons(dataset, ids, lang))


def helpline_lines(dataset: ReferralDataset, ids: List[Text], lang: Text) -> Text:
    template = dataset.template("helpline_line", lang)
    lines = []
    for helpline_id in ids:
        helpline = dataset.helpline(helpline_id)
        lines.append(
            template.format(
                number=helpline.number,
                name=helpline.name[lang],
                description=helpline.description[lang],
            )
        )
    return "\n".join(lines)


def bullet_list(heading: Text, items: List[Text]) -> Text:
    return "\n".join([heading, *(BULLET + item for item in items)])


def situation_replies(
    dataset: ReferralDataset,
    situation_id: Text,
    lang: Text,
    buttons: Optional[Text] = None,
) -> List[Reply]:
    """The replies for one situation, helplines in the first bubble.

    A child may leave after the first message, so it carries the opener and
    every helpline of the situation (as text and as call buttons); in English and
    Ukrainian, outside an emergency, a short bubble says that the helplines may
    answer in Czech and a trusted adult can call with the child; steps follow
    in their own bubble, the facts when they are the answer to the question
    (`facts_are_the_answer`; otherwise `facts_reply` sends them when asked), then
    the situation's question, if any, in a bubble of its own. The buttons go
    under the last bubble.
    """
    situation = dataset.situations[situation_id]
    first = situation.text[lang]
    if situation.helplines:
        first = one_bubble([first, helpline_lines(dataset, situation.helplines, lang)])
    replies = [Reply(first, helplines=call_buttons(dataset, situation.helplines, lang))]
    if (
        situation.helplines
        and lang != DEFAULT_LANGUAGE
        and situation.urgency != "urgent"
    ):
        # A bubble of its own: the first one stays within what a platform shows
        # with its call buttons (Messenger's button template: 640 characters).
        note = (
            "helplines_language_note_adult"
            if situation.written_to_adult
            else "helplines_language_note"
        )
        replies.append(Reply(dataset.template(note, lang)))
    steps = situation.steps[lang]
    if steps:
        replies.append(
            Reply(bullet_list(dataset.template("steps_heading", lang), steps))
        )
    if situation.facts and situation.facts_are_the_answer:
        replies.append(facts_reply(dataset, situation_id, lang))
    if situation.question:
        replies.append(Reply(situation.question[lang]))
    button_set = buttons or situation.buttons
    if button_set:
        replies[-1] = replies[-1].with_buttons(dataset.buttons(button_set, lang))
    return replies


def facts_reply(dataset: ReferralDataset, situation_id: Text, lang: Text) -> Reply:
    """The situation's legal facts in one bubble (it must have facts)."""
    situation = dataset.situations[situation_id]
    facts = [dataset.fact(fact_id).text[lang] for fact_id in situation.facts]
    return Reply(bullet_list(dataset.template("facts_heading", lang), facts))


def send_all(dispatcher: Dispatcher, replies: List[Reply]) -> None:
    for reply in replies:
        reply.send(dispatcher)

"""Turn a referral-dataset situation into the messages a user sees.

Both sides render with it: the action server (`actions/`) sends the replies with
rasa_sdk's dispatcher, the guard (`bot/guard/`) sends them itself when Rasa cannot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Protocol, Text

from referrals.schema import ReferralDataset

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
        self, *, text: Optional[Text] = ..., buttons: Any = ...
    ) -> None: ...


@dataclass(frozen=True)
class Reply:
    """One chat bubble: text and optional plain-text buttons."""

    text: Text
    buttons: List[Text] = field(default_factory=list)

    def button_payloads(self) -> List[Dict[Text, Any]]:
        """The buttons as Rasa sends them; a title is its own payload."""
        return [{"title": title, "payload": title} for title in self.buttons]

    def message(self) -> Dict[Text, Any]:
        """The bubble as a channel's `send_response` receives it."""
        message: Dict[Text, Any] = {"text": self.text}
        if self.buttons:
            message["buttons"] = self.button_payloads()
        return message

    def send(self, dispatcher: Dispatcher) -> None:
        dispatcher.utter_message(text=self.text, buttons=self.button_payloads())


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
    every helpline of the situation; steps and facts follow in their own bubbles,
    then the situation's question, if any, in a bubble of its own. The buttons go
    under the last bubble.
    """
    situation = dataset.situations[situation_id]
    first = situation.text[lang]
    if situation.helplines:
        first = one_bubble([first, helpline_lines(dataset, situation.helplines, lang)])
    replies = [Reply(first)]
    steps = situation.steps[lang]
    if steps:
        replies.append(
            Reply(bullet_list(dataset.template("steps_heading", lang), steps))
        )
    if situation.facts:
        facts = [dataset.fact(fact_id).text[lang] for fact_id in situation.facts]
        replies.append(
            Reply(bullet_list(dataset.template("facts_heading", lang), facts))
        )
    if situation.question:
        replies.append(Reply(situation.question[lang]))
    button_set = buttons or situation.buttons
    if button_set:
        last = replies[-1]
        replies[-1] = Reply(last.text, dataset.buttons(button_set, lang))
    return replies


def send_all(dispatcher: Dispatcher, replies: List[Reply]) -> None:
    for reply in replies:
        reply.send(dispatcher)

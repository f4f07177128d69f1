"""A request to delete this conversation, told apart from deleting evidence.

`delete_conversation` erases everything the child wrote to the assistant, at
once (`actions/conversation.py`). "Чи треба мені видалити фото?" ("should I
delete the photos?") was understood as that request: the child lost the
conversation and got no word about evidence. A message the model takes for the
request but that speaks of pictures, or of the chat with someone else ("mám
smazat chat s ním?"), asks what to do with evidence: it gets `ask_reporting`,
whose steps say what to keep (screenshots, names, links; never the pictures
themselves; the chat not deleted). A wrong "not deleted" is mended by asking
again; a wrong deletion cannot be.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import List, Pattern, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.critical_phrases import (
    decide_intent,
    mentions_pictures,
    normalise,
    word_list_pattern,
)
from bot.nlu.untrained import UntrainedComponent

WORDS_FILE = Path(__file__).with_name("delete_requests.yml")
DELETE_INTENT = "delete_conversation"
EVIDENCE_INTENT = "ask_reporting"


@functools.lru_cache(maxsize=1)
def someone_else_pattern() -> Pattern[Text]:
    return word_list_pattern(WORDS_FILE)


def deletes_something_else(text: Text) -> bool:
    """Whether a message about deleting speaks of pictures or another's chat."""
    return mentions_pictures(text) or bool(
        someone_else_pattern().search(normalise(text))
    )


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class DeleteRequestClassifier(UntrainedComponent):
    """Sets the intent to `ask_reporting` when the model chose
    `delete_conversation` for a message about pictures or another's chat.

    The confidence stays the model's: it was sure the child asked about
    deleting, not which thing.
    """

    @classmethod
    def load_resources(cls) -> None:
        someone_else_pattern()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get("name") != DELETE_INTENT:
                continue
            if deletes_something_else(message.get(TEXT) or ""):
                decide_intent(
                    message,
                    EVIDENCE_INTENT,
                    float(intent.get("confidence") or 0.0),
                    self.__class__.__name__,
                )
        return messages

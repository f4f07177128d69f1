"""Remove what identifies a person from user text before it is stored.

`redact_identifiers` replaces, in this order:

| what                 | pattern (simplified)                            | becomes    |
|----------------------|-------------------------------------------------|------------|
| e-mail addresses     | `name@domain.tld`                               | `[email]`  |
| URLs and web domains | `https://…`, `www.…`, `instagram.com/…`, `x.cz` | `[url]`    |
| social-media handles | `@name`                                         | `[handle]` |
| phone numbers        | 9+ digits, single spaces/dashes/dots between    | `[phone]`  |
| personal names       | see below                                       | `[name]`   |

Helpline numbers a child quotes (116 111, 116 006, 158, 112) have fewer than nine
digits, so they stay; so do ages, amounts and dates.

Personal names are found by a simple, documented heuristic (it misses names and
that is accepted; it must never keep the rest of the message from the NLU, which
sees the original text anyway):
- the word after a phrase that introduces a name ("jmenuje se", "his name is",
  see `redaction_names.yml`), whatever its case, and one more capitalised word
  after it (a surname);
- a capitalised word after a weak trigger ("called", "named", "říká se mu");
- a capitalised word whose base is in the first-name list, with a Czech case
  ending allowed ("Petrovi", "Janou").

Used by `PrivateSQLTrackerStore.save`, i.e. on the way to the database and to an
event broker, never on the way to the NLU.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Pattern, Tuple

import yaml
from rasa.shared.core.events import EntitiesAdded, Event, SlotSet, UserUttered

from referrals.text import fold

NAMES_FILE = Path(__file__).with_name("redaction_names.yml")

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A URL does not end with the punctuation that follows it in a sentence.
URL_TAIL = r"(?:\S*[^\s.,!?;:)\]'\"])?"
URL = re.compile(
    rf"(?:\b(?:https?://|www\.){URL_TAIL})"
    r"|(?:\b[\w-]+(?:\.[\w-]+)*\.(?:com|cz|sk|net|org|eu|io|me|tv|info|gg|app|ly|co"
    rf"|uk|de|at|pl|ru|to|link|site|online|xyz)\b(?:/{URL_TAIL})?)",
    re.IGNORECASE,
)
HANDLE = re.compile(r"(?<![\w@])@[\w.]{2,}", re.UNICODE)
# A run of digits with single separators; judged by its digit count below.
DIGIT_RUN = re.compile(r"\+?\d(?:[ \-./]?\d)+")
MIN_PHONE_DIGITS = 9
# Czech case endings after a first name's base ("Petr" -> "Petra", "Petrovi").
CASE_ENDINGS = ("", "a", "e", "u", "i", "y", "o", "ou", "em", "ovi", "ho")

PLACEHOLDER_EMAIL = "[email]"
PLACEHOLDER_URL = "[url]"
PLACEHOLDER_HANDLE = "[handle]"
PLACEHOLDER_PHONE = "[phone]"
PLACEHOLDER_NAME = "[name]"

WORD = r"[^\W\d_][\w'-]*"


@functools.lru_cache(maxsize=1)
def _name_rules() -> Tuple[Pattern[str], Pattern[str], FrozenSet[str]]:
    with NAMES_FILE.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    strong = "|".join(_phrase_pattern(phrase) for phrase in raw["strong_triggers"])
    weak = "|".join(_phrase_pattern(phrase) for phrase in raw["weak_triggers"])
    strong_pattern = re.compile(
        rf"(?P<trigger>\b(?:{strong})\s+)(?P<name>{WORD})"
        rf"(?:(?P<gap>\s+)(?P<next>{WORD}))?",
        re.IGNORECASE,
    )
    weak_pattern = re.compile(
        rf"(?P<trigger>\b(?:{weak})\s+)(?P<name>{WORD})", re.IGNORECASE
    )
    first_names = frozenset(fold(str(name)) for name in raw["first_names"])
    return strong_pattern, weak_pattern, first_names


def _phrase_pattern(phrase: str) -> str:
    """A trigger phrase matching with or without diacritics, any whitespace."""
    words = []
    for word in str(phrase).split():
        letters = [
            (
                f"[{re.escape(char)}{re.escape(fold(char))}]"
                if fold(char) != char.lower()
                else re.escape(char)
            )
            for char in word
        ]
        words.append("".join(letters))
    return r"\s+".join(words)


def _redact_phone(match: "re.Match[str]") -> str:
    digits = sum(char.isdigit() for char in match.group(0))
    return PLACEHOLDER_PHONE if digits >= MIN_PHONE_DIGITS else match.group(0)


def _redact_after_strong_trigger(match: "re.Match[str]") -> str:
    """The word after "jmenuje se" is a name; a capitalised one after it too."""
    redacted = match.group("trigger") + PLACEHOLDER_NAME
    following = match.group("next")
    if following is None:
        return redacted
    kept = following if not following[:1].isupper() else PLACEHOLDER_NAME
    return redacted + match.group("gap") + kept


def _redact_after_weak_trigger(match: "re.Match[str]") -> str:
    """After "called" only a capitalised word is taken for a name."""
    name = match.group("name")
    return match.group("trigger") + (PLACEHOLDER_NAME if name[:1].isupper() else name)


def _is_listed_first_name(word: str, first_names: FrozenSet[str]) -> bool:
    if not word[:1].isupper():
        return False
    folded = fold(word)
    return any(
        folded.endswith(ending) and folded[: len(folded) - len(ending)] in first_names
        for ending in CASE_ENDINGS
        if len(folded) > len(ending)
    )


def redact_identifiers(text: str) -> str:
    """`text` with e-mails, URLs, handles, phone numbers and names replaced."""
    if not text:
        return text
    strong, weak, first_names = _name_rules()
    text = EMAIL.sub(PLACEHOLDER_EMAIL, text)
    text = URL.sub(PLACEHOLDER_URL, text)
    text = HANDLE.sub(PLACEHOLDER_HANDLE, text)
    text = DIGIT_RUN.sub(_redact_phone, text)
    text = strong.sub(_redact_after_strong_trigger, text)
    text = weak.sub(_redact_after_weak_trigger, text)
    return re.sub(
        WORD,
        lambda m: (
            PLACEHOLDER_NAME
            if _is_listed_first_name(m.group(0), first_names)
            else m.group(0)
        ),
        text,
    )


def redact_strings(value: Any) -> Any:
    """Apply `redact_identifiers` to every string inside lists and dict values."""
    if isinstance(value, str):
        return redact_identifiers(value)
    if isinstance(value, list):
        return [redact_strings(item) for item in value]
    if isinstance(value, dict):
        return {key: redact_strings(item) for key, item in value.items()}
    return value


def _redacted_entities(
    entities: Optional[List[Dict[str, Any]]],
) -> List[Dict[str, Any]]:
    return [
        (
            {**entity, "value": redact_strings(entity.get("value"))}
            if "value" in entity
            else dict(entity)
        )
        for entity in entities or []
    ]


def redacted_event(event: Event) -> Event:
    """The event as it may be stored: user text, entity and slot values redacted.

    Events that carry no user text are returned as they are.
    """
    if isinstance(event, UserUttered):
        parse_data = dict(event.parse_data)
        parse_data["text"] = redact_identifiers(event.text or "") or event.text
        parse_data["entities"] = _redacted_entities(parse_data.get("entities"))
        parse_data["metadata"] = redact_strings(parse_data.get("metadata"))
        return UserUttered(
            text=parse_data["text"],
            intent=event.intent,
            entities=_redacted_entities(event.entities),
            parse_data=parse_data,  # type: ignore[arg-type]
            timestamp=event.timestamp,
            input_channel=event.input_channel,
            message_id=event.message_id,
            metadata=redact_strings(event.metadata),
            use_text_for_featurization=event.use_text_for_featurization,
        )
    if isinstance(event, SlotSet) and isinstance(event.value, str):
        return SlotSet(
            event.key, redact_identifiers(event.value), event.timestamp, event.metadata
        )
    if isinstance(event, EntitiesAdded):
        return EntitiesAdded(
            _redacted_entities(event.entities), event.timestamp, event.metadata
        )
    return event

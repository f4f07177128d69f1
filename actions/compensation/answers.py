"""Read the free-text answers of the compensation check: a choice or an amount.

Children answer in Czech, English or Ukrainian, often without diacritics, with a
button or in their own words. The phrases are data (`answers.yml` beside this file);
this module only matches them. Nothing here talks to the user: a problem is returned
as an `AnswerProblem`, and the form validator picks the response for it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Text, Tuple, Union

import yaml

from referrals.text import fold as fold_case_and_diacritics

ANSWERS_FILE = Path(__file__).with_name("answers.yml")
DONT_KNOW = "dont_know"
PREFIX_MARK = "*"


class AnswerProblem(str, Enum):
    """Why an answer cannot fill its slot; each gets its own kind re-ask."""

    DONT_KNOW = "dont_know"
    NOT_UNDERSTOOD = "not_understood"
    FOREIGN_CURRENCY = "foreign_currency"
    NEGATIVE = "negative"
    TOO_LARGE = "too_large"


@dataclass(frozen=True)
class Phrase:
    """Words to find in an answer; a word ending in "*" is a prefix."""

    words: Tuple[Text, ...]

    @classmethod
    def parse(cls, text: object) -> Phrase:
        if not isinstance(text, str):
            # YAML reads a bare no / yes as a boolean: quote it.
            raise TypeError(f"phrase {text!r} is not a string")
        return cls(tuple(fold(text).split()))

    def matches_at(self, tokens: Sequence[Text], start: int) -> bool:
        if start + len(self.words) > len(tokens):
            return False
        return all(
            token.startswith(word[:-1]) if word.endswith(PREFIX_MARK) else token == word
            for word, token in zip(self.words, tokens[start:], strict=False)
        )


@dataclass(frozen=True)
class AnswerVocabulary:
    """The phrases of `compensation_answers.yml`, in priority order per slot."""

    choices: Dict[Text, List[Tuple[Text, List[Phrase]]]]
    dont_know: List[Phrase]
    zero: List[Phrase]
    thousands: Tuple[Text, ...]
    millions: Tuple[Text, ...]
    currency_words: List[Phrase]
    currency_symbols: Tuple[Text, ...]
    max_plausible_czk: float


def fold(text: Text) -> Text:
    """Lower case without diacritics or apostrophes: "Nevím" -> "nevim"."""
    return fold_case_and_diacritics(text).replace("'", "").replace("\u2019", "")


def words_of(text: Text) -> List[Text]:
    return re.sub(r"\W+", " ", fold(text)).split()


def _contains(tokens: Sequence[Text], phrases: List[Phrase]) -> bool:
    return any(p.matches_at(tokens, i) for p in phrases for i in range(len(tokens)))


@functools.lru_cache(maxsize=1)
def vocabulary() -> AnswerVocabulary:
    """Load the phrases once; a missing key names the file in the error."""
    with ANSWERS_FILE.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    try:
        choices = {
            slot: [
                (str(value), [Phrase.parse(p) for p in phrases])
                for value, phrases in values.items()
            ]
            for slot, values in raw["choices"].items()
        }
        amounts = raw["amounts"]
        return AnswerVocabulary(
            choices=choices,
            dont_know=[Phrase.parse(p) for p in raw["dont_know"]],
            zero=[Phrase.parse(p) for p in amounts["zero"]],
            thousands=tuple(fold(str(w)) for w in amounts["thousands"]),
            millions=tuple(fold(str(w)) for w in amounts["millions"]),
            currency_words=[
                Phrase.parse(p) for p in amounts["foreign_currency"]["words"]
            ],
            currency_symbols=tuple(
                str(s) for s in amounts["foreign_currency"]["symbols"]
            ),
            max_plausible_czk=float(amounts["max_plausible_czk"]),
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"{ANSWERS_FILE}: missing or malformed {error}") from error


def _matches(
    tokens: Sequence[Text], candidates: List[Tuple[Text, List[Phrase]]]
) -> List[Tuple[int, int, Text]]:
    """Every (start, end, value) where a phrase of a candidate value occurs."""
    found = []
    for value, phrases in candidates:
        for phrase in phrases:
            for start in range(len(tokens)):
                if phrase.matches_at(tokens, start):
                    found.append((start, start + len(phrase.words), value))
    return found


def _outermost(matches: List[Tuple[int, int, Text]]) -> List[Tuple[int, int, Text]]:
    """Drop a match that lies inside a longer one ("injury" inside "no injury")."""
    return [
        (start, end, value)
        for start, end, value in matches
        if not any(
            s <= start and end <= e and (e - s) > (end - start) for s, e, _ in matches
        )
    ]


def parse_choice(text: Text, slot: Text) -> Union[Text, AnswerProblem]:
    """The value of `slot` ("crime_kind", "injury") the answer names, or a problem."""
    vocab = vocabulary()
    candidates = [*vocab.choices[slot], (DONT_KNOW, vocab.dont_know)]
    found = {value for _, _, value in _outermost(_matches(words_of(text), candidates))}
    for value, _ in vocab.choices[slot]:
        if value in found:
            return value
    if DONT_KNOW in found:
        return AnswerProblem.DONT_KNOW
    return AnswerProblem.NOT_UNDERSTOOD


# One amount: "12 000", "12.000", "12,000", "12000", "12,5", "1.5"; a sign before it;
# the word after it ("k", "tisic", "kc"). A group separator is followed by exactly
# three digits; one or two digits after "," or "." are a decimal part.
AMOUNT = re.compile(
    r"(?P<minus>(?<!\w)[-\u2212]\s*)?"
    r"(?P<whole>\d{1,3}(?:[ \u00a0\u202f.,']\d{3})+(?!\d)|\d+)"
    r"(?:[.,](?P<fraction>\d{1,2})(?!\d))?"
    r"(?:\s*(?P<unit>[a-z]+))?"
)


def parse_amount(text: Text) -> Union[float, AnswerProblem]:
    """An amount in CZK (>= 0, not absurd) from an answer, or why there is none.

    "12 000", "12000 Kč", "12k", "1,5 tisíce", "0", "nic", "nothing" are amounts;
    "nevím" / "I don't know" is `DONT_KNOW`; letters only, two amounts, another
    currency ("200 eur"), a negative or an absurd amount (above
    `max_plausible_czk`) are problems to re-ask about.
    """
    vocab = vocabulary()
    folded = fold(text)
    if any(symbol in text for symbol in vocab.currency_symbols) or _contains(
        words_of(text), vocab.currency_words
    ):
        return AnswerProblem.FOREIGN_CURRENCY
    found = list(AMOUNT.finditer(folded))
    if len(found) > 1:
        return AnswerProblem.NOT_UNDERSTOOD
    if not found:
        tokens = words_of(text)
        if _contains(tokens, vocab.dont_know):
            return AnswerProblem.DONT_KNOW
        if _contains(tokens, vocab.zero):
            return 0.0
        return AnswerProblem.NOT_UNDERSTOOD
    match = found[0]
    amount = float(re.sub(r"\D", "", match["whole"]))
    if match["fraction"]:
        amount += float("0." + match["fraction"])
    amount *= _multiplier(match["unit"], vocab)
    if match["minus"] or re.search(r"\bminus\b", folded):
        return AnswerProblem.NEGATIVE if amount > 0 else 0.0
    if amount > vocab.max_plausible_czk:
        return AnswerProblem.TOO_LARGE
    return amount


def _multiplier(unit: Optional[Text], vocab: AnswerVocabulary) -> float:
    if unit in vocab.thousands:
        return 1_000.0
    if unit in vocab.millions:
        return 1_000_000.0
    return 1.0

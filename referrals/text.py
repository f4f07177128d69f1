"""Small ideas about text that the NLU, the guard, the stores and the actions share.

- `strip_diacritics` / `fold`: how children type on phones ("vydírá" -> "vydira");
  every comparison of typed text against known words folds both sides alike;
- `LANGUAGES`, `DEFAULT_LANGUAGE` and `first_language`: which language to answer
  in when several sources may say (the message, the conversation, the channel);
- `format_czk`: an amount of money as the dataset writes it.
"""

from __future__ import annotations

import unicodedata
from typing import Optional

from referrals.schema import LANGUAGES, Language, format_czk

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "first_language",
    "fold",
    "format_czk",
    "strip_diacritics",
]

# The language of an answer when nothing says which: the children are Czech.
DEFAULT_LANGUAGE: Language = "cs"


def strip_diacritics(text: str) -> str:
    """`vydírá` -> `vydira`, case kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(text: str) -> str:
    """Lower case without diacritics: `Jiří` -> `jiri`, `Nevím` -> `nevim`."""
    return strip_diacritics(text.lower())


def first_language(*candidates: Optional[str]) -> Language:
    """The first candidate that is a language of the dataset, else Czech.

    Callers pass what they know, most specific first: the language the message
    shows, then the conversation's or the channel's.
    """
    for candidate in candidates:
        for language in LANGUAGES:
            if candidate == language:
                return language
    return DEFAULT_LANGUAGE

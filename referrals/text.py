"""Small ideas about text that the NLU, the guard, the stores and the actions share.

- `strip_diacritics` / `fold`: how children type on phones ("vydírá" -> "vydira");
  every comparison of typed text against known words folds both sides alike.
  Latin letters lose their marks; Cyrillic letters stay as they are (й, ї);
- `LANGUAGES`, `DEFAULT_LANGUAGE` and `first_language`: which language to answer
  in when several sources may say (the message, the conversation, the channel);
  `language_of_locale`: the language of a platform's or a browser's locale code,
  with `NEAREST_LANGUAGE` for languages the dataset does not have;
- `format_czk`: an amount of money as the dataset writes it.
"""

from __future__ import annotations

import unicodedata
from typing import Dict, Optional

from referrals.schema import LANGUAGES, Language, format_czk

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "NEAREST_LANGUAGE",
    "first_language",
    "fold",
    "format_czk",
    "is_cyrillic",
    "language_of_locale",
    "strip_diacritics",
]

# The language of an answer when nothing says which: the children are Czech.
DEFAULT_LANGUAGE: Language = "cs"
# Locales of languages the dataset does not have whose speakers read one it has: a
# Slovak child reads Czech; a child whose phone is set to Russian or Belarusian in
# the Czech Republic is most often from Ukraine (and Cyrillic text is answered in
# Ukrainian anyway, bot/nlu/detection.py). The web chat page gets this table too.
NEAREST_LANGUAGE: Dict[str, Language] = {"sk": "cs", "ru": "uk", "be": "uk"}


def is_cyrillic(char: str) -> bool:
    """A letter of the Cyrillic blocks (basic, supplement, extended-C)."""
    return "\u0400" <= char <= "\u052f" or "\u1c80" <= char <= "\u1c8f"


def strip_diacritics(text: str) -> str:
    """`vydírá` -> `vydira`, case kept; Cyrillic letters are kept whole.

    Only marks are removed: a Latin letter loses its háček or accent, a Cyrillic
    letter keeps what makes it a letter of its own (й is not и, ї is not і, both
    decompose under NFKD), only a stress mark on it goes ("ви́дно" -> "видно").
    """
    kept = []
    for char in unicodedata.normalize("NFC", text):
        if is_cyrillic(char):
            kept.append(char)
            continue
        kept.extend(
            part
            for part in unicodedata.normalize("NFKD", char)
            if not unicodedata.combining(part)
        )
    return "".join(kept)


def fold(text: str) -> str:
    """Lower case without diacritics: `Jiří` -> `jiri`, `Nevím` -> `nevim`,
    `Мої` -> `мої` (Cyrillic letters are not folded, see `strip_diacritics`)."""
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


def language_of_locale(code: Optional[str]) -> Optional[Language]:
    """The dataset language of a locale code: "uk-UA" -> "uk", "ru" -> "uk",
    "sk" -> "cs", "en-GB" -> "en"; None for any other ("de", "", None)."""
    primary = str(code or "").replace("_", "-").split("-")[0].strip().lower()
    for language in LANGUAGES:
        if primary == language:
            return language
    return NEAREST_LANGUAGE.get(primary)

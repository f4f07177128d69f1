"""Tell Czech, English and Ukrainian apart in one message, without Rasa (the guard
uses it too).

The rule, in order:

1. A Cyrillic letter means Ukrainian. Ukrainian is the only language written in
   Cyrillic that the assistant has, so a Russian (or Belarusian, Bulgarian...)
   message is answered in Ukrainian too: a child who writes Russian in the Czech
   Republic is most often from Ukraine and reads Ukrainian, and Ukrainian is closer
   to it than Czech or English.
2. A letter only Czech uses decides Czech: ř ů ě and the long vowels á é í ó ú ý,
   unless the marker words of another language outnumber the Czech ones (a
   Ukrainian or English message that names "Bílý kruh bezpečí" or a "třídní").
   š ž č do not decide: Ukrainian typed in Latin letters on a Czech keyboard uses
   them too ("šo", "kaže", "choču"), and so it does ť ň ď for the soft consonants
   ("možuť", "deň"), as the Ukrainian training data shows.
3. Otherwise the marker words of each language (`language_markers.yml`) are
   counted. A word counts for a language when it is in the language's list as
   typed (lower case) or without diacritics, so "šo" is Ukrainian while "so" is not;
   a list entry of two words ("ne znaju") counts when the two words follow each
   other; a word listed for two languages ("ne", "tak") counts for both. The
   language with the most markers wins; a tie says nothing (the conversation's
   language then stays).
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Text

import yaml

from referrals.schema import LANGUAGES
from referrals.text import is_cyrillic, strip_diacritics

MARKERS_FILE = Path(__file__).with_name("language_markers.yml")
# Letters that occur in Czech and neither in English words nor in Ukrainian typed
# in Latin letters.
CZECH_ONLY_LETTERS = frozenset("řůěáéíóúý")
UKRAINIAN = "uk"
CZECH = "cs"


@functools.lru_cache(maxsize=1)
def _markers() -> Dict[Text, FrozenSet[Text]]:
    with MARKERS_FILE.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    missing = [lang for lang in LANGUAGES if not raw.get(lang)]
    if missing:
        raise ValueError(f"{MARKERS_FILE.name}: no marker words for {missing}")
    return {
        lang: frozenset(" ".join(str(word).lower().split()) for word in raw[lang])
        for lang in LANGUAGES
    }


def _words(text: Text) -> List[Text]:
    text = text.replace("\u2019", "'").replace("\u02bc", "'")
    cleaned = "".join(c if c.isalnum() or c == "'" else " " for c in text)
    return cleaned.split()


def marker_counts(text: Text) -> Dict[Text, int]:
    """How many marker words of each language `text` has (words and word pairs)."""
    words = _words(text.lower())
    candidates = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
    markers = _markers()
    return {
        lang: sum(
            word in markers[lang] or strip_diacritics(word) in markers[lang]
            for word in candidates
        )
        for lang in LANGUAGES
    }


def detect_language(text: Text) -> Optional[Text]:
    """Return "cs", "en", "uk", or None when the text does not say ("ok", "112")."""
    lowered = text.lower()
    if any(is_cyrillic(char) for char in lowered):
        return UKRAINIAN
    counts = marker_counts(lowered)
    if any(char in CZECH_ONLY_LETTERS for char in lowered):
        rival = max(
            (lang for lang in LANGUAGES if lang != CZECH), key=counts.__getitem__
        )
        return rival if counts[rival] > counts[CZECH] else CZECH
    best = max(counts.values())
    leaders = [lang for lang, count in counts.items() if count == best]
    return leaders[0] if best and len(leaders) == 1 else None

"""Tell Czech from English in one message, without Rasa (the guard uses it too).

Czech letters decide at once; otherwise the marker words of each language
(`language_markers.yml`), compared without diacritics, are counted.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Text

import yaml

from referrals.schema import LANGUAGES
from referrals.text import strip_diacritics

MARKERS_FILE = Path(__file__).with_name("language_markers.yml")
# Letters that occur in Czech and never in English words.
CZECH_LETTERS = frozenset("áčďéěíňóřšťúůýž")


@functools.lru_cache(maxsize=1)
def _markers() -> Dict[Text, FrozenSet[Text]]:
    with MARKERS_FILE.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return {lang: frozenset(str(word) for word in raw[lang]) for lang in LANGUAGES}


def _words(text: Text) -> List[Text]:
    cleaned = "".join(c if c.isalnum() or c == "'" else " " for c in text.lower())
    return cleaned.split()


def detect_language(text: Text) -> Optional[Text]:
    """Return "cs", "en", or None when the text does not say (e.g. "ok", "112")."""
    lowered = text.lower()
    if any(char in CZECH_LETTERS for char in lowered):
        return "cs"
    markers = _markers()
    words = [strip_diacritics(word) for word in _words(lowered)]
    scores = {lang: sum(word in markers[lang] for word in words) for lang in LANGUAGES}
    if scores["cs"] == scores["en"]:
        return None
    return "cs" if scores["cs"] > scores["en"] else "en"

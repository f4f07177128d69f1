"""Every text a child reads is short, plain, and explains its legal words.

The texts are every `cs`/`en` string in the referral dataset (situations, steps,
facts, templates, buttons, compensation rules); helpline names are proper names
and are left out. The limits, chosen for a 13-year-old reading on a phone:

- a sentence has at most MAX_WORDS_PER_SENTENCE words;
- one text (one paragraph of a bubble) has at most MAX_SENTENCES_PER_TEXT sentences;
- LIX (words per sentence + percentage of words longer than six letters), over
  all texts of a language, is at most MAX_LIX. LIX works for Czech and English
  alike; below 30 reads as very easy, 30-40 as easy (children's books), above
  50 as hard. Czech words are longer, so the same limit is stricter for Czech;
- a legal term appears only in a text that also explains it (JARGON).
"""

from __future__ import annotations

import re
from typing import List, Tuple

import pytest

from referrals import load_dataset
from referrals.checks import user_texts
from referrals.schema import LANGUAGES

MAX_WORDS_PER_SENTENCE = 22
MAX_SENTENCES_PER_TEXT = 4
MAX_LIX = 35
LONG_WORD_LETTERS = 6

# (language, legal term, what must be in the same text to explain it). Terms
# are matched case-insensitively as the start of a word, so inflected Czech
# forms count ("státního zástupce", "trestním řízením").
JARGON: List[Tuple[str, str, str]] = [
    ("en", "criminal proceedings", "criminal proceedings are when"),
    ("cs", "trestní řízení", "trestní řízení je, když"),
    ("cs", "trestním řízení", "trestní řízení je, když"),
    ("en", "prosecutor", "offenders to court"),
    ("cs", "státní zástup", "pachatele u soudu"),
    ("cs", "státního zástup", "pachatele u soudu"),
    ("en", "particularly vulnerable", "extra rights"),
    ("cs", "zvlášť zranitel", "práva navíc"),
    ("en", "monetary assistance", "money from the state"),
    ("cs", "peněžitá pomoc", "peníze"),
    ("en", "slander", "spreading lies"),
    ("cs", "pomluv", "šířit o někom lži"),
    ("en", "sexual coercion", "using threats to force someone"),
    ("cs", "sexuální nátlak", "nutit někoho výhrůžkami"),
    ("en", "serious harm to health", "serious"),
    ("cs", "těžké újm", "vážném zranění"),
]

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\n")
# "(Section 193b)", "(§ 184)", "(No. 45/2013 Coll.)": citations, not sentences.
CITATION = re.compile(r"\((?:[^()]*(?:Section|§|Coll\.|Sb\.)[^()]*)\)")

TEXTS = [
    (".".join(str(part) for part in location), lang, text)
    for location, lang, text in user_texts(load_dataset())
    if location[0] != "helplines"
]


def sentences(text: str) -> List[str]:
    text = CITATION.sub("", text)
    return [part for part in SENTENCE_END.split(text) if WORD.search(part)]


def words(text: str) -> List[str]:
    return WORD.findall(CITATION.sub("", text))


def lix(texts: List[str]) -> float:
    all_words = [word for text in texts for word in words(text)]
    sentence_count = sum(len(sentences(text)) for text in texts)
    long_words = sum(1 for word in all_words if len(word) > LONG_WORD_LETTERS)
    return len(all_words) / sentence_count + 100 * long_words / len(all_words)


def test_the_dataset_has_child_facing_texts_in_every_language() -> None:
    for lang in LANGUAGES:
        assert sum(1 for _, text_lang, _ in TEXTS if text_lang == lang) > 100


def test_no_sentence_is_too_long() -> None:
    too_long = [
        (where, lang, sentence)
        for where, lang, text in TEXTS
        for sentence in sentences(text)
        if len(words(sentence)) > MAX_WORDS_PER_SENTENCE
    ]
    assert too_long == []


def test_no_text_has_too_many_sentences() -> None:
    too_many = [
        (where, lang, text)
        for where, lang, text in TEXTS
        if len(sentences(text)) > MAX_SENTENCES_PER_TEXT
    ]
    assert too_many == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_reads_easily(lang: str) -> None:
    score = lix([text for _, text_lang, text in TEXTS if text_lang == lang])
    assert score <= MAX_LIX, f"LIX {score:.1f} > {MAX_LIX}"


def test_legal_terms_come_with_their_explanation() -> None:
    unexplained = [
        (where, term)
        for where, lang, text in TEXTS
        for term_lang, term, explanation in JARGON
        if term_lang == lang
        and re.search(r"\b" + re.escape(term), text, re.IGNORECASE)
        and explanation.lower() not in text.lower()
    ]
    assert unexplained == []


@pytest.mark.parametrize(
    "text, limit_broken",
    [
        ("A " + "very " * 25 + "long sentence.", "sentence"),
        ("One. Two words. Three words here. Four. Five.", "sentences"),
        ("Prosecutors must prosecute every crime.", "jargon"),
    ],
)
def test_the_checks_catch_what_they_are_for(text: str, limit_broken: str) -> None:
    if limit_broken == "sentence":
        assert max(len(words(s)) for s in sentences(text)) > MAX_WORDS_PER_SENTENCE
    elif limit_broken == "sentences":
        assert len(sentences(text)) > MAX_SENTENCES_PER_TEXT
    else:
        assert any(
            lang == "en"
            and re.search(r"\b" + re.escape(term), text, re.IGNORECASE)
            and explanation not in text.lower()
            for lang, term, explanation in JARGON
        )


def test_citations_are_not_counted_as_words() -> None:
    assert words("It is a crime (Section 193b of Act No. 40/2009 Coll.).") == [
        "It",
        "is",
        "a",
        "crime",
    ]

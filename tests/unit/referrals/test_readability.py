"""Every text a child reads is short, plain, and explains its legal words.

The texts are every `cs`/`en` string in the referral dataset (situations, steps,
facts, templates, buttons, compensation rules); helpline names are proper names
and are left out. The limits, chosen for a 13-year-old reading on a phone:

- a sentence has at most MAX_WORDS_PER_SENTENCE words;
- one text (one paragraph of a bubble) has at most MAX_SENTENCES_PER_TEXT sentences;
- LIX (words per sentence + percentage of words longer than six letters), over
  all texts of a language, is at most MAX_LIX of that language. LIX works for
  Czech, English and Ukrainian alike; below 30 reads as very easy, 30-40 as easy
  (children's books), above 50 as hard. Czech and Ukrainian words are longer, so
  the same limit is stricter for them;
- a legal term appears only in a text that also explains it (GLOSSARY). The
  Ukrainian texts are translations of the Czech ones, so a Ukrainian legal term
  may only appear in a text whose Czech and English versions explain it
  (UKRAINIAN_TERMS): the explanation is the data's, not a phrase guessed here.
"""

from __future__ import annotations

import re
from typing import Dict, List, Tuple

import pytest

from referrals import load_dataset
from referrals.checks import user_texts
from referrals.schema import LANGUAGES

MAX_WORDS_PER_SENTENCE = 22
MAX_SENTENCES_PER_TEXT = 4
# Every language of the dataset needs its limit (a test says so). Measured with
# the first texts: cs 30.5, en 25.0. LIX has no Ukrainian scale; Ukrainian words are
# longer in letters than Czech ones, so the same short sentences measure 40.2.
MAX_LIX = {"cs": 35, "en": 35, "uk": 42}
LONG_WORD_LETTERS = 6

# Legal terms and what must be in the same text to explain them, by concept and
# language. A term matches case-insensitively where a word starts, and each of its
# words but the last may go on ("trestní řízení" also matches "trestním
# řízení", "státní zástup" also "státního zástupce").
GLOSSARY: Dict[str, Dict[str, Tuple[Tuple[str, ...], str]]] = {
    "criminal_proceedings": {
        "en": (("criminal proceedings",), "criminal proceedings are when"),
        "cs": (("trestní řízení",), "trestní řízení je, když"),
    },
    "prosecutor": {
        "en": (("prosecutor",), "offenders to court"),
        "cs": (("státní zástup",), "pachatele u soudu"),
    },
    "particularly_vulnerable": {
        "en": (("particularly vulnerable",), "extra rights"),
        "cs": (("zvlášť zranitel",), "práva navíc"),
    },
    "monetary_assistance": {
        "en": (("monetary assistance",), "money from the state"),
        "cs": (("peněžitá pomoc",), "peníze"),
    },
    "slander": {
        "en": (("slander",), "spreading lies"),
        "cs": (("pomluv",), "šířit o někom lži"),
    },
    "sexual_coercion": {
        "en": (("sexual coercion",), "using threats to force someone"),
        "cs": (("sexuální nátlak",), "nutit někoho výhrůžkami"),
    },
    "serious_harm_to_health": {
        "en": (("serious harm to health",), "serious"),
        "cs": (("těžké újm",), "vážném zranění"),
    },
}
# The same legal terms in Ukrainian (stems, inflected forms match): where one is
# used, the Czech and English texts at that place must explain the concept.
UKRAINIAN_TERMS: Dict[str, Tuple[str, ...]] = {
    "criminal_proceedings": ("кримінальн провадж", "кримінальн процес"),
    "prosecutor": ("прокурор",),
    "particularly_vulnerable": ("особливо вразлив",),
    "monetary_assistance": ("грошов допомог",),
    "slander": ("наклеп",),
    "sexual_coercion": ("сексуальн примус",),
    "serious_harm_to_health": ("тяжк шкод", "тяжк ушкодж", "тяжк тілесн"),
}

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\n")
# "(Section 193b)", "(§ 184)", "(No. 45/2013 Coll.)", "(стаття 193b)": citations,
# not sentences.
CITATION = re.compile(r"\((?:[^()]*(?:Section|§|Coll\.|Sb\.|статт|Зб\.)[^()]*)\)")

TEXTS = [
    (".".join(str(part) for part in location), lang, text)
    for location, lang, text in user_texts(load_dataset())
    if location[0] != "helplines"
]


def glossary_of(lang: str) -> List[Tuple[str, str]]:
    """(term, explanation) of every concept with terms in `lang`."""
    return [
        (term, by_lang[lang][1])
        for by_lang in GLOSSARY.values()
        if lang in by_lang
        for term in by_lang[lang][0]
    ]


def names(text: str, term: str) -> bool:
    """Whether `text` uses `term`: at a word start; every word but the last goes on."""
    *heads, last = (re.escape(word) for word in term.split())
    pattern = r"\b" + "".join(rf"{head}\w*\s+" for head in heads) + last
    return re.search(pattern, text, re.IGNORECASE) is not None


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


def test_every_language_has_a_lix_limit() -> None:
    assert set(MAX_LIX) == set(LANGUAGES)


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
    assert score <= MAX_LIX[lang], f"LIX {score:.1f} > {MAX_LIX[lang]}"


def test_legal_terms_come_with_their_explanation() -> None:
    unexplained = [
        (where, term)
        for where, lang, text in TEXTS
        for term, explanation in glossary_of(lang)
        if names(text, term) and explanation.lower() not in text.lower()
    ]
    assert unexplained == []


def test_ukrainian_legal_terms_stand_where_czech_and_english_explain_them() -> None:
    text_at = {(where, lang): text for where, lang, text in TEXTS}

    def same_place(where: str, other: str) -> Tuple[str, str]:
        """Where the `other` language's version of the Ukrainian text `where` is."""
        parts = [other if part == "uk" else part for part in where.split(".")]
        return ".".join(parts), other

    unexplained = [
        (where, term)
        for where, lang, text in TEXTS
        if lang == "uk"
        for concept, terms in UKRAINIAN_TERMS.items()
        for term in terms
        if names(text, term)
        and not all(
            explanation.lower() in text_at.get(same_place(where, other), "").lower()
            for other, (_, explanation) in GLOSSARY[concept].items()
        )
    ]
    assert unexplained == []


def test_the_glossaries_name_the_same_concepts() -> None:
    assert set(UKRAINIAN_TERMS) == set(GLOSSARY)
    assert all(set(by_lang) == {"cs", "en"} for by_lang in GLOSSARY.values())


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
            names(text, term) and explanation.lower() not in text.lower()
            for term, explanation in glossary_of("en")
        )


def test_a_term_matches_its_inflected_forms() -> None:
    assert names("o trestním řízení", "trestní řízení")
    assert names("státního zástupce", "státní zástup")
    assert names("у кримінальному провадженні", "кримінальн провадж")
    assert not names("provadzhennia", "кримінальн провадж")


def test_citations_are_not_counted_as_words() -> None:
    assert words("It is a crime (Section 193b of Act No. 40/2009 Coll.).") == [
        "It",
        "is",
        "a",
        "crime",
    ]

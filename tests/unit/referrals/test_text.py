"""Folding typed text and choosing the language of an answer (referrals.text)."""

from __future__ import annotations

import pytest

from referrals.text import first_language, fold, language_of_locale

FOLDED = [
    ("Vydírá mě", "vydira me"),
    ("Jiří", "jiri"),
    ("NEVÍM", "nevim"),
    ("šo kaže", "so kaze"),  # Latin-Ukrainian háček letters fold like Czech ones
    # Cyrillic letters stay whole: й, ї and ё decompose under NFKD, and without
    # them "мої" and "його" are not words the Ukrainian dictionary knows.
    ("Мої фото", "мої фото"),
    ("він мене вбʼє", "він мене вбʼє"),
    ("ЙОГО", "його"),
    ("й ї є ґ ё", "й ї є ґ ё"),
    ("и\u0306", "й"),  # a decomposed й is put together, not split
    ("ви\u0301дно", "видно"),  # only a stress mark goes
]


@pytest.mark.parametrize("text,folded", FOLDED)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    "candidates,language",
    [
        (("uk", "cs"), "uk"),
        ((None, "uk"), "uk"),
        (("ru", None), "cs"),  # only languages of the dataset; Czech when none
        ((None, None), "cs"),
    ],
)
def test_first_language(candidates: tuple, language: str) -> None:
    assert first_language(*candidates) == language


@pytest.mark.parametrize(
    "code,language",
    [
        ("cs", "cs"),
        ("cs-CZ", "cs"),
        ("sk", "cs"),
        ("en", "en"),
        ("en-GB", "en"),
        ("uk", "uk"),
        ("uk-UA", "uk"),
        ("uk_UA", "uk"),
        ("ru", "uk"),
        ("ru-RU", "uk"),
        ("be", "uk"),
        ("de", None),
        ("", None),
        (None, None),
    ],
)
def test_language_of_locale(code: str, language: str) -> None:
    assert language_of_locale(code) == language

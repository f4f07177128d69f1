"""Every claim is tied to the words of the source document, and one file shows them.

The source document is outside the repository, in `shared/seed/` beside the
checkout (in CI the shared folder sits beside the clone the same way). A sourced
entry (its `source` names a question, "Q6.1") quotes the document; each quote must
stand there, whitespace and case ignored, inside a question the source names.
`docs/content-review.md` (`make content-review`) is the whole knowledge base in one
table; it must be what the dataset says now.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from referrals import load_dataset
from referrals.checks import cited_questions, sourced_records
from referrals.review import (
    REVIEW_FILE,
    SEED_FILE,
    Seed,
    SeedMissing,
    load_seed,
    quote_problems,
    review_table,
)
from referrals.schema import LANGUAGES
from tests.support import ROOT


@pytest.fixture(scope="module")
def seed() -> Seed:
    try:
        return load_seed()
    except SeedMissing as error:  # fail, never skip: the check would be empty
        pytest.fail(str(error))


def test_the_seed_is_found_beside_the_checkout() -> None:
    assert ROOT.parent / "shared" / "seed" / SEED_FILE.name == SEED_FILE
    assert SEED_FILE.is_file(), f"missing {SEED_FILE}"


def test_a_missing_seed_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(SeedMissing, match="shared/seed"):
        load_seed(tmp_path / "missing.txt")


def test_every_quote_stands_in_the_document_under_its_question(seed: Seed) -> None:
    assert quote_problems(load_dataset(), seed) == []


def test_sourced_entries_quote_and_the_rest_say_general() -> None:
    # The loader refuses the opposite (referrals.checks); here, that it applies to
    # every kind of record and that there is something to check.
    records = list(sourced_records(load_dataset()))
    quoted = [r for _, r in records if cited_questions(str(r.source))]
    assert len(quoted) > 30
    assert all(r.quotes() for r in quoted)
    general = [r for _, r in records if not cited_questions(str(r.source))]
    assert all(str(r.source).startswith("general:") for r in general)


HOTLINE = "Reporting by means of this helpline is direct, anonymous and safe."
LAST_RESORT = "Sentencing children to imprisonment shall be recognised"


@pytest.mark.parametrize(
    "quote, questions, found",
    [
        # words as they stand, with other line breaks and case: found
        (HOTLINE.replace("direct, ", "DIRECT,\n"), ["6.1"], True),
        # a word changed: not found
        (HOTLINE.replace("direct", "quick"), ["6.1"], False),
        # the right words under the wrong question: not found there
        (HOTLINE, ["14"], False),
        (LAST_RESORT, ["9.9"], True),
        (LAST_RESORT, ["9.8"], False),
        ("Most often these cases are legally classified as a crime", ["14"], True),
    ],
)
def test_quotes_are_found_only_as_they_stand_where_they_stand(
    seed: Seed, quote: str, questions: list, found: bool
) -> None:
    spans = seed.find(quote)
    assert any(seed.within(span, questions) for span in spans) is found


def test_a_changed_quote_is_reported(seed: Seed) -> None:
    dataset = load_dataset()
    fact = dataset.facts["police_cybercrime_hotline"]
    changed = fact.copy(update={"quote": "Reporting is direct, anonymous and fast."})
    facts = {**dataset.facts, "police_cybercrime_hotline": changed}
    broken = dataset.copy(update={"facts": facts})

    (problem,) = quote_problems(broken, seed)
    where = "facts.police_cybercrime_hotline.quote[0]"
    assert problem.startswith(f"{where}: not in the source")


def test_the_review_table_is_up_to_date(seed: Seed) -> None:
    expected = review_table(load_dataset(), seed)
    current = REVIEW_FILE.read_text(encoding="utf-8") if REVIEW_FILE.exists() else ""
    assert current == expected, "stale: run `make content-review`"


def test_the_review_table_holds_every_text_in_every_language(seed: Seed) -> None:
    from referrals.checks import user_texts

    table = review_table(load_dataset(), seed)
    header = next(line for line in table.splitlines() if line.startswith("| entry"))
    assert all(f" {lang} |" in header for lang in LANGUAGES)
    cell = lambda text: text.replace("|", "\\|").replace("\n", "<br>")  # noqa: E731
    missing = [
        (location, text)
        for location, _, text in user_texts(load_dataset())
        if cell(text) not in table
    ]
    assert missing == []

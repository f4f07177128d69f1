"""The situation evaluation set (tests/nlu_situations/): written apart, unseen.

It measures what a child experiences (the situation of the first reply), so it must
stay unseen: no message may equal a training example after folding case,
diacritics and punctuation, and the sealed part shares nothing with the part we
study. It must also be the set the issue asks for: every answering situation
with at least 50 messages, half of them Czech, half of those without diacritics.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import List

import pytest
import yaml

from referrals import load_dataset
from tests.support import ROOT
from tests.unit.data.test_nlu_data import TRAINING, fold

SET_DIR = ROOT / "tests" / "nlu_situations"
PARTS = ("dev", "sealed")
PER_SITUATION_MIN = 50
# Situations the NLU must route to; conversation replies (greet, thanks) are
# covered by the held-out intent set.
EVALUATED_MIN = {"request_human": 25, "out_of_scope": 25}


def rows(part: str) -> List[dict]:
    found: List[dict] = []
    for path in sorted((SET_DIR / part).glob("*.yml")):
        found.extend(yaml.safe_load(path.read_text(encoding="utf-8"))["messages"])
    return found


ALL = {part: rows(part) for part in PARTS}


def has_diacritics(text: str) -> bool:
    return any(unicodedata.combining(c) for c in unicodedata.normalize("NFKD", text))


@pytest.mark.parametrize("part", PARTS)
def test_no_evaluation_message_is_a_training_example(part: str) -> None:
    trained = {fold(text) for _, text in TRAINING}
    assert [row["text"] for row in ALL[part] if fold(row["text"]) in trained] == []


def test_the_sealed_part_shares_no_message_with_the_part_we_study() -> None:
    studied = {fold(row["text"]) for row in ALL["dev"]}
    assert [row["text"] for row in ALL["sealed"] if fold(row["text"]) in studied] == []


def test_no_message_is_repeated() -> None:
    folded = Counter(fold(row["text"]) for part in PARTS for row in ALL[part])
    assert [text for text, count in folded.items() if count > 1] == []


def test_every_label_is_a_situation_with_a_language() -> None:
    situations = set(load_dataset().situations)
    languages = {row["lang"] for part in PARTS for row in ALL[part]}
    assert {row["situation"] for part in PARTS for row in ALL[part]} <= situations
    assert languages <= {"cs", "en", "uk"}


def test_every_answering_situation_has_enough_messages() -> None:
    counts = Counter(row["situation"] for part in PARTS for row in ALL[part])
    too_few = {
        situation: count
        for situation, count in counts.items()
        if count < EVALUATED_MIN.get(situation, PER_SITUATION_MIN)
    }
    assert too_few == {}


@pytest.mark.parametrize("part", PARTS)
def test_half_is_czech_and_half_of_that_without_diacritics(part: str) -> None:
    cs_en = [row for row in ALL[part] if row["lang"] in ("cs", "en")]
    czech = [row for row in cs_en if row["lang"] == "cs"]
    plain = [row for row in czech if not has_diacritics(row["text"])]
    assert 0.4 <= len(czech) / len(cs_en) <= 0.6
    assert 0.35 <= len(plain) / len(czech) <= 0.65

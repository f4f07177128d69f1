"""What is counted: known values only, and the referral situations of the dataset."""

from __future__ import annotations

import pytest

from referrals import load_dataset
from stats.measures import (
    CONVERSATION,
    NOT_REFERRALS,
    REFERRAL,
    SAFETY_NET,
    Count,
    count,
    referral_situations,
)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (("sextortion", "cs", "webchat"), ("sextortion", "cs", "webchat")),
        (("takedown", "en", "telegram"), ("takedown", "en", "telegram")),
        (("takedown", "de", "cmdline"), ("takedown", "other", "other")),
        (("takedown", None, None), ("takedown", "other", "other")),
        (("Petr Novák 777 123 456", "cs", "rest"), ("other", "cs", "rest")),
        (("x" * 65, "cs", "rest"), ("other", "cs", "rest")),
    ],
)
def test_a_count_keeps_only_known_values(given, kept) -> None:
    category, language, channel = given
    assert count(REFERRAL, category, language, channel) == Count(REFERRAL, *kept)


def test_fixed_categories_allow_nothing_else() -> None:
    assert count(SAFETY_NET, "no_rule", "cs", "rest").category == "no_rule"
    assert count(SAFETY_NET, "something", "cs", "rest").category == "other"


def test_an_unknown_measure_is_a_bug() -> None:
    with pytest.raises(ValueError):
        count("sender", "x", "cs", "rest")


def test_the_situations_not_counted_are_situations_of_the_dataset() -> None:
    assert set(load_dataset().situations) >= NOT_REFERRALS


def test_referral_situations_are_what_a_child_is_referred_for() -> None:
    situations = referral_situations(load_dataset())
    for referred in ("sextortion", "suicidal_thoughts", "request_human", "not_safe"):
        assert referred in situations
    for not_referred in ("greet", "not_sure", "safety_net", "conversation_deleted"):
        assert not_referred not in situations
    assert count(CONVERSATION, situations[0], "cs", "rest").category == situations[0]

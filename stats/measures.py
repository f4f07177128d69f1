"""What is counted: four measures, their categories, and the values a count carries.

| measure        | one count is                                 | category            |
|----------------|----------------------------------------------|---------------------|
| `conversation` | a session's first referral                   | its situation       |
| `referral`     | a turn answered with a referral situation    | the situation       |
| `safety_net`   | a turn answered with the safety net          | `no_rule`,          |
|                |                                              | `turn_failed`       |
| `compensation` | an eligibility check that ended              | `may_be_eligible`,  |
|                |                                              | `not_eligible`,     |
|                |                                              | `stopped`           |

A referral situation is every situation of the dataset except those that answer
the conversation itself (`NOT_REFERRALS`: greetings, "not sure", the safety net,
deletion...). "Asked for a person" is the referral `request_human`. A session
ends after the domain's `session_expiration_time` (60 minutes) without a message,
so one child writing again the next day is two conversations.

Language and channel are kept only when they are known values (the dataset's
languages, the project's channels); anything else is counted as `other`, so the
table can never hold a value that came from a user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterable, Optional, Tuple

from referrals.schema import LANGUAGES, ReferralDataset

CONVERSATION = "conversation"
REFERRAL = "referral"
SAFETY_NET = "safety_net"
COMPENSATION = "compensation"
MEASURES = (CONVERSATION, REFERRAL, SAFETY_NET, COMPENSATION)

# Safety net: no rule applied (action_safety_net), or the guard sent it because
# the turn failed, timed out or said nothing.
NO_RULE = "no_rule"
TURN_FAILED = "turn_failed"
# How an eligibility check ended.
MAY_BE_ELIGIBLE = "may_be_eligible"
NOT_ELIGIBLE = "not_eligible"
STOPPED = "stopped"
FIXED_CATEGORIES: Dict[str, Tuple[str, ...]] = {
    SAFETY_NET: (NO_RULE, TURN_FAILED),
    COMPENSATION: (MAY_BE_ELIGIBLE, NOT_ELIGIBLE, STOPPED),
}

# Situations that answer the conversation, not what is happening to the child.
NOT_REFERRALS = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "out_of_scope",
        "not_sure",
        "safety_net",
        "channel_privacy",
        "conversation_deleted",
    }
)
ASKED_FOR_PERSON = "request_human"

# The input channels of bot/channels (their `name()`); anything else is `other`.
CHANNELS = ("webchat", "telegram", "facebook", "rest")
OTHER = "other"
_CATEGORY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Count:
    """One counter to add 1 to (the day is added when it is written)."""

    measure: str
    category: str
    language: str
    channel: str


def count(
    measure: str, category: str, language: Optional[str], channel: Optional[str]
) -> Count:
    """A `Count` whose values are all known ones (`other` where they are not).

    Raises ValueError for an unknown measure: that is a bug, not user input.
    """
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    fixed = FIXED_CATEGORIES.get(measure)
    known = category in fixed if fixed else bool(_CATEGORY.match(category or ""))
    return Count(
        measure,
        category if known else OTHER,
        language if language in LANGUAGES else OTHER,
        channel if channel in CHANNELS else OTHER,
    )


def is_referral(situation_id: Optional[str]) -> bool:
    return bool(situation_id) and situation_id not in NOT_REFERRALS


def referral_situations(dataset: ReferralDataset) -> Tuple[str, ...]:
    """The dataset's referral situations, in the dataset's order."""
    return tuple(s for s in dataset.situations if is_referral(s))


def categories(measure: str, dataset: ReferralDataset) -> Tuple[str, ...]:
    """Every category `measure` can have, in the order reports list them."""
    if measure in FIXED_CATEGORIES:
        return FIXED_CATEGORIES[measure]
    return referral_situations(dataset)


def languages() -> Tuple[str, ...]:
    return tuple(LANGUAGES)


def in_order(values: Iterable[str], order: Tuple[str, ...]) -> Tuple[str, ...]:
    """`values` in `order`, then any others (seen in the table) alphabetically."""
    seen = set(values)
    return tuple(v for v in order if v in seen) + tuple(sorted(seen.difference(order)))

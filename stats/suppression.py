"""The smallest number any output shows, and how a smaller one is written.

`STATS_MIN_COUNT` (default 5) is the threshold k; a value below 3 is raised to 3
and a value that is not a whole number falls back to 5, each with a warning: a
statistics setting never stops the server that answers children. A figure
below k is written "<k" (so "<5": from 0 to 4).

The rule itself, which `stats.report` applies to every output: each figure is
a sum of weekly cells of at least k; a smaller cell is left out of every figure
and every total (docs/safety.md, "Referral statistics").
"""

from __future__ import annotations

import logging
import os
from typing import Mapping, Optional, Union

logger = logging.getLogger(__name__)

MIN_COUNT_ENV = "STATS_MIN_COUNT"
DEFAULT_MIN_COUNT = 5
LOWEST_MIN_COUNT = 3


def min_count(env: Optional[Mapping[str, str]] = None) -> int:
    """The threshold k from STATS_MIN_COUNT: 5 unless set, never below 3."""
    raw = (os.environ if env is None else env).get(MIN_COUNT_ENV, "").strip()
    if not raw:
        return DEFAULT_MIN_COUNT
    try:
        value = int(raw)
    except ValueError:
        logger.warning(
            "%s is not a whole number; using %d.", MIN_COUNT_ENV, DEFAULT_MIN_COUNT
        )
        return DEFAULT_MIN_COUNT
    if value < LOWEST_MIN_COUNT:
        logger.warning(
            "%s=%d is below %d; using %d.",
            MIN_COUNT_ENV,
            value,
            LOWEST_MIN_COUNT,
            LOWEST_MIN_COUNT,
        )
        return LOWEST_MIN_COUNT
    return value


def shown(value: int, k: int) -> Optional[int]:
    """`value` when it may be shown, None when it is below k."""
    return value if value >= k else None


def written(value: int, k: int) -> Union[int, str]:
    """A figure as every output writes it: the number, or "<k"."""
    return value if value >= k else f"<{k}"

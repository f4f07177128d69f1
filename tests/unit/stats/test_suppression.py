"""The threshold: 5 unless set, never below 3, and how a small figure is written."""

from __future__ import annotations

import pytest

from stats.suppression import min_count, shown, written


@pytest.mark.parametrize(
    ("raw", "k"),
    [(None, 5), ("", 5), ("7", 7), ("3", 3), ("2", 3), ("0", 3), ("-5", 3), ("x", 5)],
)
def test_the_threshold_is_never_below_3(raw, k) -> None:
    env = {} if raw is None else {"STATS_MIN_COUNT": raw}
    assert min_count(env) == k


def test_a_small_figure_is_written_below_the_threshold() -> None:
    assert [written(n, 5) for n in (0, 1, 4, 5, 12)] == ["<5", "<5", "<5", 5, 12]
    assert [shown(n, 3) for n in (2, 3)] == [None, 3]

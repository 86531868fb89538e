"""Temporal split: newest positives are test; the ranking excludes what was known then."""
from __future__ import annotations

import pandas as pd

from training.split import temporal_split


def frame(rows):
    return pd.DataFrame(rows, columns=["user_id", "movie_id", "rating", "rated_at"]).assign(
        rated_at=lambda d: pd.to_datetime(d.rated_at, unit="D"))


def test_newest_fifth_of_positives_is_test_and_later_ratings_are_not_excluded():
    rows = [(1, m, 5, m) for m in range(10)]          # 10 positives on days 0..9
    rows += [(1, 100, 2, 5), (1, 101, 1, 9)]           # negatives before / after the first test positive
    rows += [(2, 1, 5, 0), (2, 2, 4, 1), (3, 1, 5, 0)]  # user 2: 2 positives -> 1 test; user 3: 1 -> none
    split = temporal_split(frame(rows))
    assert sorted(split.test.itertuples(index=False, name=None)) == [(1, 8), (1, 9), (2, 2)]
    assert set(split.train.query("user_id == 1").movie_id) == set(range(8))
    assert (3, 1) in set(split.train[["user_id", "movie_id"]].itertuples(index=False, name=None))
    excluded_1 = set(split.exclude.query("user_id == 1").movie_id)
    assert excluded_1 == set(range(8)) | {100}, "rated before day 8 is known; the day-9 rating is not"
    assert 3 not in set(split.exclude.user_id)

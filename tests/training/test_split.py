"""Temporal split: newest positives are test; the ranking excludes what was known then."""
from __future__ import annotations

import pandas as pd

from training.split import known_before_test, positives, recency_positions, temporal_split


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


def test_the_validation_data_is_what_was_known_before_the_test_and_never_a_test_positive():
    rows = [(1, m, 5, m) for m in range(10)] + [(1, 100, 2, 5), (1, 101, 1, 9)]
    rows += [(2, 1, 5, 0), (2, 2, 4, 1), (3, 1, 5, 0)]
    data = frame(rows)
    split = temporal_split(data)
    known = known_before_test(data, split)
    pairs = set(known[["user_id", "movie_id"]].itertuples(index=False, name=None))
    assert not pairs & set(split.test.itertuples(index=False, name=None))
    assert (1, 101) not in pairs, "rated after user 1's first test positive: unknown then"
    assert pairs == {(1, m) for m in range(8)} | {(1, 100), (2, 1), (3, 1)}
    validation = temporal_split(known)  # the same rule, one step earlier
    assert sorted(validation.test.itertuples(index=False, name=None)) == [(1, 6), (1, 7)]


def test_recency_positions_count_from_each_users_newest():
    data = frame([(1, 10, 5, 3), (1, 11, 5, 1), (2, 10, 5, 0), (1, 12, 4, 2)])
    assert recency_positions(data).tolist() == [1, 3, 1, 2]


def test_with_the_marts_weight_a_like_is_a_positive_and_a_low_rating_is_not():
    interactions = frame([(1, 1, 5, 0), (1, 2, 2, 1), (1, 3, 5, 2)]).assign(weight=[1.0, 0.0, 0.0])
    interactions.loc[3] = {"user_id": 1, "movie_id": 4, "rating": float("nan"), "rated_at": interactions.rated_at[0],
                           "weight": 0.5}  # liked, never rated
    assert sorted(positives(interactions).movie_id) == [1, 4], "weight > 0, whatever the stars"
    assert sorted(positives(interactions.drop(columns="weight")).movie_id) == [1, 3], "without it: 4+ stars"

"""Temporal hold-out split of each user's positives."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from training.config import POSITIVE_THRESHOLD, TEST_FRACTION


@dataclass
class Split:
    """Train positives, test positives and what to exclude from each test user's ranking."""

    train: pd.DataFrame    # user_id, movie_id (positives the model may learn from)
    test: pd.DataFrame     # user_id, movie_id (held-out newest positives)
    exclude: pd.DataFrame  # user_id, movie_id (rated up to the first test positive: known then)


def positives(interactions: pd.DataFrame, threshold: int = POSITIVE_THRESHOLD) -> pd.DataFrame:
    """The interactions with a positive ``weight`` (the training mart's, from the configured event types), or,
    for data without one (a benchmark's files), the ratings at or above ``threshold``."""
    if "weight" in interactions.columns:
        return interactions[interactions["weight"] > 0]
    return interactions[interactions["rating"] >= threshold]


def temporal_split(interactions: pd.DataFrame, test_fraction: float = TEST_FRACTION,
                   threshold: int = POSITIVE_THRESHOLD) -> Split:
    """Per user, the newest ``test_fraction`` of positives (at least 1 for users with 2+) is test.

    The ranking of a test user excludes everything that user rated before their first
    test positive (later ratings were unknown at that time).
    """
    pos = positives(interactions, threshold).sort_values(["user_id", "rated_at", "movie_id"])
    n_pos = pos.groupby("user_id")["movie_id"].transform("size")
    n_test = np.where(n_pos >= 2, np.maximum(1, np.round(n_pos * test_fraction)), 0)
    rank_from_end = pos.groupby("user_id").cumcount(ascending=False)
    is_test = rank_from_end < n_test
    train, test = pos[~is_test], pos[is_test]

    first_test = test.groupby("user_id")["rated_at"].min().rename("cutoff")
    rated = interactions.join(first_test, on="user_id", how="inner")
    exclude = rated[rated["rated_at"] < rated["cutoff"]]
    return Split(train=train[["user_id", "movie_id", "rated_at"]].reset_index(drop=True),
                 test=test[["user_id", "movie_id"]].reset_index(drop=True),
                 exclude=exclude[["user_id", "movie_id"]].reset_index(drop=True))


def known_before_test(interactions: pd.DataFrame, split: Split) -> pd.DataFrame:
    """What a model evaluated on ``split`` may know: every rating but the test positives, and for a test
    user only what they rated up to their first test positive. Splitting this again with
    :func:`temporal_split` gives the validation split, the same rule one step earlier."""
    test = split.test.assign(_test=True)
    rated = interactions.merge(test, on=["user_id", "movie_id"], how="left")
    cutoff = rated[rated["_test"].notna()].groupby("user_id")["rated_at"].min().rename("_cutoff")
    rated = rated[rated["_test"].isna()].join(cutoff, on="user_id")
    known = rated["_cutoff"].isna() | (rated["rated_at"] <= rated["_cutoff"])
    return rated.loc[known, interactions.columns].reset_index(drop=True)


def recency_positions(pairs: pd.DataFrame) -> pd.Series:
    """Each of a user's rows numbered from their newest: 1 for the newest ``rated_at``, 2 for the one before
    (ties broken by movie_id, as the split does); aligned with ``pairs``."""
    order = pairs.sort_values(["user_id", "rated_at", "movie_id"])
    return (order.groupby("user_id").cumcount(ascending=False) + 1).reindex(pairs.index)

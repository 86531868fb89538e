"""Baselines: global popularity, segment popularity with backoff, implicit ALS."""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from training.baselines import als_scores, popularity_scores, segment_popularity_scores

# users 0-1: F/18-24 like items 0-1; users 2-3: M/25-34 like items 2-3; user 4: M/56+ (alone); user 5: unknown
LIKES = sp.csr_matrix(np.array([
    [1, 1, 0, 0, 0],
    [1, 0, 0, 0, 0],
    [0, 0, 1, 1, 0],
    [0, 0, 1, 0, 0],
    [0, 0, 0, 1, 1],
    [0, 0, 0, 0, 1],
], dtype=np.float32))
USERS = pd.DataFrame({"gender": ["F", "F", "M", "M", "M", None],
                      "age_bucket": ["18-24", "18-24", "25-34", "25-34", "56+", None]})


def test_global_popularity_is_the_same_list_for_everyone():
    scores = popularity_scores(LIKES, 6)
    assert scores.shape == (6, 5) and (scores == scores[0]).all()
    assert scores[0].tolist() == [2, 1, 2, 2, 2]


def test_segment_popularity_uses_the_finest_segment_with_enough_positives():
    scores = segment_popularity_scores(LIKES, USERS, [["gender", "age_bucket"], ["gender"]], min_positives=3)
    assert np.argmax(scores[0]) == 0 and scores[0, 2] < scores[0, 1]  # own segment: items 0 and 1
    assert np.argmax(scores[2]) == 2  # M/25-34 has 3 positives: its own counts
    # M/56+ has only 2 positives: backs off to all men (items 2, 3 and 4)
    assert set(np.argsort(-scores[4])[:3]) == {2, 3, 4}
    # no demographics: global popularity
    assert np.array_equal(np.argsort(-scores[5], kind="stable"),
                          np.argsort(-popularity_scores(LIKES, 1)[0], kind="stable"))


def test_als_ranks_a_users_block_above_the_other_block():
    block = sp.block_diag([np.ones((20, 10)), np.ones((20, 10))]).tocsr().astype(np.float32)
    block[0, 9] = 0  # user 0 has not seen item 9 of its own block
    block.eliminate_zeros()
    scores = als_scores(block, factors=4, iterations=10)
    assert scores.shape == (40, 20)
    assert scores[0, 9] > scores[0, 10:].max()

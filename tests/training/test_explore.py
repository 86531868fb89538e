"""The exploration knob: 0 keeps the model's order; more moves lists towards unpopular, genre-diverse items."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from training.evaluate import top_k
from training.explore import Explorer

# items 0-3 are popular dramas, 4-7 rarer items of other genres
ITEMS = pd.DataFrame({"movie_id": range(8), "genre_list": ["Drama"] * 4 + ["Comedy", "Horror", "Sci-Fi", ""]})
COUNTS = sp.csr_matrix(np.array([[50, 40, 30, 20, 4, 3, 2, 1]], dtype=np.float32))
SCORES = np.array([[8.0, 7, 6, 5, 4, 3, 2, 1], [1.0, 2, 3, 4, 5, 6, 7, 8]])


def explorer() -> Explorer:
    return Explorer.build(ITEMS, np.arange(8), COUNTS)


def test_no_exploration_is_the_models_own_top_k():
    assert np.array_equal(explorer().lists(SCORES, 4, 0.0), top_k(SCORES, 4))


def test_exploration_trades_relevance_for_novelty_and_genre_diversity():
    e = explorer()
    plain, explored = e.lists(SCORES, 4, 0.0), e.lists(SCORES, 4, 0.6)
    assert plain[0].tolist() == [0, 1, 2, 3] and explored[0, 0] == 0  # the best item still leads
    assert e.diversity(explored) > e.diversity(plain)
    assert e.mean_novelty(explored) > e.mean_novelty(plain)
    assert len(set(explored[0])) == 4


def test_excluded_items_are_never_listed_at_any_level():
    exclude = sp.csr_matrix(([1.0, 1.0], ([0, 0], [0, 4])), shape=(2, 8))
    for level in (0.0, 0.5, 1.0):
        assert not {0, 4} & set(explorer().lists(SCORES, 4, level, exclude)[0])


def test_exploration_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        explorer().lists(SCORES, 4, 1.5)

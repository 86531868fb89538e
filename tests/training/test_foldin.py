"""Fold-in: a new user's few ratings scored by the run's item-item weights, stored as arrays only."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from training.foldin import FoldIn
from training.item_item import EASE


def _two_blocks() -> pd.DataFrame:
    """40 users: 20 like movies 11-20 (rating 5), 20 like movies 31-40; everyone rated movie 99 a 2."""
    rows = [(u, m, 5) for u in range(20) for m in range(11, 21)] + \
           [(u, m, 5) for u in range(20, 40) for m in range(31, 41)] + [(u, 99, 2) for u in range(40)]
    return pd.DataFrame(rows, columns=["user_id", "movie_id", "rating"])


def test_a_new_user_who_liked_a_few_movies_gets_the_rest_of_their_block_never_what_they_rated():
    model = FoldIn.fit(_two_blocks(), l2=10.0, neighbours=5)
    assert list(model.movie_ids) == [*range(11, 21), *range(31, 41)]  # movie 99 was never liked
    assert (np.diff(model.weights.indptr) <= 5).all(), "only the strongest weights are kept"
    listed = model.recommend({12: 5, 15: 4, 33: 1}, n=5)  # liked two of the first block, disliked one
    assert len(listed) == 5 and set(listed) <= set(range(11, 21)) - {12, 15}
    everything = model.recommend({12: 5, 33: 1}, n=20)  # only what movie 12's five kept weights point to
    assert len(everything) == 5 and set(everything) <= set(range(11, 21)) - {12}


def test_the_pruned_weights_are_each_movies_strongest_ease_weights():
    rng = np.random.default_rng(0)
    likes = pd.DataFrame([(u, m, 5) for u in range(60) for m in rng.choice(np.arange(1, 31), 8, replace=False)],
                         columns=["user_id", "movie_id", "rating"])
    x = np.zeros((60, 30))
    x[likes["user_id"], likes["movie_id"] - 1] = 1
    ease = EASE.weights(x.T @ x, 10.0)
    assert np.allclose(FoldIn.fit(likes, l2=10.0, neighbours=30).weights.toarray(), ease, atol=1e-5), "all kept"
    pruned = FoldIn.fit(likes, l2=10.0, neighbours=4).weights
    for row in range(30):
        kept = pruned[row].indices
        assert len(kept) == 4 and set(kept) == set(np.argsort(-ease[row])[:4]), row


def test_without_a_liked_known_movie_there_is_no_fold_in():
    model = FoldIn.fit(_two_blocks(), l2=10.0)
    assert model.recommend({99: 5}, n=5) is None  # a movie the model never saw liked
    assert model.recommend({12: 2, 31: 1}, n=5) is None  # only dislikes


def test_it_round_trips_through_npz_and_never_loads_a_pickle():
    model = FoldIn.fit(_two_blocks(), l2=10.0, neighbours=5)
    again = FoldIn.from_npz(model.to_npz())
    assert again.recommend({12: 5}, n=5) == model.recommend({12: 5}, n=5)
    import io

    pickled = io.BytesIO()
    np.savez(pickled, movie_ids=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="pickle"):
        FoldIn.from_npz(pickled.getvalue())


def test_l2_is_chosen_on_held_out_users_who_answer_with_their_first_positives():
    from training.foldin import choose_l2, first_positives

    data = _two_blocks().assign(rated_at=lambda d: pd.to_datetime(d["movie_id"], unit="D"))
    answers, rest = first_positives(data, given=3)
    assert answers[0] == {11: 5, 12: 5, 13: 5} and list(rest[0]) == list(range(14, 21)), "the first by time"
    l2, tried = choose_l2(data, grid=(10.0, 100.0))
    assert set(tried) == {10.0, 100.0} and tried[l2] == max(tried.values()) and tried[l2] > 0.5

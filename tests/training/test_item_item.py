"""Item-item models: EASE's closed form, item-kNN's neighbours, the recency decay and tuning on validation."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from tests.training.toy_data import block_with_a_gap
from training.interface import validation_ndcg
from training.item_item import EASE, ItemKNN, gram


def test_ease_weights_follow_the_closed_form_and_rank_a_users_block_first():
    x = np.array([[1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1]], dtype=np.float64)
    p = np.linalg.inv(x.T @ x + 10 * np.eye(3))
    expected = np.eye(3) - p / np.diag(p)
    np.fill_diagonal(expected, 0)
    assert np.allclose(EASE.weights(x.T @ x, 10.0), expected, atol=1e-6)

    model = EASE().fit(block_with_a_gap())
    assert model.l2 in EASE.L2_GRID
    scores = model.score(np.arange(40))
    assert scores.shape == (40, 20) and scores[0, 9] > scores[0, 10:].max()
    assert not model.serves_new_users


def test_the_gram_matrix_built_a_block_of_items_at_a_time_is_x_transposed_x():
    x = sp.random(300, 70, density=0.1, random_state=3, format="csr", dtype=np.float32)
    x.data[:] = 1.0
    assert np.array_equal(gram(x, block=16), (x.T @ x).toarray())  # 70 items: 5 blocks, the last one short


def test_item_knn_keeps_its_nearest_neighbours_and_ranks_a_users_block_first():
    model = ItemKNN().fit(block_with_a_gap())
    assert model.b.shape == (20, 20) and (np.diff(model.b.indptr) <= model.neighbours).all()
    scores = model.score(np.arange(40))
    assert scores[0, 9] > scores[0, 10:].max()


def test_a_recency_decay_ranks_what_follows_the_newest_positive_first():
    # items 0-1 are liked together, items 2-3 together; user 2 liked item 0 long ago and item 2 last
    likes = sp.csr_matrix(np.array([[1, 1, 0, 0]] * 5 + [[0, 0, 1, 1]] * 5 + [[1, 0, 1, 0]], dtype=np.float32))
    recency = likes.copy()
    recency[10, 0], recency[10, 2] = 2.0, 1.0  # positions from the newest: item 2 is the newest
    model = EASE().fit(likes, recency)
    model.tau = None
    unweighted = model.score(np.array([10]))[0]
    assert np.isclose(unweighted[1], unweighted[3])  # without a decay both histories weigh the same
    model.tau = 0.5
    decayed = model.score(np.array([10]))[0]
    assert decayed[3] > decayed[1]  # with it, item 3 (goes with the newest) comes first


def test_tuning_chooses_settings_from_the_grids_on_validation_and_keeps_them_for_the_next_fit():
    likes = block_with_a_gap()
    model = EASE().fit(likes, likes)  # every positive equally new
    test = sp.csr_matrix(([1.0], ([0], [9])), shape=likes.shape)
    chosen = model.tune(np.array([0]), test, likes)
    assert chosen["l2"] in EASE.L2_GRID and chosen["tau"] in EASE.TAU_GRID
    assert model.fit(likes).l2 == chosen["l2"]


def test_the_recency_decay_is_chosen_by_validation_not_fixed():
    """Two runs whose validation differs only in what came next: a decay wins only where it predicts."""
    group_a, group_b, user = [1] * 6 + [0] * 6, [0] * 6 + [1] * 6, [1] + [0] * 5 + [1] + [0] * 5
    likes = sp.csr_matrix(np.array([group_a] * 5 + [group_b] * 5 + [user], dtype=np.float32))
    recency = likes.copy()
    recency[10, 0], recency[10, 6] = 2.0, 1.0  # user 10 liked item 0 long ago, item 6 last
    chosen = {}
    for next_item in (7, 1):  # goes with the newest positive / with the oldest
        test = sp.csr_matrix(([1.0], ([10], [next_item])), shape=likes.shape)
        chosen[next_item] = EASE().fit(likes, recency).tune(np.array([10]), test, likes)["tau"]
    assert chosen[7] is not None and chosen[1] is None, chosen


class CountingEASE(EASE):
    """EASE counting its solves of B."""

    solves = 0

    def item_weights(self, x):
        self.solves += 1
        return super().item_weights(x)


def test_the_settings_search_reaches_the_best_of_the_grid_without_solving_all_of_it():
    rng = np.random.default_rng(7)
    taste = rng.random((300, 4)) @ rng.random((4, 60))  # low-rank tastes: a smooth NDCG along l2
    likes = sp.csr_matrix((taste > np.quantile(taste, 0.8, axis=1, keepdims=True)).astype(np.float32))
    held = likes.multiply(sp.csr_matrix(rng.random(likes.shape) < 0.2)).tocsr()
    train, rows = (likes - held).tocsr(), np.flatnonzero(np.diff(held.indptr))
    train.eliminate_zeros()

    def ndcg_at(l2: float) -> float:
        model = EASE()
        model.l2 = l2
        return validation_ndcg(model.fit(train).score, rows, held, train)

    model = CountingEASE().fit(train)
    chosen = model.tune(rows, held, train)
    assert np.isclose(ndcg_at(chosen["l2"]), max(ndcg_at(l2) for l2 in EASE.L2_GRID))
    assert model.solves < 1 + len(EASE.L2_GRID)  # the fit, then part of the grid

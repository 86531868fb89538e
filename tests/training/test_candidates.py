"""The candidate models behind one fit/score interface: popularity, segment popularity with backoff,
naive Bayes on demographics, implicit ALS, item-kNN and EASE (with a recency decay), LightFM (hybrid, and
identity-only) and blends."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from training import candidates
from training.baselines import segment_popularity_scores
from training.candidates import (EASE, Blend, DemographicNaiveBayes, GlobalPopularity, ImplicitALS, ItemKNN,
                                 LightFMModel, SegmentPopularity)
from training.config import ModelParams
from training.features import build_features, identity_only
from training.split import positives

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
    model = GlobalPopularity().fit(LIKES)
    scores = model.score(np.arange(6))
    assert scores.shape == (6, 5) and (scores == scores[0]).all()
    assert scores[0].tolist() == [2, 1, 2, 2, 2]
    assert model.score_new(USERS.iloc[:2]).tolist() == [[2, 1, 2, 2, 2]] * 2


def test_segment_popularity_uses_the_finest_segment_with_enough_positives():
    scores = segment_popularity_scores(LIKES, USERS, [["gender", "age_bucket"], ["gender"]], min_positives=3)
    assert np.argmax(scores[0]) == 0 and scores[0, 2] < scores[0, 1]  # own segment: items 0 and 1
    assert np.argmax(scores[2]) == 2  # M/25-34 has 3 positives: its own counts
    # M/56+ has only 2 positives: backs off to all men (items 2, 3 and 4)
    assert set(np.argsort(-scores[4])[:3]) == {2, 3, 4}
    # no demographics: global popularity
    assert np.array_equal(np.argsort(-scores[5], kind="stable"),
                          np.argsort(-GlobalPopularity().fit(LIKES).score([0])[0], kind="stable"))


def test_segment_popularity_scores_known_rows_and_new_people_alike():
    model = SegmentPopularity(USERS, [["gender", "age_bucket"], ["gender"]]).fit(LIKES)
    assert np.array_equal(model.score(np.array([3, 0])), model.score_new(USERS.iloc[[3, 0]]))
    new_women = pd.DataFrame({"gender": ["F"], "age_bucket": ["18-24"]})
    assert np.array_equal(model.score_new(new_women)[0], model.score(np.array([0]))[0])


def test_als_ranks_a_users_block_above_the_other_block():
    block = sp.block_diag([np.ones((20, 10)), np.ones((20, 10))]).tocsr().astype(np.float32)
    block[0, 9] = 0  # user 0 has not seen item 9 of its own block
    block.eliminate_zeros()
    model = ImplicitALS().fit(block)
    scores = model.score(np.arange(40))
    assert scores.shape == (40, 20)
    assert scores[0, 9] > scores[0, 10:].max()
    assert not model.serves_new_users
    with pytest.raises(NotImplementedError, match="implicit_als needs a user's own history"):
        model.score_new(USERS)


def test_ease_weights_follow_the_closed_form_and_rank_a_users_block_first():
    x = np.array([[1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1]], dtype=np.float64)
    p = np.linalg.inv(x.T @ x + 10 * np.eye(3))
    expected = np.eye(3) - p / np.diag(p)
    np.fill_diagonal(expected, 0)
    assert np.allclose(EASE.weights(x.T @ x, 10.0), expected, atol=1e-6)

    block = sp.block_diag([np.ones((20, 10)), np.ones((20, 10))]).tocsr().astype(np.float32)
    block[0, 9] = 0  # user 0 has not seen item 9 of its own block
    block.eliminate_zeros()
    model = EASE().fit(block)
    assert model.l2 in EASE.L2_GRID
    scores = model.score(np.arange(40))
    assert scores.shape == (40, 20) and scores[0, 9] > scores[0, 10:].max()
    assert not model.serves_new_users


def test_the_registry_builds_every_model_of_a_run_and_only_demographic_models_serve_new_users(
        sample_training_data):
    data = sample_training_data
    features = build_features(data.users, data.items)
    users = data.users.set_index("user_id").loc[features.user_ids].reset_index()
    models = candidates.build(features, users, ModelParams(epochs=2))
    assert list(models) == ["global_pop", "segment_pop", "naive_bayes", "implicit_als", "item_knn", "ease",
                            "lightfm_hybrid", "blend(lightfm_hybrid+ease)"]
    assert [m.name for m in models.values() if m.serves_new_users] == ["global_pop", "segment_pop", "naive_bayes",
                                                                       "lightfm_hybrid"]
    assert [m.name for m in models.values() if not m.baseline] == ["lightfm_hybrid", "blend(lightfm_hybrid+ease)"]
    assert not LightFMModel(identity_only(features), ModelParams(), name="lightfm_cf").serves_new_users

    hybrid = models["lightfm_hybrid"].fit(features.interaction_matrix(positives(data.interactions)))
    rows = np.array([0, 5, 9])
    assert hybrid.score(rows).shape == (3, len(features.movie_ids))
    new = hybrid.score_new(users.iloc[rows])  # the same people known only by their demographics
    assert new.shape == (3, len(features.movie_ids)) and not np.allclose(new, hybrid.score(rows))


def _block_with_a_gap() -> sp.csr_matrix:
    block = sp.block_diag([np.ones((20, 10)), np.ones((20, 10))]).tocsr().astype(np.float32)
    block[0, 9] = 0  # user 0 has not seen item 9 of its own block
    block.eliminate_zeros()
    return block


def test_item_knn_keeps_its_nearest_neighbours_and_ranks_a_users_block_first():
    model = ItemKNN().fit(_block_with_a_gap())
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
    likes = _block_with_a_gap()
    model = EASE().fit(likes, likes)  # every positive equally new
    test = sp.csr_matrix(([1.0], ([0], [9])), shape=likes.shape)
    chosen = model.tune(np.array([0]), test, likes)
    assert chosen["l2"] in EASE.L2_GRID and chosen["tau"] in EASE.TAU_GRID
    assert model.fit(likes).l2 == chosen["l2"]


def test_a_blend_mixes_its_members_z_scores_by_the_validated_weight_and_fits_them_once():
    likes = _block_with_a_gap()
    first, second = GlobalPopularity(), EASE()
    blend = Blend(first, second)
    second.fit(likes)
    fitted_b = second.b
    blend.fit(likes)
    assert second.b is fitted_b  # already fitted on this matrix: not fitted again
    rows = np.arange(40)
    blend.weight = 0.0
    assert np.allclose(blend.score(rows), candidates._z(second.score(rows)))
    blend.weight = 1.0
    assert np.allclose(blend.score(rows), candidates._z(first.score(rows)))
    test = sp.csr_matrix(([1.0], ([0], [9])), shape=likes.shape)
    assert blend.tune(np.array([0]), test, likes)["weight"] in Blend.WEIGHTS
    assert blend.name == "blend(global_pop+ease)" and not blend.baseline


def test_naive_bayes_combines_every_useful_answer_and_scores_partial_answers():
    rng = np.random.default_rng(0)
    n = 400
    users = pd.DataFrame({"gender": rng.choice(["F", "M"], n), "age_bucket": rng.choice(["18-24", "45-49"], n),
                          "occupation": rng.choice(["a", "b", "c", "d"], n)})
    # women like items 0-4, men 5-9; the young 10-14, the old 15-19; occupation carries nothing
    likes = np.zeros((n, 20), dtype=np.float32)
    for i, u in users.iterrows():
        likes[i, rng.choice(np.arange(5) + (0 if u.gender == "F" else 5), 3, replace=False)] = 1
        likes[i, rng.choice(np.arange(5) + (10 if u.age_bucket == "18-24" else 15), 3, replace=False)] = 1
    model = DemographicNaiveBayes(users, columns=("gender", "age_bucket", "occupation")).fit(sp.csr_matrix(likes))
    assert sorted(model.columns) == ["age_bucket", "gender"]  # occupation only adds noise: left out
    young_woman = model.score_new(pd.DataFrame({"gender": ["F"], "age_bucket": ["18-24"], "occupation": ["a"]}))[0]
    assert set(np.argsort(-young_woman)[:10]) == set(range(5)) | set(range(10, 15))
    gender_only = model.score_new(pd.DataFrame({"gender": ["M"], "age_bucket": [None]}))[0]
    assert set(np.argsort(-gender_only)[:5]) == set(range(5, 10))
    unknown = model.score_new(pd.DataFrame({"gender": ["X"]}))[0]  # a value nobody had: popularity only
    assert np.allclose(unknown, np.log1p(likes.sum(axis=0)))

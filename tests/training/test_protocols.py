"""The protocols judge in batches of users and on a seeded sample when there are many: same metrics in
batches as at once, a sample's size and intervals reported."""
from __future__ import annotations

import numpy as np
import pytest

from training import evaluate, protocols
from training.candidates import EASE, GlobalPopularity, ItemKNN, SegmentPopularity
from training.features import build_features
from training.pipeline import demographics


@pytest.fixture(scope="module")
def setup(sample_training_data):
    features = build_features(sample_training_data.users, sample_training_data.items)
    return sample_training_data, features, demographics(sample_training_data, features)


def _models(users):
    return {m.name: m for m in (GlobalPopularity(), SegmentPopularity(users), EASE(), ItemKNN())}


def _warm_and_cold(data, features, users, max_users=None):
    warm = protocols.run_protocol([protocols.warm_set(features, data.interactions, max_users)], _models(users),
                                  users)
    cold_models = {n: m for n, m in _models(users).items() if n in ("global_pop", "segment_pop")}
    cold = protocols.run_protocol(protocols.cold_folds(features, data.interactions, max_users=max_users),
                                  cold_models, users)
    return warm, cold


def test_batches_of_a_few_users_give_the_metrics_of_scoring_everyone_at_once(setup, monkeypatch):
    data, features, users = setup
    monkeypatch.setattr(evaluate, "BATCH", 10**6)
    at_once = _warm_and_cold(data, features, users)
    monkeypatch.setattr(evaluate, "BATCH", 13)
    batched = _warm_and_cold(data, features, users)
    for whole, parts in zip(at_once, batched):
        assert parts.metrics == whole.metrics
        for name in whole.per_user_ndcg:
            assert parts.per_user_ndcg[name].equals(whole.per_user_ndcg[name])


def test_a_sample_of_users_is_judged_when_there_are_more_and_says_how_sure_it_is(setup):
    data, features, users = setup
    everyone, _ = _warm_and_cold(data, features, users)
    sampled, sampled_cold = _warm_and_cold(data, features, users, max_users=100)
    for name, m in sampled.metrics.items():
        assert m["n_test_users"] == 100 < everyone.metrics[name]["n_test_users"]
        # the sample's interval is honest: it covers the metric of all users (a fixed seed, checked wide)
        assert abs(m["ndcg@10"] - everyone.metrics[name]["ndcg@10"]) <= 2 * m["ndcg@10_ci95"]
    assert all(m["n_test_users"] == 100 for m in sampled_cold.metrics.values())  # 2 folds x 50 users
    assert list(sampled.per_user_ndcg["ease"].index) == list(_warm_and_cold(
        data, features, users, max_users=100)[0].per_user_ndcg["ease"].index)  # the same users every time


def test_protocol_b_judges_every_fold_of_a_small_audience_and_fewer_of_a_large_one(setup):
    data, features, _ = setup
    small = protocols.cold_folds(features, data.interactions)  # 360 users: fewer than MAX_COLD_USERS
    assert len(small) == protocols.N_FOLDS and all(f.max_users == 1000 for f in small)
    held_out = [set(f.test_rows) for f in small]
    assert not set.intersection(*held_out[:2])  # folds hold out different users
    large = protocols.cold_folds(features, data.interactions, max_users=100)  # as if 100 were a lot
    assert len(large) == 2 and [set(f.test_rows) <= h for f, h in zip(large, held_out)] == [True, True]
    huge = protocols.cold_folds(features, data.interactions, max_users=50)  # one fold (72 users) is enough
    assert len(huge) == 1 and len(huge[0].test_rows) == 50 and set(huge[0].test_rows) <= held_out[0]

"""Early stopping keeps the epoch with the best validation score."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from training import model
from training.config import ModelParams
from training.features import build_features
from training.split import positives

PARAMS = ModelParams(epochs=6, eval_every=1, patience=100, no_components=16)


def test_the_model_kept_is_the_best_validation_epoch(sample_training_data):
    data = sample_training_data
    features = build_features(data.users, data.items)
    fit_part, validation = model.validation_split(
        features.interaction_matrix(positives(data.interactions)), fraction=0.1, seed=1)
    assert validation.test.nnz > 0 and not validation.test.multiply(fit_part).nnz  # disjoint
    kept, best_epoch = model.train(features, fit_part, PARAMS, validation)
    # the same seeded training, scored after every epoch
    scores = [validation.ndcg(model.train(features, fit_part, replace(PARAMS, epochs=e))[0], features)
              for e in range(1, PARAMS.epochs + 1)]
    assert best_epoch == int(np.argmax(scores)) + 1
    assert not hasattr(kept, "best_epoch")
    assert validation.ndcg(kept, features) == max(scores)


def test_training_stops_after_patience_checks_without_improvement(sample_training_data, caplog):
    data = sample_training_data
    features = build_features(data.users, data.items)
    fit_part, validation = model.validation_split(
        features.interaction_matrix(positives(data.interactions)), fraction=0.1, seed=1)
    # a learning rate this high diverges quickly: the best epoch is early and training stops
    params = replace(PARAMS, epochs=40, learning_rate=2.0, patience=2)
    with caplog.at_level("INFO", logger="training.model"):
        _, best_epoch = model.train(features, fit_part, params, validation)
    checks = [r for r in caplog.records if r.getMessage().startswith("epoch")]
    assert len(checks) == best_epoch + 2 < 40
    assert any("early stop" in r.getMessage() for r in caplog.records)


def test_identity_weight_gives_the_identity_its_share_of_each_row():
    import scipy.sparse as sp

    from training.features import weight_identity

    # 2 users (identity columns 0-1), features in columns 2-4; user 1 has no feature
    rows = sp.csr_matrix(np.array([[0.25, 0, 0.25, 0.25, 0.25], [0, 1.0, 0, 0, 0]], dtype=np.float32))
    weighted = weight_identity(rows, 2, 0.7).toarray()
    assert weighted[0].tolist() == pytest.approx([0.7, 0, 0.1, 0.1, 0.1])
    assert weighted[1].tolist() == [0, 1, 0, 0, 0]
    assert weight_identity(rows, 2, None) is rows

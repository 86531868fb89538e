"""Tuning: seeded trials, each logged, the best one returned."""
from __future__ import annotations

from training.config import ModelParams
from training.tuning import SPACE, sample_params, tune

BASE = ModelParams(epochs=4, eval_every=2, no_components=16)


def test_trials_start_from_the_base_and_draw_distinct_points_of_the_space():
    trials = sample_params(BASE, 6, seed=3)
    assert trials[0] == BASE and len(set(trials)) == 6
    assert all(getattr(t, k) in v for t in trials[1:] for k, v in SPACE.items())
    assert sample_params(BASE, 6, seed=3) == trials  # seeded


def test_tune_returns_the_best_trial_and_logs_every_trial(sample_training_data, caplog):
    with caplog.at_level("INFO", logger="training.tuning"):
        best, trials = tune(sample_training_data, BASE, n_trials=3)
    assert len(trials) == 3
    assert sum("tuning trial" in r.getMessage() for r in caplog.records) == 3
    top = max(trials, key=lambda t: t["validation_ndcg@10"])
    assert best.no_components == top["no_components"] and best.loss == top["loss"]
    assert best.learning_rate == top["learning_rate"]

"""A small seeded random search over the LightFM hyperparameters.

Trials are judged on a validation split of protocol A's training positives, never on
its test positives, so the evaluation that follows stays honest. Each trial is logged
with the epochs early stopping chose; the best trial's parameters are returned with
every trial (the run's validation fit then chooses the epochs again, by early stopping on the
validation split, and the later fits keep them).
"""
from __future__ import annotations

import json
import logging
from dataclasses import replace

import numpy as np

from training import model
from training.config import SEED, ModelParams
from training.data import TrainingData
from training.features import build_features
from training.split import temporal_split

log = logging.getLogger(__name__)

SPACE = {
    "no_components": [32, 48, 64, 96],
    "learning_rate": [0.02, 0.03, 0.05, 0.08],
    "loss": ["warp", "bpr"],
    "item_alpha": [0.0, 1e-6, 1e-5],
    "user_alpha": [0.0, 1e-6, 1e-5],
    "user_identity_weight": [None, 0.5, 0.8],
    "item_identity_weight": [None, 0.5, 0.8],
}


def sample_params(base: ModelParams, n_trials: int, seed: int = SEED) -> list[ModelParams]:
    """``base`` first, then ``n_trials - 1`` distinct random draws from :data:`SPACE`."""
    rng = np.random.default_rng(seed)
    trials, seen = [base], {base}
    for _ in range(50 * n_trials):
        if len(trials) >= n_trials:
            break
        candidate = replace(base, **{k: v[rng.integers(len(v))] for k, v in SPACE.items()})
        if candidate not in seen:
            trials.append(candidate)
            seen.add(candidate)
    return trials


def tune(data: TrainingData, base: ModelParams, n_trials: int) -> tuple[ModelParams, list[dict]]:
    """Best parameters over ``n_trials`` (validation NDCG@10 on protocol A's training positives), and the trials."""
    trials = []
    warm_train = temporal_split(data.interactions).train  # the same for every trial
    for i, params in enumerate(sample_params(base, n_trials), 1):
        features = build_features(data.users, data.items, params.user_identity_weight, params.item_identity_weight)
        train = features.interaction_matrix(warm_train)
        fit_part, validation = model.validation_split(train, params.validation_fraction, params.random_state)
        fitted, best_epoch = model.train(features, fit_part, params, validation)
        score = validation.ndcg(fitted, features)
        trials.append({"trial": i, "validation_ndcg@10": round(score, 4), "best_epoch": best_epoch,
                       **params.as_dict()})
        log.info("tuning trial %d/%d: validation ndcg@10=%.4f at epoch %d with %s", i, n_trials,
                 score, best_epoch, {k: getattr(params, k) for k in SPACE})
    best = max(trials, key=lambda t: t["validation_ndcg@10"])
    log.info("tuning: best trial %d, validation ndcg@10=%.4f", best["trial"], best["validation_ndcg@10"])
    fields = set(ModelParams.__dataclass_fields__)
    return ModelParams(**{k: v for k, v in best.items() if k in fields}), trials


def trials_json(trials: list[dict]) -> bytes:
    """The trials as stored beside a model run (``tuning.json``)."""
    return json.dumps(trials, indent=2).encode()

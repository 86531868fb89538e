"""The models compared in every run: baselines and the LightFM hybrid, as scorers.

A scorer fits on an :class:`~training.protocols.EvalSet`'s train matrix and returns a
(users x items) score matrix. ``WARM_ONLY`` models need the user's own history and
are left out of the cold-start protocol.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from training import baselines, model
from training.config import SEGMENT_LEVELS, ModelParams
from training.features import Features, without_identity
from training.protocols import EvalSet, Scorer

WARM_ONLY = {"implicit_als"}


def lightfm_scores(features: Features, eval_set: EvalSet, params: ModelParams) -> np.ndarray:
    """Fit LightFM on the set's train matrix; cold users are scored from their demographics only."""
    fitted = model.fit(features, eval_set.train, params)
    if eval_set.cold_users is not None:
        features = replace(features, user_features=without_identity(
            features.user_features, len(features.user_ids), eval_set.cold_users))
    return model.score_matrix(fitted, features)


def scorers(features: Features, users: pd.DataFrame, params: ModelParams) -> dict[str, Scorer]:
    """Every model of a run; ``users`` holds the demographics of the matrix rows, in row order."""
    return {
        "global_pop": lambda s: baselines.popularity_scores(s.train, s.train.shape[0]),
        "segment_pop": lambda s: baselines.segment_popularity_scores(s.train, users, SEGMENT_LEVELS),
        "implicit_als": lambda s: baselines.als_scores(s.train),
        "lightfm_hybrid": lambda s: lightfm_scores(features, s, params),
    }


def cold_scorers(all_scorers: dict[str, Scorer]) -> dict[str, Scorer]:
    return {name: scorer for name, scorer in all_scorers.items() if name not in WARM_ONLY}

"""The candidate models of a run, behind one small fit/score interface.

A candidate is fitted on a (users x items) matrix of positives; it then scores known
users by their matrix rows (:meth:`Candidate.score`) and, when it can use demographics,
people it has never seen from their answers alone (:meth:`Candidate.score_new`).
Evaluation, the cold-start choice, scoring for serving and the benchmark all take their
models from :func:`build`, so a new model plugs in here and nowhere else.
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod

import numpy as np
import pandas as pd
import scipy.sparse as sp

from training import baselines, evaluate, model
from training.config import SEED, SEGMENT_LEVELS, ModelParams
from training.features import Features, demographic_rows

log = logging.getLogger(__name__)


class Candidate(ABC):
    """A model of the run: ``fit`` on positives, then ``score`` rows of known users."""

    name: str
    serves_new_users: bool = False  # can rank items for someone known only by their demographics

    @abstractmethod
    def fit(self, interactions: sp.spmatrix) -> "Candidate":
        """Learn from a (users x items) matrix of positives; return self."""

    @abstractmethod
    def score(self, user_rows: np.ndarray) -> np.ndarray:
        """Scores (len(user_rows) x items) of known users, by their rows of the fitted matrix."""

    def score_new(self, demographics: pd.DataFrame) -> np.ndarray:
        """Scores (len(demographics) x items) of people known only by their demographic columns."""
        raise NotImplementedError(f"{self.name} needs a user's own history")


class GlobalPopularity(Candidate):
    """Every user gets the items' positive counts."""

    name, serves_new_users = "global_pop", True

    def fit(self, interactions: sp.csr_matrix) -> "GlobalPopularity":
        self.counts = np.asarray(interactions.sum(axis=0)).ravel().astype(np.float32)
        return self

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.counts, (len(user_rows), self.counts.size))

    def score_new(self, demographics: pd.DataFrame) -> np.ndarray:
        return np.broadcast_to(self.counts, (len(demographics), self.counts.size))


class SegmentPopularity(Candidate):
    """Popularity within the user's demographic segment, backing off to coarser segments."""

    name, serves_new_users = "segment_pop", True

    def __init__(self, users: pd.DataFrame, levels: list[list[str]] = SEGMENT_LEVELS, name: str | None = None):
        self.users, self.levels = users, levels  # demographics of the matrix rows, in row order
        self.name = name or self.name

    def fit(self, interactions: sp.csr_matrix) -> "SegmentPopularity":
        self.interactions = interactions
        return self

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return self.score_new(self.users.iloc[user_rows])

    def score_new(self, demographics: pd.DataFrame) -> np.ndarray:
        return baselines.segment_popularity_scores(self.interactions, self.users, self.levels,
                                                   targets=demographics.reset_index(drop=True))


class ImplicitALS(Candidate):
    """Implicit-feedback ALS on the positives (collaborative only)."""

    name = "implicit_als"

    def fit(self, interactions: sp.csr_matrix) -> "ImplicitALS":
        self.user_factors, self.item_factors = baselines.als_factors(interactions)
        return self

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return self.user_factors[user_rows] @ self.item_factors.T


class EASE(Candidate):
    """Closed-form item-item model (Steck, 2019): P = (X'X + l2 I)^-1, B = I - P / diag(P) with a zero
    diagonal; a user's scores are their row of X times B. The regularisation l2 is chosen from
    ``l2_grid`` by NDCG@10 on a seeded validation split of the positives it is fitted on, then B is
    solved again on all of them. Memory is items x items (dense)."""

    name = "ease"
    L2_GRID = (50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0)

    def __init__(self, l2_grid: tuple[float, ...] = L2_GRID, validation_fraction: float = 0.1, seed: int = SEED):
        self.l2_grid, self.validation_fraction, self.seed = l2_grid, validation_fraction, seed

    @staticmethod
    def weights(gram: np.ndarray, l2: float) -> np.ndarray:
        """B for a Gram matrix X'X and a regularisation l2."""
        p = np.linalg.inv(gram + l2 * np.eye(gram.shape[0]))
        b = -p / np.diag(p)
        np.fill_diagonal(b, 0.0)
        return b.astype(np.float32)

    def fit(self, interactions: sp.spmatrix) -> "EASE":
        x = interactions.tocsr().astype(np.float64)
        x.data[:] = 1.0
        self.l2 = self.l2_grid[0]
        if len(self.l2_grid) > 1:
            fit_part, validation = model.validation_split(x, self.validation_fraction, self.seed)
            rows = np.flatnonzero(np.diff(validation.test.indptr))
            gram = (fit_part.T @ fit_part).toarray()
            ndcg = {l2: evaluate.evaluate(np.asarray(fit_part[rows] @ self.weights(gram, l2)), validation.test[rows],
                                          validation.exclude[rows], ks=(10,))["ndcg@10"] for l2 in self.l2_grid}
            self.l2 = max(ndcg, key=ndcg.get)
            log.info("ease: l2=%g chosen on validation (ndcg@10 by l2: %s)", self.l2,
                     {k: round(v, 4) for k, v in ndcg.items()})
        self.x, self.b = x.astype(np.float32), self.weights((x.T @ x).toarray(), self.l2)
        return self

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.x[user_rows] @ self.b)


class LightFMModel(Candidate):
    """LightFM on the given feature space: the hybrid (identity + demographics, identity + genres and
    decade) by default; with identity-only user features it knows nothing about new users."""

    name = "lightfm_hybrid"

    def __init__(self, features: Features, params: ModelParams, name: str | None = None):
        self.features, self.params, self.name = features, params, name or self.name
        self.serves_new_users = features.user_features.shape[1] > len(features.user_ids)

    def fit(self, interactions: sp.csr_matrix) -> "LightFMModel":
        self.model = model.fit(self.features, interactions, self.params)
        return self

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return model.score_matrix(self.model, self.features, user_rows)

    def score_new(self, demographics: pd.DataFrame) -> np.ndarray:
        if not self.serves_new_users:
            return super().score_new(demographics)
        return model.score_matrix(self.model, self.features,
                                  user_features=demographic_rows(self.features, demographics))


def build(features: Features, users: pd.DataFrame, params: ModelParams) -> dict[str, Candidate]:
    """Every model of a run, by name; ``users`` holds the demographics of the matrix rows, in row order."""
    models = [GlobalPopularity(), SegmentPopularity(users), ImplicitALS(), EASE(), LightFMModel(features, params)]
    return {m.name: m for m in models}

"""The candidate models of a run, behind one small fit/score interface.

A candidate is fitted on a (users x items) matrix of positives; it then scores known
users by their matrix rows (:meth:`Candidate.score`) and, when it can use demographics,
people it has never seen from their answers alone (:meth:`Candidate.score_new`).
Evaluation, the cold-start choice, scoring for serving and the benchmark all take their
models from :func:`build`, so a new model plugs in here and nowhere else. The interface is
:mod:`training.interface`; item-item models live in :mod:`training.item_item`, the models of
new users in :mod:`training.demographic`; the rest (popularity, ALS, LightFM, blends) here.
"""
from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pandas as pd

from training import baselines, evaluate, model
from training.config import ModelParams
from training.demographic import DemographicNaiveBayes, SegmentPopularity
from training.features import Features, demographic_rows
from training.interface import Candidate, ndcg_of
from training.item_item import EASE, ItemKNN

__all__ = ["EASE", "Blend", "Candidate", "DemographicNaiveBayes", "GlobalPopularity", "ImplicitALS", "ItemKNN",
           "LightFMModel", "SegmentPopularity", "build"]

log = logging.getLogger(__name__)


class GlobalPopularity(Candidate):
    """Every user gets the items' positive counts."""

    name, serves_new_users = "global_pop", True

    def _fit(self, interactions, recency) -> None:
        self.counts = np.asarray(interactions.sum(axis=0)).ravel().astype(np.float32)

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.counts, (len(user_rows), self.counts.size))

    def score_new(self, demographics: pd.DataFrame) -> np.ndarray:
        return np.broadcast_to(self.counts, (len(demographics), self.counts.size))


class ImplicitALS(Candidate):
    """Implicit-feedback ALS on the positives (collaborative only)."""

    name = "implicit_als"

    def _fit(self, interactions, recency) -> None:
        self.user_factors, self.item_factors = baselines.als_factors(interactions)

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return self.user_factors[user_rows] @ self.item_factors.T


class LightFMModel(Candidate):
    """LightFM on the given feature space: the hybrid (identity + demographics, identity + genres and
    decade) by default; with identity-only user features it knows nothing about new users."""

    name, baseline = "lightfm_hybrid", False

    def __init__(self, features: Features, params: ModelParams, name: str | None = None):
        self.features, self.params, self.name = features, params, name or self.name
        self.serves_new_users = features.user_features.shape[1] > len(features.user_ids)

    def _fit(self, interactions, recency) -> None:
        self.model, self.epochs = model.fit(self.features, interactions, self.params)
        self.representations = model.Representations.of(self.model, self.features)

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return self.representations.score(user_rows)

    def score_new(self, demographics: pd.DataFrame) -> np.ndarray:
        if not self.serves_new_users:
            return super().score_new(demographics)
        return self.representations.score_features(self.model, demographic_rows(self.features, demographics))

    def fit_tuned(self, interactions, recency, rows, test, exclude) -> dict:
        """One training on the validation split, stopped early on its held-out positives: the epochs with the
        best validation NDCG@10 are the setting that stays (later fits train that many at once), and the model
        of that epoch is the one judged. No inner split and no second training, as for the other models'
        settings."""
        validation = model.Validation(test, exclude, rows) if self.params.early_stopping else None
        self.model, self.epochs = model.train(self.features, interactions, self.params, validation)
        self.representations = model.Representations.of(self.model, self.features)
        self.fitted_on = interactions
        self.params = replace(self.params, epochs=self.epochs, early_stopping=False)
        return {"epochs": self.epochs}

    def use_settings(self, settings: dict) -> None:
        self.epochs = settings["epochs"]
        self.params = replace(self.params, epochs=self.epochs, early_stopping=False)


def _z(scores: np.ndarray) -> np.ndarray:
    """Each row's scores as z-scores, so that models on different scales can be added."""
    scores = np.asarray(scores, dtype=np.float64)
    return (scores - scores.mean(axis=1, keepdims=True)) / (scores.std(axis=1, keepdims=True) + 1e-9)


class Blend(Candidate):
    """weight x z(first's scores) + (1 - weight) x z(second's), per user; the weight (0 to 1) is chosen on
    validation. The members are the run's own candidates, fitted once for both."""

    baseline = False
    WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    weight = 0.5

    def __init__(self, first: Candidate, second: Candidate):
        self.first, self.second = first, second
        self.name = f"blend({first.name}+{second.name})"

    def _fit(self, interactions, recency) -> None:
        self.first.fit_once(interactions, recency)
        self.second.fit_once(interactions, recency)

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return self.weight * _z(self.first.score(user_rows)) + (1 - self.weight) * _z(self.second.score(user_rows))

    def tune(self, rows, test, exclude) -> dict:
        lists = {w: [] for w in self.WEIGHTS}
        for part in evaluate.batches(rows):  # both members score each batch once, for every weight
            first, second = _z(self.first.score(part)), _z(self.second.score(part))
            for w in self.WEIGHTS:
                lists[w].append(evaluate.top_k(w * first + (1 - w) * second, 10, exclude[part]))
        ndcg = {w: ndcg_of(np.vstack(lists[w]), test[rows]) for w in self.WEIGHTS}
        self.weight = max(ndcg, key=ndcg.get)
        log.info("%s: weight %.1f on %s chosen on validation (ndcg@10 %.4f)", self.name, self.weight,
                 self.first.name, ndcg[self.weight])
        return {"weight": self.weight}


def build(features: Features, users: pd.DataFrame, params: ModelParams) -> dict[str, Candidate]:
    """Every model of a run, by name; ``users`` holds the demographics of the matrix rows, in row order."""
    hybrid, ease = LightFMModel(features, params), EASE()
    models = [GlobalPopularity(), SegmentPopularity(users), DemographicNaiveBayes(users), ImplicitALS(), ItemKNN(),
              ease, hybrid, Blend(hybrid, ease)]
    return {m.name: m for m in models}

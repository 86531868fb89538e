"""Models that rank items for people known only by their demographic answers (cold start)."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import scipy.sparse as sp

from training import baselines, evaluate
from training.config import SEED, SEGMENT_LEVELS
from training.features import USER_FEATURE_COLUMNS
from training.interface import Candidate, validation_ndcg

log = logging.getLogger(__name__)


class SegmentPopularity(Candidate):
    """Popularity within the user's demographic segment, backing off to coarser segments."""

    name, serves_new_users = "segment_pop", True

    def __init__(self, users: pd.DataFrame, levels: list[list[str]] = SEGMENT_LEVELS, name: str | None = None):
        self.users, self.levels = users, levels  # demographics of the matrix rows, in row order
        self.name = name or self.name

    def _fit(self, interactions, recency) -> None:
        self.counts = baselines.segment_counts(interactions, self.users, self.levels)

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return self.score_new(self.users.iloc[user_rows])

    def score_new(self, demographics: pd.DataFrame) -> np.ndarray:
        return baselines.segment_popularity_scores(self.counts, demographics.reset_index(drop=True))


class DemographicNaiveBayes(Candidate):
    """All of a new user's answers at once: log(positives of the item + 1) + the sum over the answered
    attributes of log(P(value | item) / P(value)), where P(value | item) is smoothed towards P(value) with
    ``alpha`` pseudo-positives (a rarely liked item's lift stays near 1). Which attributes take part and
    alpha are chosen at the first fit (a run's validation split), on seeded folds of its users held out as
    new users (greedy: add the attribute that helps most while one lifts NDCG@10 by more than 0.25%),
    because attributes that carry little signal only add noise; later fits keep them, like every model's
    settings. Unanswered attributes and values nobody had are left out, so a partial answer is scored with
    the attributes it has."""

    name, serves_new_users = "naive_bayes", True
    ALPHA_GRID = (20.0, 50.0, 200.0, 1000.0)
    FOLDS = 4
    MIN_GAIN = 0.0025  # an attribute joins only when it lifts held-out NDCG@10 by more than 0.25%
    MAX_USERS = 4000  # held-out users judged per choice, over all folds (a seeded sample when there are more)

    def __init__(self, users: pd.DataFrame, columns: tuple[str, ...] = USER_FEATURE_COLUMNS, seed: int = SEED):
        self.users, self.seed = users, seed  # users: demographics of the matrix rows, in row order
        self.candidate_columns = [c for c in columns if c in users.columns and users[c].notna().any()]
        self.columns, self.alpha, self.chosen = [], self.ALPHA_GRID[0], False

    def _estimate(self, x: sp.csr_matrix, columns: list[str], alpha: float) -> tuple[np.ndarray, dict]:
        counts = np.asarray(x.sum(axis=0)).ravel()
        lifts = {}  # column -> (its values, log lift: items x values)
        for column in columns:
            values = pd.Index(self.users[column].dropna().unique())
            one_hot = sp.csr_matrix((self.users[column].to_numpy()[:, None] == values.to_numpy()[None, :])
                                    .astype(np.float64))
            by_value = np.asarray((x.T @ one_hot).todense())                  # positives: items x values
            prior = by_value.sum(axis=0) / max(by_value.sum(), 1.0)           # P(value) among positives
            lift = (by_value + alpha * prior) / ((counts[:, None] + alpha) * np.where(prior > 0, prior, 1.0))
            lifts[column] = (values, np.log(np.where(prior > 0, lift, 1.0)))
        return np.log1p(counts), lifts

    @staticmethod
    def _scores(log_popularity: np.ndarray, lifts: dict, demographics: pd.DataFrame) -> np.ndarray:
        scores = np.tile(log_popularity, (len(demographics), 1))
        for column, (values, log_lift) in lifts.items():
            if column in demographics.columns:
                position = values.get_indexer(demographics[column])
                known = np.flatnonzero(position >= 0)
                scores[known] += log_lift[:, position[known]].T
        return scores

    def _choose(self, x: sp.csr_matrix) -> None:
        """Attributes and alpha by mean NDCG@10 over seeded folds of users, each scored as new users."""
        with_positives = np.flatnonzero(np.diff(x.indptr))
        folds = np.array_split(np.random.default_rng(self.seed).permutation(with_positives), self.FOLDS)
        splits = []
        for rows in folds:
            keep = np.ones(x.shape[0])
            keep[rows] = 0.0
            splits.append(((sp.diags(keep) @ x).tocsr(), rows))

        def ndcg(columns, alpha):
            def ndcg_of_fold(fit_part, rows):
                estimate = self._estimate(fit_part, columns, alpha)
                return validation_ndcg(lambda part: self._scores(*estimate, self.users.iloc[part]),
                                       evaluate.sample_rows(rows, self.MAX_USERS // self.FOLDS), x, None)
            return np.mean([ndcg_of_fold(fit_part, rows) for fit_part, rows in splits])

        chosen, alpha, best = [], self.ALPHA_GRID[0], ndcg([], self.ALPHA_GRID[0])
        while len(chosen) < len(self.candidate_columns):
            tries = {(c, a): ndcg(chosen + [c], a) for c in self.candidate_columns if c not in chosen
                     for a in self.ALPHA_GRID}
            (column, a), score = max(tries.items(), key=lambda kv: kv[1])
            if score <= best * (1 + self.MIN_GAIN):
                break
            chosen, alpha, best = chosen + [column], a, score
        self.columns, self.alpha = chosen, alpha
        log.info("naive_bayes: attributes %s, alpha %g chosen on %d folds of users held out as new users "
                 "(ndcg@10 %.4f)", chosen, alpha, self.FOLDS, best)

    def _fit(self, interactions, recency) -> None:
        x = interactions.tocsr().astype(np.float64)
        x.data[:] = 1.0
        if not self.chosen:  # once per run, on its first fit (the validation split's): later fits keep it
            self._choose(x)
            self.chosen = True
        self.log_popularity, self.lifts = self._estimate(x, self.columns, self.alpha)

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return self.score_new(self.users.iloc[user_rows])

    def tune(self, rows, test, exclude) -> dict:
        """Attributes and alpha are chosen at every fit, on its own held-out users (:meth:`_choose`): report
        the ones the validation fit chose."""
        return {"attributes": "+".join(self.columns) or "none", "alpha": self.alpha}

    def use_settings(self, settings: dict) -> None:
        attributes = settings["attributes"]
        self.columns = [] if attributes == "none" else attributes.split("+")
        self.alpha, self.chosen = settings["alpha"], True

    def score_new(self, demographics: pd.DataFrame) -> np.ndarray:
        return self._scores(self.log_popularity, self.lifts, demographics)

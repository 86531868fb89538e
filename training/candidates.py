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
from training.features import USER_FEATURE_COLUMNS, Features, demographic_rows

log = logging.getLogger(__name__)


class Candidate(ABC):
    """A model of the run: ``fit`` on positives, then ``score`` rows of known users."""

    name: str
    serves_new_users: bool = False  # can rank items for someone known only by their demographics
    baseline: bool = True           # a simple peer the published model must not fall below (the gate)

    def fit(self, interactions: sp.spmatrix, recency: sp.spmatrix | None = None) -> "Candidate":
        """Learn from a (users x items) matrix of positives; ``recency`` has the same entries, numbered from
        each user's newest (1 = newest), for models that weigh a history by it. Returns self."""
        self._fit(interactions, recency)
        self.fitted_on = interactions
        return self

    def fit_once(self, interactions: sp.spmatrix, recency: sp.spmatrix | None = None) -> "Candidate":
        """:meth:`fit`, unless already fitted on this very matrix (a blend shares its members with the run)."""
        return self if getattr(self, "fitted_on", None) is interactions else self.fit(interactions, recency)

    @abstractmethod
    def _fit(self, interactions: sp.spmatrix, recency: sp.spmatrix | None) -> None:
        """Learn from the positives (see :meth:`fit`)."""

    @abstractmethod
    def score(self, user_rows: np.ndarray) -> np.ndarray:
        """Scores (len(user_rows) x items) of known users, by their rows of the fitted matrix."""

    def score_new(self, demographics: pd.DataFrame) -> np.ndarray:
        """Scores (len(demographics) x items) of people known only by their demographic columns."""
        raise NotImplementedError(f"{self.name} needs a user's own history")

    def tune(self, rows: np.ndarray, test: sp.csr_matrix, exclude: sp.csr_matrix) -> dict:
        """Choose this model's settings by NDCG@10 on a validation set, right after fitting on its training
        part: ``rows`` of the fitted matrix, their held-out positives and what to exclude from their
        rankings. The settings stay for later fits. Returns them (none by default)."""
        return {}


def _validation_ndcg(scores: np.ndarray, test: sp.csr_matrix, exclude: sp.csr_matrix) -> float:
    return evaluate.evaluate(scores, test, exclude, ks=(10,))["ndcg@10"]


class GlobalPopularity(Candidate):
    """Every user gets the items' positive counts."""

    name, serves_new_users = "global_pop", True

    def _fit(self, interactions, recency) -> None:
        self.counts = np.asarray(interactions.sum(axis=0)).ravel().astype(np.float32)

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

    def _fit(self, interactions, recency) -> None:
        self.interactions = interactions

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return self.score_new(self.users.iloc[user_rows])

    def score_new(self, demographics: pd.DataFrame) -> np.ndarray:
        return baselines.segment_popularity_scores(self.interactions, self.users, self.levels,
                                                   targets=demographics.reset_index(drop=True))


class DemographicNaiveBayes(Candidate):
    """All of a new user's answers at once: log(positives of the item + 1) + the sum over the answered
    attributes of log(P(value | item) / P(value)), where P(value | item) is smoothed towards P(value) with
    ``alpha`` pseudo-positives (a rarely liked item's lift stays near 1). Which attributes take part and
    alpha are chosen when fitting, on seeded folds of its users held out as new users (greedy: add the
    attribute that helps most while one lifts NDCG@10 by more than 0.25%), because attributes that carry little signal only add
    noise. Unanswered attributes and values nobody had are left out, so a partial answer is scored with
    the attributes it has."""

    name, serves_new_users = "naive_bayes", True
    ALPHA_GRID = (20.0, 50.0, 200.0, 1000.0)
    FOLDS = 4
    MIN_GAIN = 0.0025  # an attribute joins only when it lifts held-out NDCG@10 by more than 0.25%

    def __init__(self, users: pd.DataFrame, columns: tuple[str, ...] = USER_FEATURE_COLUMNS, seed: int = SEED):
        self.users, self.seed = users, seed  # users: demographics of the matrix rows, in row order
        self.candidate_columns = [c for c in columns if c in users.columns and users[c].notna().any()]
        self.columns, self.alpha = [], self.ALPHA_GRID[0]

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
            splits.append(((sp.diags(keep) @ x).tocsr(), rows, x[rows]))

        def ndcg(columns, alpha):
            return np.mean([_validation_ndcg(self._scores(*self._estimate(fit_part, columns, alpha),
                                                          self.users.iloc[rows]),
                                             test, sp.csr_matrix(test.shape)) for fit_part, rows, test in splits])

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
        self._choose(x)
        self.log_popularity, self.lifts = self._estimate(x, self.columns, self.alpha)

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return self.score_new(self.users.iloc[user_rows])

    def score_new(self, demographics: pd.DataFrame) -> np.ndarray:
        return self._scores(self.log_popularity, self.lifts, demographics)


class ImplicitALS(Candidate):
    """Implicit-feedback ALS on the positives (collaborative only)."""

    name = "implicit_als"

    def _fit(self, interactions, recency) -> None:
        self.user_factors, self.item_factors = baselines.als_factors(interactions)

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return self.user_factors[user_rows] @ self.item_factors.T


class ItemItem(Candidate):
    """A user's scores are their history times an item x item matrix B (:meth:`item_weights`). The history
    can weigh each positive by exp(-(position from the user's newest - 1) / (tau x the user's number of
    positives)): tau is a share of the history, so that one value fits short and long histories, and the
    validation split (shorter histories) and the full data alike. tau (none, or one of ``TAU_GRID``) is
    chosen on validation with the model's own settings, never a constant."""

    TAU_GRID = (None, 2.0, 1.0, 0.5, 0.3, 0.2, 0.1, 0.05)
    tau: float | None = None

    @abstractmethod
    def item_weights(self, x: sp.csr_matrix) -> np.ndarray | sp.csr_matrix:
        """B, from the binary positives ``x``."""

    def settings_grid(self) -> list[dict]:
        """The settings :meth:`tune` tries that need B solved again (default: just the current ones)."""
        return [{}]

    def _fit(self, interactions, recency) -> None:
        x = interactions.tocsr().astype(np.float32)
        x.data[:] = 1.0
        self.x, self.recency = x, None if recency is None else recency.tocsr()
        self.b = self.item_weights(x)

    def history(self, user_rows: np.ndarray) -> sp.csr_matrix:
        """The users' rows of positives, weighted by recency when a decay is set."""
        if self.tau is None or self.recency is None:
            return self.x[user_rows]
        weighted = self.recency[user_rows].astype(np.float32)
        lengths = np.diff(weighted.indptr)
        weighted.data = np.exp(-(weighted.data - 1.0) / (self.tau * np.repeat(lengths, lengths)))
        return weighted

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        scores = self.history(user_rows) @ self.b
        return scores.toarray() if sp.issparse(scores) else np.asarray(scores)

    def tune(self, rows, test, exclude) -> dict:
        results = {}
        for setting in self.settings_grid():
            vars(self).update(setting)
            self.b = self.item_weights(self.x)
            for tau in self.TAU_GRID if self.recency is not None else (None,):
                self.tau = tau
                results[(tuple(setting.items()), tau)] = _validation_ndcg(self.score(rows), test[rows], exclude[rows])
        (setting, self.tau), best = max(results.items(), key=lambda kv: kv[1])
        vars(self).update(dict(setting))
        self.b = self.item_weights(self.x)
        chosen = {**dict(setting), "tau": self.tau}
        log.info("%s: %s chosen on validation (ndcg@10 %.4f; %d settings tried)", self.name, chosen, best,
                 len(results))
        return chosen


class EASE(ItemItem):
    """Closed-form item-item model (Steck, 2019): P = (X'X + l2 I)^-1, B = I - P / diag(P) with a zero
    diagonal. l2 is chosen from ``L2_GRID`` on validation. Memory is items x items (dense)."""

    name = "ease"
    L2_GRID = (50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0)
    l2 = 200.0

    @staticmethod
    def weights(gram: np.ndarray, l2: float) -> np.ndarray:
        """B for a Gram matrix X'X and a regularisation l2."""
        p = np.linalg.inv(gram + l2 * np.eye(gram.shape[0]))
        b = -p / np.diag(p)
        np.fill_diagonal(b, 0.0)
        return b.astype(np.float32)

    def settings_grid(self) -> list[dict]:
        return [{"l2": l2} for l2 in self.L2_GRID]

    def item_weights(self, x: sp.csr_matrix) -> np.ndarray:
        return self.weights((x.T @ x).toarray().astype(np.float64), self.l2)


class ItemKNN(ItemItem):
    """Item-based nearest neighbours: cosine similarity of the items' user vectors (shrunk towards 0 for
    items with few users), each item keeping its ``neighbours`` most similar items (chosen on validation
    from ``NEIGHBOURS_GRID``). B is sparse: items x neighbours."""

    name = "item_knn"
    NEIGHBOURS_GRID = (20, 50, 100, 200)
    neighbours = 100
    shrink = 10.0

    def settings_grid(self) -> list[dict]:
        return [{"neighbours": k} for k in self.NEIGHBOURS_GRID]

    def item_weights(self, x: sp.csr_matrix) -> sp.csr_matrix:
        co = (x.T @ x).toarray()
        counts = np.diag(co).copy()
        sim = co / (np.sqrt(np.outer(counts, counts)) + self.shrink)
        np.fill_diagonal(sim, 0.0)
        k = min(self.neighbours, sim.shape[1] - 1)
        keep = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        rows = np.repeat(np.arange(sim.shape[0]), k)
        return sp.csr_matrix((np.take_along_axis(sim, keep, axis=1).ravel().astype(np.float32),
                              (rows, keep.ravel())), shape=sim.shape)


class LightFMModel(Candidate):
    """LightFM on the given feature space: the hybrid (identity + demographics, identity + genres and
    decade) by default; with identity-only user features it knows nothing about new users."""

    name, baseline = "lightfm_hybrid", False

    def __init__(self, features: Features, params: ModelParams, name: str | None = None):
        self.features, self.params, self.name = features, params, name or self.name
        self.serves_new_users = features.user_features.shape[1] > len(features.user_ids)

    def _fit(self, interactions, recency) -> None:
        self.model = model.fit(self.features, interactions, self.params)

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return model.score_matrix(self.model, self.features, user_rows)

    def score_new(self, demographics: pd.DataFrame) -> np.ndarray:
        if not self.serves_new_users:
            return super().score_new(demographics)
        return model.score_matrix(self.model, self.features,
                                  user_features=demographic_rows(self.features, demographics))


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
        first, second = _z(self.first.score(rows)), _z(self.second.score(rows))
        ndcg = {w: _validation_ndcg(w * first + (1 - w) * second, test[rows], exclude[rows]) for w in self.WEIGHTS}
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

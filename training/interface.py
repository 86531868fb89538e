"""The one interface every model of a run implements: fit on positives, score known users, score new
users from their demographics when it can, and tune its settings on validation."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from training import evaluate


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

    def fit_tuned(self, interactions: sp.spmatrix, recency: sp.spmatrix | None, rows: np.ndarray,
                  test: sp.csr_matrix, exclude: sp.csr_matrix) -> dict:
        """Fit on a validation set's training part, then :meth:`tune` on its held-out part. Returns the
        settings chosen."""
        self.fit_once(interactions, recency)
        return self.tune(rows, test, exclude)

    def tune(self, rows: np.ndarray, test: sp.csr_matrix, exclude: sp.csr_matrix) -> dict:
        """Choose this model's settings by NDCG@10 on a validation set, right after fitting on its training
        part: ``rows`` of the fitted matrix, their held-out positives and what to exclude from their
        rankings. The settings stay for later fits. Returns them (none by default)."""
        return {}

    def use_settings(self, settings: dict) -> None:
        """Take back the settings an earlier run's :meth:`tune` returned, so that the next fit needs no
        validation (a refit day, :mod:`training.schedule`)."""
        vars(self).update(settings)

def validation_ndcg(score: evaluate.Scorer, rows: np.ndarray, test: sp.csr_matrix,
                    exclude: sp.csr_matrix | None) -> float:
    """NDCG@10 of ``score``'s lists for ``rows`` against their held-out positives (scored in batches;
    ``test`` and ``exclude`` indexed like ``score``): what every choice on validation maximises."""
    return ndcg_of(evaluate.top_k_lists(score, rows, 10, exclude), test[rows])


def ndcg_of(lists: np.ndarray, test: sp.csr_matrix) -> float:
    """Mean NDCG@10 of ready-made top-10 ``lists`` (one row per row of ``test``)."""
    return float(evaluate.list_metrics(lists, test, ks=(10,))["ndcg@10"].mean())


def walk_grid(size: int, start: int, score: Callable[[int], float]) -> tuple[int, dict[int, float]]:
    """The best index of an ordered grid (a regularisation, a neighbourhood size) whose score is taken as
    single-peaked along it: from ``start`` towards the better neighbour, up to the first drop, so most of an
    expensive grid is never scored. Returns the best index and the score of each index tried."""
    best, tried = start, {start: score(start)}
    for step in (-1, 1):
        i = best + step
        while 0 <= i < size:
            tried[i] = score(i)
            if tried[i] <= tried[best]:
                break
            best, i = i, i + step
        if best != start:
            break  # the peak is on this side
    return best, tried

"""Item-item models: a user's history (optionally weighted by recency) times an item x item matrix."""
from __future__ import annotations

import logging
from abc import abstractmethod

import numpy as np
import scipy.sparse as sp

from training.interface import Candidate, validation_ndcg

log = logging.getLogger(__name__)


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
                results[(tuple(setting.items()), tau)] = validation_ndcg(self.score(rows), test[rows], exclude[rows])
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

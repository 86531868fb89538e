"""Item-item models: a user's history (optionally weighted by recency) times an item x item matrix."""
from __future__ import annotations

import logging
from abc import abstractmethod

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from training.interface import Candidate, validation_ndcg, walk_grid

log = logging.getLogger(__name__)


class ItemItem(Candidate):
    """A user's scores are their history times an item x item matrix B (:meth:`item_weights`). The history
    can weigh each positive by exp(-(position from the user's newest - 1) / (tau x the user's number of
    positives)): tau is a share of the history, so that one value fits short and long histories, and the
    validation split (shorter histories) and the full data alike. tau (none, or one of ``TAU_GRID``) is
    chosen on validation after the model's own settings, never a constant."""

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
        self.b = None  # the previous fit's B is freed before the next one is solved
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
        """The settings first (no decay), then the decay for the best of them: a search along each axis in
        turn, since every try scores all the validation users. Each axis is walked along its ordered grid
        (:func:`walk_grid`), the settings from the fitted one (each step solves B again; only the best B stays
        in memory), the decay from none."""
        grid, fitted_b, kept = self.settings_grid(), self.b, {}
        start, self.tau = grid.index({k: getattr(self, k) for k in grid[0]}), None

        def ndcg_at(i: int) -> float:
            vars(self).update(grid[i])
            self.b = fitted_b if i == start else self.item_weights(self.x)
            ndcg = validation_ndcg(self.score, rows, test, exclude)
            if ndcg > kept.get("ndcg", -np.inf):
                kept.update(ndcg=ndcg, b=self.b)
            self.b = None  # only the fitted and the best B are held while the next one is solved
            return ndcg

        best, tried = walk_grid(len(grid), start, ndcg_at)
        del fitted_b
        vars(self).update(grid[best])
        self.b = kept["b"]

        def ndcg_at_tau(i: int) -> float:  # the decays, from none to the steepest
            if i == 0:
                return tried[best]
            self.tau = self.TAU_GRID[i]
            return validation_ndcg(self.score, rows, test, exclude)

        no_decay = (0, {0: tried[best]})
        tau, decays = walk_grid(len(self.TAU_GRID), 0, ndcg_at_tau) if self.recency is not None else no_decay
        self.tau = self.TAU_GRID[tau]
        chosen = {**grid[best], "tau": self.tau}
        log.info("%s: %s chosen on validation (ndcg@10 %.4f; %d of %d settings and %d of %d decays tried)",
                 self.name, chosen, decays[tau], len(tried), len(grid), len(decays) - 1,
                 len(self.TAU_GRID) - 1)
        return chosen


class EASE(ItemItem):
    """Closed-form item-item model (Steck, 2019): P = (X'X + l2 I)^-1, B = I - P / diag(P) with a zero
    diagonal. l2 is chosen from ``L2_GRID`` on validation. Memory and time are those of one dense
    items x items matrix and its inverse (float32, through its Cholesky factor): independent of the
    number of users and ratings."""

    name = "ease"
    L2_GRID = (50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0)
    l2 = 200.0

    @staticmethod
    def weights(gram: np.ndarray, l2: float) -> np.ndarray:
        """B (float32) for a Gram matrix X'X and a regularisation l2. A float32 ``gram`` is overwritten: every
        step works in place, so that one items x items matrix is alive (0.4 GB at 10k items), not four."""
        p = np.asarray(gram, dtype=np.float32)
        p[np.diag_indices_from(p)] += np.float32(l2)
        p = _inverse_spd(p)
        p /= -np.diag(p).copy()
        np.fill_diagonal(p, 0.0)
        return p

    def settings_grid(self) -> list[dict]:
        return [{"l2": l2} for l2 in self.L2_GRID]

    def item_weights(self, x: sp.csr_matrix) -> np.ndarray:
        return self.weights(gram(x), self.l2)


def gram(x: sp.spmatrix, block: int = 1024) -> np.ndarray:
    """X'X, dense float32, ``block`` columns at a time: the sparse product of all of X at once holds nearly
    every item pair, twice the dense matrix's memory."""
    xt, xc = x.T.tocsr().astype(np.float32, copy=False), x.tocsc().astype(np.float32, copy=False)
    out = np.empty((x.shape[1], x.shape[1]), dtype=np.float32)
    for start in range(0, x.shape[1], block):
        out[:, start:start + block] = (xt @ xc[:, start:start + block]).toarray()
    return out


def _inverse_spd(a: np.ndarray, block: int = 1024) -> np.ndarray:
    """The inverse of a symmetric positive definite matrix from its Cholesky factor (half the work of a
    general inverse), in ``a``'s precision and, when LAPACK can, in ``a``'s memory."""
    potrf, potri = scipy.linalg.lapack.get_lapack_funcs(("potrf", "potri"), (a,))
    # a.T: the same symmetric matrix in Fortran order, which LAPACK overwrites instead of copying
    factor, info = potrf(a.T, lower=True, overwrite_a=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"the Gram matrix plus l2 is not positive definite (potrf info {info})")
    inverse, info = potri(factor, lower=True, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"cannot invert the Cholesky factor (potri info {info})")
    n = len(inverse)
    for start in range(0, n, block):  # the lower triangle mirrored onto the upper, ``block`` rows at a time
        stop = min(start + block, n)
        upper = np.triu(np.ones((stop - start, n - start), dtype=bool), 1)
        np.copyto(inverse[start:stop, start:], inverse[start:, start:stop].T, where=upper)
    return inverse.T  # symmetric now: the C-ordered view


class ItemKNN(ItemItem):
    """Item-based nearest neighbours: cosine similarity of the items' user vectors (shrunk towards 0 for
    items with few users), each item keeping its ``neighbours`` most similar items (chosen on validation
    from ``NEIGHBOURS_GRID``). B is sparse: items x neighbours. The similarities are computed for a block of
    items at a time and only each item's most similar ``max(NEIGHBOURS_GRID)`` kept, once per fit: memory
    is block x items, never items x items."""

    name = "item_knn"
    NEIGHBOURS_GRID = (20, 50, 100, 200)
    BLOCK = 1024
    neighbours = 100
    shrink = 10.0

    def settings_grid(self) -> list[dict]:
        return [{"neighbours": k} for k in self.NEIGHBOURS_GRID]

    def item_weights(self, x: sp.csr_matrix) -> sp.csr_matrix:
        if getattr(self, "_nearest_of", None) is not x:
            self._nearest_of, self._nearest = x, self.nearest(x, max(self.NEIGHBOURS_GRID), self.shrink, self.BLOCK)
        columns, similarity = self._nearest
        k = min(self.neighbours, columns.shape[1])
        rows = np.repeat(np.arange(columns.shape[0]), k)
        return sp.csr_matrix((similarity[:, :k].ravel(), (rows, columns[:, :k].ravel())),
                             shape=(columns.shape[0],) * 2)

    @staticmethod
    def nearest(x: sp.csr_matrix, k: int, shrink: float, block: int) -> tuple[np.ndarray, np.ndarray]:
        """Each item's ``k`` most similar items (items x k, most similar first) and their similarities."""
        xt = x.T.tocsr()
        counts = np.asarray(x.sum(axis=0)).ravel().astype(np.float64)
        n = x.shape[1]
        k = min(k, n - 1)
        columns, similarity = np.empty((n, k), dtype=np.int64), np.empty((n, k), dtype=np.float32)
        for start in range(0, n, block):
            items = np.arange(start, min(start + block, n))
            co = (xt[items] @ x).toarray()
            sim = co / (np.sqrt(np.outer(counts[items], counts)) + shrink)
            sim[np.arange(len(items)), items] = -np.inf  # never an item's own neighbour
            top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
            top = np.take_along_axis(top, np.argsort(-np.take_along_axis(sim, top, axis=1), axis=1, kind="stable"),
                                     axis=1)
            columns[items], similarity[items] = top, np.take_along_axis(sim, top, axis=1)
        return columns, similarity

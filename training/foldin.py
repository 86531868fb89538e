"""Fold-in: a new user's movies from a few ratings, answered by the live model without retraining.

The run's item-item model (EASE fitted on all positives, with the l2 its validation chose) scores a
known user as their positives times B. A new user who rates a few movies is scored the same way:
the sum of B's rows of the movies they liked. What the API needs is B pruned to each movie's
``NEIGHBOURS`` strongest weights (a sparse matrix, a few MB) plus the movies' popularity (to break
ties), stored as plain arrays (``.npz`` read without pickle), so a file in the lake cannot run
code in the API.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from training.item_item import EASE
from training.split import POSITIVE_THRESHOLD, positives

NEIGHBOURS = 200  # weights kept per movie: ~1.6 KB per movie, and what EASE's ranking depends on
ROW_BATCH = 1024  # rows of B pruned at once: memory stays items x batch beside B itself


@dataclass
class FoldIn:
    """B's strongest weights (movies x movies, CSR) over ``movie_ids``, and each movie's popularity."""

    movie_ids: np.ndarray
    weights: sp.csr_matrix
    popularity: np.ndarray

    @classmethod
    def fit(cls, interactions: pd.DataFrame, l2: float = EASE.l2, neighbours: int = NEIGHBOURS) -> "FoldIn":
        """EASE on the positives of ``interactions`` (user_id, movie_id, rating), pruned to ``neighbours``
        weights per movie. Memory is movies x movies (dense) while B is solved, as for EASE in training."""
        pos = positives(interactions)
        movie_ids = np.sort(pos["movie_id"].unique())
        users = pd.Index(pos["user_id"].unique())
        x = sp.csr_matrix((np.ones(len(pos), dtype=np.float32),
                           (users.get_indexer(pos["user_id"]), np.searchsorted(movie_ids, pos["movie_id"]))),
                          shape=(len(users), len(movie_ids)))
        x.data[:] = 1.0  # a movie rated twice by one user counts once
        b = EASE.weights((x.T @ x).toarray().astype(np.float64), l2)
        return cls(movie_ids, _strongest(b, neighbours), np.asarray(x.sum(axis=0)).ravel().astype(np.float32))

    def scores(self, ratings: dict[int, float]) -> np.ndarray | None:
        """Scores of every movie for a new user's ``ratings`` (movie_id -> stars): the sum of the weights from
        the movies they liked (rated >= the positive threshold); None when they liked no movie the model knows."""
        rows = self.rows([m for m, r in ratings.items() if r >= POSITIVE_THRESHOLD])
        rows = rows[rows >= 0]
        if not len(rows):
            return None
        return np.asarray(self.weights[rows].sum(axis=0)).ravel()

    def recommend(self, ratings: dict[int, float], n: int) -> list[int] | None:
        """Up to ``n`` movie ids for ``ratings``, best first: only movies the liked ones point to (a positive
        score; popularity breaks ties), never one they rated. None when no fold-in is possible."""
        scores = self.scores(ratings)
        if scores is None:
            return None
        rated = self.rows(list(ratings))
        scores[rated[rated >= 0]] = 0.0
        candidates = np.flatnonzero(scores > 0)
        order = np.lexsort((-self.popularity[candidates], -scores[candidates]))[:n]
        return [int(m) for m in self.movie_ids[candidates[order]]]

    def rows(self, movie_ids: list[int]) -> np.ndarray:
        """Column of each movie id (-1 for a movie the model does not know)."""
        ids = np.asarray(movie_ids, dtype=np.int64)
        at = np.clip(np.searchsorted(self.movie_ids, ids), 0, max(len(self.movie_ids) - 1, 0))
        return np.where(self.movie_ids[at] == ids, at, -1) if len(self.movie_ids) else np.full(len(ids), -1)

    def to_npz(self) -> bytes:
        """The arrays, as ``.npz`` bytes."""
        out = io.BytesIO()
        np.savez_compressed(out, movie_ids=self.movie_ids, data=self.weights.data, indices=self.weights.indices,
                            indptr=self.weights.indptr, popularity=self.popularity)
        return out.getvalue()

    @classmethod
    def from_npz(cls, data: bytes) -> "FoldIn":
        """Read :meth:`to_npz`'s bytes; object arrays (pickles) are refused."""
        with np.load(io.BytesIO(data), allow_pickle=False) as f:
            n = len(f["movie_ids"])
            weights = sp.csr_matrix((f["data"], f["indices"], f["indptr"]), shape=(n, n))
            return cls(f["movie_ids"], weights, f["popularity"])


def _strongest(b: np.ndarray, k: int) -> sp.csr_matrix:
    """Each row's ``k`` largest weights of the dense ``b`` (the rest dropped), in row batches."""
    k = min(k, b.shape[1] - 1) if b.shape[1] > 1 else 0
    if k <= 0:
        return sp.csr_matrix(b.shape, dtype=np.float32)
    parts = []
    for start in range(0, b.shape[0], ROW_BATCH):
        block = b[start:start + ROW_BATCH]
        keep = np.argpartition(-block, k - 1, axis=1)[:, :k]
        rows = np.repeat(np.arange(len(block)), k)
        parts.append(sp.csr_matrix((np.take_along_axis(block, keep, axis=1).ravel(), (rows, keep.ravel())),
                                   shape=block.shape, dtype=np.float32))
    return sp.vstack(parts).tocsr()

"""The exploration knob: re-rank a model's lists towards less popular and more genre-diverse items.

With exploration e (0 to 1), each list is built greedily from the model's top ``POOL`` items:
the next item maximises (1 - e) x relevance + e x (novelty + genre novelty) / 2, where relevance
is 1 - rank / POOL in the model's own order, novelty is 1 - the item's popularity percentile, and
genre novelty the share of the item's genres not yet in the list. e = 0 is the model's top-k,
unchanged. (Amazon Personalize calls this knob the exploration weight.)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from training.evaluate import top_k

POOL = 100
LEVELS = (0.0, 0.1, 0.25, 0.5, 1.0)  # the values the report measures


@dataclass
class Explorer:
    """What re-ranking needs about the items: popularity percentiles and genres (items in matrix order)."""

    novelty: np.ndarray  # 1 - popularity percentile, per item
    genres: np.ndarray   # items x genres, bool

    @classmethod
    def build(cls, items: pd.DataFrame, movie_ids: np.ndarray, positives: sp.spmatrix) -> "Explorer":
        """From the movies (``genre_list``), the matrix's item order and the positives' counts."""
        counts = np.asarray(positives.sum(axis=0)).ravel()
        genre_lists = items.set_index("movie_id").loc[movie_ids, "genre_list"].fillna("").str.split("|")
        names = sorted({g for gs in genre_lists for g in gs if g})
        genres = np.array([[g in set(gs) for g in names] for gs in genre_lists], dtype=bool).reshape(len(movie_ids),
                                                                                                     len(names))
        return cls(novelty=1.0 - pd.Series(counts).rank(pct=True).to_numpy(), genres=genres)

    def lists(self, scores: np.ndarray, k: int, exploration: float,
              exclude: sp.csr_matrix | None = None) -> np.ndarray:
        """The top ``k`` item indices per row after re-ranking (never an excluded item)."""
        if not 0.0 <= exploration <= 1.0:
            raise ValueError(f"exploration must be between 0 and 1, got {exploration}")
        if exploration == 0.0:
            return top_k(scores, k, exclude)
        scores = np.array(scores, dtype=np.float64, copy=True)
        if exclude is not None:
            scores[exclude.nonzero()] = -np.inf
        pool = top_k(scores, max(k, POOL))
        n, size = pool.shape
        relevance = 1.0 - np.arange(size) / size
        unavailable = ~np.isfinite(np.take_along_axis(scores, pool, axis=1))  # excluded items pad a short pool
        item_genres = self.genres[pool]                                  # n x pool x genres
        n_genres = np.maximum(item_genres.sum(axis=2), 1)
        covered = np.zeros((n, self.genres.shape[1]), dtype=bool)
        taken = unavailable.copy()
        chosen = np.empty((n, min(k, size)), dtype=pool.dtype)
        for step in range(chosen.shape[1]):
            new_genres = 1.0 - (item_genres & covered[:, None, :]).sum(axis=2) / n_genres
            value = (1 - exploration) * relevance + exploration * (self.novelty[pool] + new_genres) / 2
            best = np.argmax(np.where(taken, -np.inf, value), axis=1)
            taken[np.arange(n), best] = True
            chosen[:, step] = pool[np.arange(n), best]
            covered |= item_genres[np.arange(n), best]
        return chosen

    def diversity(self, lists: np.ndarray) -> float:
        """Intra-list genre diversity: mean pairwise cosine distance of the listed items' genre vectors."""
        vectors = self.genres[lists].astype(np.float64)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=2, keepdims=True), 1e-12)
        k = lists.shape[1]
        if k < 2:
            return 0.0
        similarity = np.einsum("nig,njg->n", vectors, vectors) - np.einsum("nig,nig->n", vectors, vectors)
        return float(np.mean(1.0 - similarity / (k * (k - 1))))

    def mean_novelty(self, lists: np.ndarray) -> float:
        """Mean novelty (1 - popularity percentile) of the listed items."""
        return float(self.novelty[lists].mean())

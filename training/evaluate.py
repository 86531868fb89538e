"""Ranking metrics on held-out positives."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def top_k(scores: np.ndarray, k: int, exclude: sp.csr_matrix | None = None) -> np.ndarray:
    """Indices of the ``k`` best items per row, best first, never an excluded item."""
    scores = np.array(scores, dtype=np.float64, copy=True)
    if exclude is not None:
        rows, cols = exclude.nonzero()
        scores[rows, cols] = -np.inf
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def precision_at_k(recommended: np.ndarray, relevant: set, k: int) -> float:
    """Share of the top ``k`` that is relevant."""
    return sum(1 for item in recommended[:k] if item in relevant) / k


def ndcg_at_k(recommended: np.ndarray, relevant: set, k: int) -> float:
    """Binary-gain NDCG with log2 discount; the ideal ranks min(k, |relevant|) hits first."""
    if not relevant:
        return 0.0
    dcg = sum(1.0 / np.log2(rank + 2) for rank, item in enumerate(recommended[:k]) if item in relevant)
    idcg = sum(1.0 / np.log2(rank + 2) for rank in range(min(k, len(relevant))))
    return dcg / idcg


def evaluate(scores: np.ndarray, test: sp.csr_matrix, exclude: sp.csr_matrix, k: int) -> dict[str, float]:
    """Mean precision@k and NDCG@k over users (rows) with at least one test positive.

    ``scores``, ``test`` and ``exclude`` have one row per user, one column per item.
    """
    users = np.flatnonzero(np.diff(test.indptr))
    recs = top_k(scores[users], k, exclude[users])
    precision, ndcg = [], []
    for row, user in enumerate(users):
        relevant = set(test.indices[test.indptr[user]:test.indptr[user + 1]])
        precision.append(precision_at_k(recs[row], relevant, k))
        ndcg.append(ndcg_at_k(recs[row], relevant, k))
    return {f"precision@{k}": float(np.mean(precision)), f"ndcg@{k}": float(np.mean(ndcg)),
            "n_test_users": int(len(users))}

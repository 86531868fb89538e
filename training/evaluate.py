"""Ranking metrics on held-out positives.

Binary relevance. For a user with relevant set R and top-k list L:
precision@k = |L & R| / k; recall@k = |L & R| / |R|; NDCG@k = DCG / ideal DCG with gain 1
and discount 1 / log2(rank + 1), the ideal ranking min(k, |R|) hits first; AP@k (MAP) =
sum of precision@i at each hit rank i <= k, / min(k, |R|); RR@k (MRR) = 1 / rank of the
first hit, 0 without one; hit rate@k = 1 if any hit. Each is averaged over users with at
least one test positive. Catalogue coverage@k = distinct items in those users' top-k
lists / all items.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

KS = (5, 10, 25)


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


def hit_matrix(recs: np.ndarray, test: sp.csr_matrix) -> np.ndarray:
    """hits[u, r] is True when the item at rank r of row u's list is one of that row's test items."""
    hits = np.zeros(recs.shape, dtype=bool)
    for row in range(recs.shape[0]):
        hits[row] = np.isin(recs[row], test.indices[test.indptr[row]:test.indptr[row + 1]])
    return hits


def ranking_metrics(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Per-user precision, recall, NDCG, AP, RR and hit at ``k`` from a hit matrix (best rank first)."""
    h = hits[:, :k].astype(np.float64)
    n_hit = h.sum(axis=1)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.cumsum(discount)[np.minimum(k, n_relevant) - 1]
    ranks = np.arange(1, k + 1)
    first = np.where(n_hit > 0, np.argmax(h, axis=1) + 1, np.inf)
    return {
        "precision": n_hit / k,
        "recall": n_hit / n_relevant,
        "ndcg": (h * discount).sum(axis=1) / ideal,
        "map": ((np.cumsum(h, axis=1) / ranks) * h).sum(axis=1) / np.minimum(k, n_relevant),
        "mrr": 1.0 / first,
        "hit_rate": (n_hit > 0).astype(np.float64),
    }


def per_user_metrics(scores: np.ndarray, test: sp.csr_matrix, exclude: sp.csr_matrix,
                     ks: tuple[int, ...] = KS) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """(evaluated user rows, {"ndcg@10": per-user values, ...}, top-max(ks) lists) for users with test items."""
    users = np.flatnonzero(np.diff(test.indptr))
    recs = top_k(scores[users], max(ks), exclude[users])
    return users, list_metrics(recs, test[users], ks), recs


def list_metrics(recs: np.ndarray, test: sp.csr_matrix, ks: tuple[int, ...] = KS) -> dict[str, np.ndarray]:
    """Per-user metrics at every k of ready-made lists (one row of item indices per row of ``test``, best
    first; every row with at least one test item)."""
    hits = hit_matrix(recs, test)
    n_relevant = np.diff(test.indptr)
    return {f"{name}@{k}": v for k in ks for name, v in ranking_metrics(hits, n_relevant, k).items()}


def summary(values: dict[str, np.ndarray], recs: np.ndarray, n_items: int, ks: tuple[int, ...] = KS) -> dict[str, float]:
    """Per-user metrics averaged, with catalogue coverage at every k and the number of users."""
    out = {name: float(v.mean()) for name, v in values.items()}
    out.update({f"coverage@{k}": len(np.unique(recs[:, :k])) / n_items for k in ks})
    out["n_test_users"] = int(len(recs))
    return out


def evaluate(scores: np.ndarray, test: sp.csr_matrix, exclude: sp.csr_matrix,
             ks: tuple[int, ...] = KS) -> dict[str, float]:
    """Every metric at every k, averaged over rows (users) with at least one test positive.

    ``scores``, ``test`` and ``exclude`` have one row per user, one column per item.
    """
    _, values, recs = per_user_metrics(scores, test, exclude, ks)
    return summary(values, recs, scores.shape[1], ks)

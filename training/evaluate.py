"""Ranking metrics on held-out positives.

Binary relevance. For a user with relevant set R and top-k list L:
precision@k = |L & R| / k; recall@k = |L & R| / |R|; NDCG@k = DCG / ideal DCG with gain 1
and discount 1 / log2(rank + 1), the ideal ranking min(k, |R|) hits first; AP@k (MAP) =
sum of precision@i at each hit rank i <= k, / min(k, |R|); RR@k (MRR) = 1 / rank of the
first hit, 0 without one; hit rate@k = 1 if any hit. Each is averaged over users with at
least one test positive. Catalogue coverage@k = distinct items in those users' top-k
lists / all items.

Everything is computed in batches of users (:data:`BATCH`): a model scores a batch, only its
top-k lists are kept, so memory is batch x items, never users x items. With more users
than a run evaluates (:func:`sample_rows`), each metric comes with its 95% interval.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import scipy.sparse as sp

from training.config import SEED

KS = (5, 10, 25)
BATCH = 2048  # users scored at once
Scorer = Callable[[np.ndarray], np.ndarray]  # user rows -> (len(rows) x items) scores


def top_k(scores: np.ndarray, k: int, exclude: sp.csr_matrix | None = None) -> np.ndarray:
    """Indices of the ``k`` best items per row, best first, never an excluded item."""
    # One copy, in the scores' own precision (float32 stays float32: half the memory traffic of an upcast;
    # the same lists but for the order of exact ties), negated in place so that the smallest come first.
    cost = np.array(scores, dtype=np.result_type(scores, np.float32), copy=True)
    np.negative(cost, out=cost)
    if exclude is not None:
        rows, cols = exclude.nonzero()
        cost[rows, cols] = np.inf
    k = min(k, cost.shape[1])
    part = np.argpartition(cost, k - 1, axis=1)[:, :k]
    order = np.argsort(np.take_along_axis(cost, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def batches(rows: np.ndarray, size: int | None = None) -> Iterator[np.ndarray]:
    """``rows`` in consecutive slices of at most ``size`` (default :data:`BATCH`)."""
    size = size or BATCH
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def top_k_lists(score: Scorer, rows: np.ndarray, k: int, exclude: sp.csr_matrix | None = None,
                batch: int | None = None) -> np.ndarray:
    """:func:`top_k` of ``score(rows)``, computed ``batch`` rows at a time (``exclude`` is indexed by the
    same rows as ``score``): (len(rows) x k) item indices, best first."""
    lists = [top_k(score(part), k, None if exclude is None else exclude[part]) for part in batches(rows, batch)]
    return np.vstack(lists) if lists else np.empty((0, k), dtype=np.int64)


def sample_rows(rows: np.ndarray, max_rows: int | None, seed: int = SEED) -> np.ndarray:
    """``rows``, or a seeded sample of ``max_rows`` of them (sorted) when there are more."""
    if max_rows is None or len(rows) <= max_rows:
        return rows
    return np.sort(np.random.default_rng(seed).choice(rows, size=max_rows, replace=False))


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


def evaluate_rows(score: Scorer, rows: np.ndarray, test: sp.csr_matrix, exclude: sp.csr_matrix | None,
                  ks: tuple[int, ...] = KS, batch: int | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per-user metrics of ``rows`` (each with a test item) and their top-max(ks) lists, scored in batches;
    ``test`` and ``exclude`` are indexed by the same rows as ``score``."""
    recs = top_k_lists(score, rows, max(ks), exclude, batch)
    return list_metrics(recs, test[rows], ks), recs


def list_metrics(recs: np.ndarray, test: sp.csr_matrix, ks: tuple[int, ...] = KS) -> dict[str, np.ndarray]:
    """Per-user metrics at every k of ready-made lists (one row of item indices per row of ``test``, best
    first; every row with at least one test item)."""
    hits = hit_matrix(recs, test)
    n_relevant = np.diff(test.indptr)
    return {f"{name}@{k}": v for k in ks for name, v in ranking_metrics(hits, n_relevant, k).items()}


def interval(values: np.ndarray) -> float:
    """Half-width of the normal 95% interval of the mean of per-user ``values``."""
    return float(1.96 * values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("nan")


def means(values: dict[str, np.ndarray]) -> dict[str, float]:
    """Per-user metrics averaged, each with ``<metric>_ci95``, the half-width of its 95% interval."""
    return {**{name: float(v.mean()) for name, v in values.items()},
            **{f"{name}_ci95": interval(v) for name, v in values.items()}}


def coverage(recs: np.ndarray, n_items: int, ks: tuple[int, ...] = KS) -> dict[str, float]:
    """Catalogue coverage@k: the share of the items that appear in the lists' top k."""
    return {f"coverage@{k}": len(np.unique(recs[:, :k])) / n_items for k in ks}


def summary(values: dict[str, np.ndarray], recs: np.ndarray, n_items: int, ks: tuple[int, ...] = KS) -> dict[str, float]:
    """:func:`means` of the per-user metrics, catalogue :func:`coverage` at every k and the number of users."""
    return {**means(values), **coverage(recs, n_items, ks), "n_test_users": int(len(recs))}


def evaluate(scores: np.ndarray, test: sp.csr_matrix, exclude: sp.csr_matrix,
             ks: tuple[int, ...] = KS) -> dict[str, float]:
    """Every metric at every k, averaged over rows (users) with at least one test positive.

    ``scores``, ``test`` and ``exclude`` have one row per user, one column per item.
    """
    _, values, recs = per_user_metrics(scores, test, exclude, ks)
    return summary(values, recs, scores.shape[1], ks)

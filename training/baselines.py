"""The baselines' computations: segment popularity with backoff, implicit ALS factors."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp


def _segment_keys(frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A key per row for the segment ``columns``, and whether the row has them all."""
    return (frame[columns].astype("string").fillna("").agg("|".join, axis=1).to_numpy(),
            frame[columns].notna().all(axis=1).to_numpy())


@dataclass
class SegmentCounts:
    """Positive counts per item of every demographic segment with enough positives, per level (finest
    first), and the global counts: all segment popularity needs to score anyone."""

    levels: list[list[str]]
    tables: list[dict[str, np.ndarray]]  # per level: segment key -> counts per item
    global_counts: np.ndarray


def segment_counts(interactions: sp.spmatrix, users: pd.DataFrame, levels: list[list[str]],
                   min_positives: int = 100) -> SegmentCounts:
    """The counts of each segment of ``levels`` whose members (``users``, one row per matrix row) have at
    least ``min_positives`` positives in ``interactions``."""
    matrix = interactions.tocsr().astype(np.float32)
    tables = []
    for columns in levels:
        keys, known = _segment_keys(users, columns)
        codes, names = pd.factorize(keys[known])
        members = sp.csr_matrix((np.ones(len(codes), dtype=np.float32), (codes, np.flatnonzero(known))),
                                shape=(len(names), matrix.shape[0]))
        counts = np.asarray((members @ matrix).todense())
        tables.append({name: counts[i] for i, name in enumerate(names) if counts[i].sum() >= min_positives})
    return SegmentCounts(levels, tables, np.asarray(matrix.sum(axis=0)).ravel())


def segment_popularity_scores(counts: SegmentCounts, targets: pd.DataFrame) -> np.ndarray:
    """Popularity within each demographic segment, backing off to coarser segments.

    Each target (a row with the demographic columns: a known user or a new one) gets the
    counts of the finest segment of ``counts.levels`` that has enough positives
    (:func:`segment_counts`), global popularity when none has or when it has no
    demographics; global counts break ties.
    """
    scores = np.tile(counts.global_counts * 1e-6, (len(targets), 1))
    decided = np.zeros(len(targets), dtype=bool)
    for columns, table in zip(counts.levels, counts.tables):
        target_keys, target_known = _segment_keys(targets, columns)
        for key in np.unique(target_keys[target_known & ~decided]):
            if key in table:
                todo = np.flatnonzero((target_keys == key) & target_known & ~decided)
                scores[todo] += table[key]
                decided[todo] = True
    scores[~decided] += counts.global_counts
    return scores


def als_factors(interactions: sp.spmatrix, factors: int = 64, regularization: float = 0.05, iterations: int = 15,
                alpha: float = 1.0, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """Implicit ALS (Hu, Koren, Volinsky) on binary positives, confidence 1 + alpha: (user, item) factors;
    a user's scores are their factor row times the item factors."""
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    model = AlternatingLeastSquares(factors=factors, regularization=regularization, iterations=iterations,
                                    alpha=alpha, random_state=seed, num_threads=1)
    with threadpool_limits(1, "blas"):  # implicit's solver runs its own threads; BLAS threads only contend
        model.fit(interactions.tocsr().astype(np.float32), show_progress=False)
    return model.user_factors, model.item_factors

"""The baselines' computations: segment popularity with backoff, implicit ALS factors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp


def _segment_keys(frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A key per row for the segment ``columns``, and whether the row has them all."""
    return (frame[columns].astype("string").fillna("").agg("|".join, axis=1).to_numpy(),
            frame[columns].notna().all(axis=1).to_numpy())


def segment_popularity_scores(interactions: sp.spmatrix, users: pd.DataFrame, levels: list[list[str]],
                              min_positives: int = 100, targets: pd.DataFrame | None = None) -> np.ndarray:
    """Popularity within each demographic segment, backing off to coarser segments.

    ``users`` has one row per matrix row with the demographic columns; ``levels`` goes
    from the finest segment (e.g. gender x age bucket) to the coarsest. Each target
    (default: each user) gets the counts of the finest segment whose members have at
    least ``min_positives`` positives in ``interactions``, global popularity when none
    has or when it has no demographics; global counts break ties. ``targets`` can be
    other rows with the same columns, e.g. the segments of new users.
    """
    targets = users if targets is None else targets
    matrix = interactions.tocsr().astype(np.float32)
    global_counts = np.asarray(matrix.sum(axis=0)).ravel()
    scores = np.tile(global_counts * 1e-6, (len(targets), 1))
    decided = np.zeros(len(targets), dtype=bool)
    for columns in levels:
        member_keys, member_known = _segment_keys(users, columns)
        target_keys, target_known = _segment_keys(targets, columns)
        for key in np.unique(target_keys[target_known & ~decided]):
            counts = np.asarray(matrix[np.flatnonzero((member_keys == key) & member_known)].sum(axis=0)).ravel()
            if counts.sum() >= min_positives:
                todo = np.flatnonzero((target_keys == key) & target_known & ~decided)
                scores[todo] += counts
                decided[todo] = True
    scores[~decided] += global_counts
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

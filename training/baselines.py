"""Baselines the model must beat: global popularity, segment popularity, implicit ALS."""
from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd
import scipy.sparse as sp

log = logging.getLogger(__name__)


def popularity_scores(interactions: sp.spmatrix, n_users: int) -> np.ndarray:
    """Global popularity: every user gets the items' positive counts as scores."""
    counts = np.asarray(interactions.tocsr().sum(axis=0)).ravel().astype(np.float32)
    return np.broadcast_to(counts, (n_users, counts.size))


def segment_popularity_scores(interactions: sp.spmatrix, users: pd.DataFrame, levels: list[list[str]],
                              min_positives: int = 100) -> np.ndarray:
    """Popularity within each user's demographic segment, backing off to coarser segments.

    ``users`` has one row per matrix row with the demographic columns; ``levels`` goes
    from the finest segment (e.g. gender x age bucket x occupation) to the coarsest. A
    user gets the counts of the finest segment whose members have at least
    ``min_positives`` positives in ``interactions`` (global popularity when none has);
    global counts break ties. Users without demographics get global popularity.
    """
    matrix = interactions.tocsr().astype(np.float32)
    global_counts = np.asarray(matrix.sum(axis=0)).ravel()
    scores = np.tile(global_counts * 1e-6, (matrix.shape[0], 1))
    decided = np.zeros(matrix.shape[0], dtype=bool)
    for columns in levels:
        keys = users[columns].astype("string").fillna("\0").agg("|".join, axis=1).to_numpy()
        known = users[columns].notna().all(axis=1).to_numpy()
        for key in np.unique(keys[known & ~decided]):
            members = np.flatnonzero((keys == key) & known)
            counts = np.asarray(matrix[members].sum(axis=0)).ravel()
            if counts.sum() >= min_positives:
                todo = members[~decided[members]]
                scores[todo] += counts
                decided[todo] = True
    scores[~decided] += global_counts
    return scores


def als_scores(interactions: sp.spmatrix, factors: int = 64, regularization: float = 0.05, iterations: int = 15,
               alpha: float = 1.0, seed: int = 42) -> np.ndarray:
    """Implicit ALS (Hu, Koren, Volinsky) on binary positives, confidence 1 + alpha; user x item scores."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from implicit.cpu.als import AlternatingLeastSquares

    model = AlternatingLeastSquares(factors=factors, regularization=regularization, iterations=iterations,
                                    alpha=alpha, random_state=seed, num_threads=1)
    model.fit(interactions.tocsr().astype(np.float32), show_progress=False)
    return model.user_factors @ model.item_factors.T

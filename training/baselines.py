"""Baselines the model must beat."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def popularity_scores(interactions: sp.coo_matrix, n_users: int) -> np.ndarray:
    """Global popularity: every user gets the items' positive counts as scores."""
    counts = np.asarray(interactions.tocsr().sum(axis=0)).ravel().astype(np.float32)
    return np.broadcast_to(counts, (n_users, counts.size))

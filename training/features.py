"""Turn the marts into LightFM inputs: id mappings and feature matrices."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from lightfm.data import Dataset

USER_FEATURE_COLUMNS = ("gender", "age_bucket", "occupation", "zip_region")


def user_feature_names(row) -> list[str]:
    """Demographic features of one user, e.g. ``gender:F``, ``age_bucket:25-34``; absent ones are skipped."""
    return [f"{col}:{getattr(row, col)}" for col in USER_FEATURE_COLUMNS if pd.notna(getattr(row, col))]


def item_feature_names(row) -> list[str]:
    """Genre and release-decade features of one movie."""
    genres = [f"genre:{g}" for g in row.genre_list.split("|") if g]
    return genres + [f"decade:{row.release_decade}"]


@dataclass
class Features:
    """LightFM dataset mappings plus the user and item feature matrices (identity included)."""

    dataset: Dataset
    user_ids: np.ndarray       # internal index -> user_id
    movie_ids: np.ndarray      # internal index -> movie_id
    user_features: sp.csr_matrix
    item_features: sp.csr_matrix

    @property
    def user_index(self) -> dict:
        return self.dataset.mapping()[0]

    @property
    def item_index(self) -> dict:
        return self.dataset.mapping()[2]

    def interaction_matrix(self, pairs: pd.DataFrame, values: pd.Series | None = None) -> sp.coo_matrix:
        """(n_users x n_items) matrix of the given (user_id, movie_id) pairs: 1 for each, or ``values``."""
        rows = pairs["user_id"].map(self.user_index).to_numpy()
        cols = pairs["movie_id"].map(self.item_index).to_numpy()
        shape = (len(self.user_ids), len(self.movie_ids))
        data = np.ones(len(rows), dtype=np.float32) if values is None else values.to_numpy(dtype=np.float32)
        return sp.coo_matrix((data, (rows, cols)), shape=shape)


def weight_identity(matrix: sp.csr_matrix, n_ids: int, weight: float | None) -> sp.csr_matrix:
    """Rows that give the identity (first ``n_ids`` columns) ``weight`` and share ``1 - weight`` among the
    other features; rows with no other feature keep identity 1. ``None`` keeps LightFM's equal weights."""
    if weight is None:
        return matrix
    matrix = matrix.tocsr().astype(np.float32, copy=True)
    row_of = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    is_identity = matrix.indices < n_ids
    n_other = np.bincount(row_of[~is_identity], minlength=matrix.shape[0])[row_of]
    matrix.data = np.where(is_identity, np.where(n_other > 0, weight, 1.0),
                           (1 - weight) / np.maximum(n_other, 1)).astype(np.float32)
    return matrix


def build_features(users: pd.DataFrame, items: pd.DataFrame, user_identity_weight: float | None = None,
                   item_identity_weight: float | None = None) -> Features:
    """Fit the id mappings on all users and items and build normalised feature matrices.

    By default each row's features (identity included) weigh equally; an identity weight
    gives the user's (item's) own embedding that share of the row instead.
    """
    user_feats = [(r.user_id, user_feature_names(r)) for r in users.itertuples(index=False)]
    item_feats = [(r.movie_id, item_feature_names(r)) for r in items.itertuples(index=False)]
    dataset = Dataset()
    dataset.fit(users=users["user_id"], items=items["movie_id"],
                # sorted, not a set: set order follows the per-process hash seed
                user_features=sorted({f for _, fs in user_feats for f in fs}),
                item_features=sorted({f for _, fs in item_feats for f in fs}))
    user_index, _, item_index, _ = dataset.mapping()
    user_ids = np.empty(len(user_index), dtype=np.int64)
    user_ids[list(user_index.values())] = list(user_index.keys())
    movie_ids = np.empty(len(item_index), dtype=np.int64)
    movie_ids[list(item_index.values())] = list(item_index.keys())
    return Features(dataset=dataset, user_ids=user_ids, movie_ids=movie_ids,
                    user_features=weight_identity(dataset.build_user_features(user_feats), len(user_ids),
                                                  user_identity_weight),
                    item_features=weight_identity(dataset.build_item_features(item_feats), len(movie_ids),
                                                  item_identity_weight))


def identity_only(features: Features) -> Features:
    """The same users and items with identity features only (pure collaborative filtering)."""
    return Features(dataset=features.dataset, user_ids=features.user_ids, movie_ids=features.movie_ids,
                    user_features=sp.identity(len(features.user_ids), dtype=np.float32, format="csr"),
                    item_features=sp.identity(len(features.movie_ids), dtype=np.float32, format="csr"))


def demographic_rows(features: Features, users: pd.DataFrame) -> sp.csr_matrix:
    """User feature rows for people the model has never seen, from the demographic columns ``users`` has
    (identity left out, values the model does not know skipped), normalised to sum to 1 as LightFM's are."""
    mapping = features.dataset.mapping()[1]
    columns = [c for c in USER_FEATURE_COLUMNS if c in users.columns]
    rows, cols = [], []
    for i, user in enumerate(users[columns].itertuples(index=False)):
        names = [f"{c}:{v}" for c, v in zip(columns, user) if pd.notna(v) and f"{c}:{v}" in mapping]
        rows += [i] * len(names)
        cols += [mapping[n] for n in names]
    matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                           shape=(len(users), features.user_features.shape[1]))
    sums = np.asarray(matrix.sum(axis=1)).ravel()
    return (sp.diags(np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)) @ matrix).tocsr()

"""Fold-in: a new user's movies from a few ratings, answered by the live model without retraining.

An item-item model (EASE on all positives) scores a known user as their positives times B. A new user who rates a few movies is scored the same way:
the sum of B's rows of the movies they liked. What the API needs is B pruned to each movie's
``NEIGHBOURS`` strongest weights (a sparse matrix, a few MB) plus the movies' popularity (to break
ties), stored as plain arrays (``.npz`` read without pickle), so a file in the lake cannot run
code in the API. Its l2 is chosen for new users (:func:`choose_l2`), not taken from training: by a
run's full evaluation, and kept by the refit days after it (:mod:`training.schedule`).
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from training import evaluate
from training.config import SEED
from training.interface import walk_grid
from training.item_item import EASE, gram
from training.split import POSITIVE_THRESHOLD, positives

NEIGHBOURS = 200  # weights kept per movie: ~1.6 KB per movie, and what EASE's ranking depends on
ROW_BATCH = 1024  # rows of B pruned at once: memory stays items x batch beside B itself
GIVEN = 5  # positives a questionnaire asks for: what l2 is chosen for
# A new user's five movies say less than a known user's history: a larger l2 than training's (whose grid
# tops out at 2000) leans on what is liked together by many, and wins on held-out users of ML-100K.
L2_GRID = (200.0, 1_000.0, 5_000.0, 20_000.0, 100_000.0, 500_000.0, 2_000_000.0)
VALIDATION_USERS = 0.2

log = logging.getLogger(__name__)


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
        b = EASE.weights(gram(x), l2)
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


def first_positives(interactions: pd.DataFrame, given: int = GIVEN) -> tuple[dict, dict]:
    """For users with more than ``given`` positives: their first ``given`` (by time) as ratings
    (user -> {movie_id: stars}), and the movie ids of the rest (user -> array): a questionnaire's answers
    and what the user went on to like."""
    pos = positives(interactions).sort_values(["user_id", "rated_at", "movie_id"], kind="stable")
    answers, rest = {}, {}
    for user, rows in pos.groupby("user_id", sort=True):
        if len(rows) > given:
            answers[user] = dict(zip(rows["movie_id"].head(given), rows["rating"].head(given)))
            rest[user] = rows["movie_id"].iloc[given:].to_numpy()
    return answers, rest


def new_user_ndcg(model: FoldIn, answers: dict, rest: dict, movie_ids: np.ndarray) -> pd.Series:
    """NDCG@10 per user of ``model``'s fold-in lists for ``answers``, judged on ``rest`` over the movies
    ``movie_ids`` (the answered movies excluded from the ranking)."""
    users = list(answers)
    scores = np.zeros((len(users), len(movie_ids)))
    test = sp.lil_matrix(scores.shape, dtype=np.float32)
    exclude = sp.lil_matrix(scores.shape, dtype=np.float32)
    columns = pd.Index(movie_ids)
    for i, user in enumerate(users):
        folded = model.scores(answers[user])
        if folded is not None:
            known = columns.get_indexer(model.movie_ids)
            scores[i, known[known >= 0]] = folded[known >= 0]
        exclude[i, columns.get_indexer(list(answers[user]))] = 1
        hits = columns.get_indexer(rest[user])
        test[i, hits[hits >= 0]] = 1
    rows, values, _ = evaluate.per_user_metrics(scores, test.tocsr(), exclude.tocsr(), ks=(10,))
    return pd.Series(values["ndcg@10"], index=[users[r] for r in rows])


def choose_l2(interactions: pd.DataFrame, grid: tuple[float, ...] = L2_GRID, seed: int = SEED) -> tuple[float, dict]:
    """The l2 whose fold-in serves new users best: a seeded ``VALIDATION_USERS`` share of the users is held out,
    the weights are fitted on the rest, and each held-out user gives their first ``GIVEN`` positives and is
    judged on the others. The grid is walked from its middle (:func:`training.interface.walk_grid`): each value
    tried solves B once. Returns the l2 and the mean NDCG@10 of each value tried."""
    users = np.sort(interactions["user_id"].unique())
    held = np.random.default_rng(seed).choice(users, size=max(1, int(len(users) * VALIDATION_USERS)), replace=False)
    answers, rest = first_positives(interactions[interactions["user_id"].isin(held)])
    fit_on = interactions[~interactions["user_id"].isin(held)]
    movie_ids = np.sort(interactions["movie_id"].unique())
    if not answers:
        return grid[len(grid) // 2], {}
    best, tried = walk_grid(len(grid), len(grid) // 2, lambda i: float(
        new_user_ndcg(FoldIn.fit(fit_on, grid[i]), answers, rest, movie_ids).mean()))
    return grid[best], {grid[i]: ndcg for i, ndcg in sorted(tried.items())}


def choose(interactions: pd.DataFrame) -> dict:
    """:func:`choose_l2` as a run's metrics record it: ``l2`` and the ``validation_ndcg@10`` of each value
    tried."""
    l2, tried = choose_l2(interactions)
    log.info("fold-in: l2=%g chosen on held-out users (ndcg@10 %s)", l2, {k: round(v, 4) for k, v in tried.items()})
    return {"l2": l2, "validation_ndcg@10": {f"{k:g}": v for k, v in tried.items()}}


def _strongest(b: np.ndarray, k: int) -> sp.csr_matrix:
    """Each row's ``k`` largest weights of the dense ``b`` (the rest dropped), in row batches."""
    k = min(k, b.shape[1])
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

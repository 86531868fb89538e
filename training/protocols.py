"""The two evaluation protocols and the paired comparison of models.

A (warm): each user's positives sorted by time, the newest 20% held out (see
:func:`training.split.temporal_split`); everything the user rated before their first
test positive is excluded from the ranking.

B (cold start): users split into seeded folds; a fold's users are held out entirely,
the models learn from the other users only and see just the held-out users'
demographics; all their positives are the test. Because the choice of held-out users
moves the numbers more than models differ, models are compared per user, with a
paired bootstrap interval of the NDCG@10 difference.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from training import evaluate
from training.candidates import Candidate
from training.config import SEED
from training.features import Features
from training.split import positives, temporal_split

log = logging.getLogger(__name__)
N_FOLDS = 5
N_BOOTSTRAP = 1000


@dataclass
class EvalSet:
    """What a model learns from and how it is judged, as (users x items) matrices."""

    train: sp.csr_matrix
    test: sp.csr_matrix
    exclude: sp.csr_matrix
    cold: bool = False  # protocol B: the test users are new, known only by their demographics

    @property
    def test_rows(self) -> np.ndarray:
        """Rows (users) with at least one test positive: the users the set is judged on."""
        return np.flatnonzero(np.diff(self.test.indptr))


def warm_set(features: Features, interactions: pd.DataFrame) -> EvalSet:
    """Protocol A's matrices."""
    split = temporal_split(interactions)
    train = features.interaction_matrix(split.train).tocsr()
    return EvalSet(train=train, test=features.interaction_matrix(split.test).tocsr(),
                   exclude=(features.interaction_matrix(split.exclude) + train).tocsr())


def cold_folds(features: Features, interactions: pd.DataFrame, n_folds: int = N_FOLDS,
               seed: int = SEED) -> list[EvalSet]:
    """Protocol B's matrices, one per fold of users (seeded)."""
    pos = features.interaction_matrix(positives(interactions)).tocsr()
    order = np.random.default_rng(seed).permutation(pos.shape[0])
    folds = []
    for held_out in np.array_split(order, n_folds):
        mask = np.zeros(pos.shape[0], dtype=bool)
        mask[held_out] = True
        keep = sp.diags((~mask).astype(np.float32))
        folds.append(EvalSet(train=(keep @ pos).tocsr(), test=(sp.diags(mask.astype(np.float32)) @ pos).tocsr(),
                             exclude=sp.csr_matrix(pos.shape, dtype=np.float32), cold=True))
    return folds


@dataclass
class ProtocolResult:
    """Mean metrics per model, per-user NDCG@10 (user row -> value) for paired comparisons, and the
    seconds each model took to fit and score over all sets."""

    metrics: dict[str, dict[str, float]]
    per_user_ndcg: dict[str, pd.Series]
    seconds: dict[str, float] = field(default_factory=dict)


def set_scores(candidate: Candidate, eval_set: EvalSet, users: pd.DataFrame) -> np.ndarray:
    """Fit ``candidate`` on the set's train matrix; scores of the set's test rows (new users from their
    demographics only)."""
    candidate.fit(eval_set.train)
    rows = eval_set.test_rows
    if eval_set.cold:
        return candidate.score_new(users.iloc[rows])
    return candidate.score(rows)


def run_protocol(sets: list[EvalSet], candidates: dict[str, Candidate], users: pd.DataFrame) -> ProtocolResult:
    """Fit and evaluate every candidate on every set; metrics are means over the sets (folds).

    ``users`` holds the demographics of the matrix rows, in row order.
    """
    metrics, per_user, seconds = {}, {}, {}
    for name, candidate in candidates.items():
        fold_metrics, fold_ndcg = [], []
        started = time.perf_counter()
        for i, eval_set in enumerate(sets, 1):
            rows = eval_set.test_rows
            scores = set_scores(candidate, eval_set, users)
            test, exclude = eval_set.test[rows], eval_set.exclude[rows]
            fold_metrics.append(evaluate.evaluate(scores, test, exclude))
            evaluated, values, _ = evaluate.per_user_metrics(scores, test, exclude, ks=(10,))
            fold_ndcg.append(pd.Series(values["ndcg@10"], index=rows[evaluated]))
            if len(sets) > 1:
                log.info("%s: fold %d/%d ndcg@10=%.4f", name, i, len(sets), fold_metrics[-1]["ndcg@10"])
        metrics[name] = {k: float(np.mean([m[k] for m in fold_metrics])) for k in fold_metrics[0]}
        metrics[name]["n_test_users"] = int(sum(m["n_test_users"] for m in fold_metrics))
        per_user[name] = pd.concat(fold_ndcg)
        seconds[name] = time.perf_counter() - started
        log.info("%-28s ndcg@10=%.4f (%.1fs)", name, metrics[name]["ndcg@10"], seconds[name])
    return ProtocolResult(metrics, per_user, seconds)


def paired_bootstrap(a: pd.Series, b: pd.Series, n_boot: int = N_BOOTSTRAP, seed: int = SEED) -> dict[str, float]:
    """Mean per-user difference a - b with its bootstrap 95% interval (users resampled, pairs kept)."""
    diff = (a - b.reindex(a.index)).to_numpy()
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(n_boot, len(diff)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean_diff": float(diff.mean()), "ci_low": float(low), "ci_high": float(high),
            "clear": bool(low > 0)}

"""The two evaluation protocols and the paired comparison of models.

A (warm): each user's positives sorted by time, the newest 20% held out (see
:func:`training.split.temporal_split`); everything the user rated before their first
test positive is excluded from the ranking.

B (cold start): users split into seeded folds; a fold's users are held out entirely,
the models learn from the other users only and see just the held-out users'
demographics; all their positives are the test. Folds are judged until enough users are
(:data:`training.config.MAX_COLD_USERS`): all five on a small audience, two on a larger one, and one
when a fold alone holds that many. Because the choice of held-out users moves the numbers
more than models differ, models are compared per user, with a paired bootstrap interval of
the NDCG@10 difference.

Both are judged in batches of users, on a seeded sample of at most ``max_users`` test users
(:data:`training.config.MAX_EVAL_USERS`) when there are more: each metric then carries its
95% interval (``<metric>_ci95``).
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
from training.config import MAX_COLD_USERS, MAX_EVAL_USERS, SEED
from training.features import Features
from training.memory import StepPeak
from training.split import Split, known_before_test, positives, recency_positions, temporal_split

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
    recency: sp.csr_matrix | None = None  # train's entries numbered from each user's newest (1 = newest)
    max_users: int | None = MAX_EVAL_USERS  # judged on a seeded sample of this many test users at most

    @property
    def test_rows(self) -> np.ndarray:
        """Rows (users) with at least one test positive, sampled down to ``max_users``: the users the set is
        judged on."""
        return evaluate.sample_rows(np.flatnonzero(np.diff(self.test.indptr)), self.max_users)


def warm_set(features: Features, interactions: pd.DataFrame, max_users: int | None = MAX_EVAL_USERS) -> EvalSet:
    """Protocol A's matrices."""
    return _temporal_set(features, temporal_split(interactions), max_users)


def validation_set(features: Features, interactions: pd.DataFrame,
                   max_users: int | None = MAX_EVAL_USERS) -> EvalSet:
    """The validation split models are chosen and tuned on: protocol A's rule applied to what protocol A's
    models may know (its test never enters it), one step earlier."""
    return _temporal_set(features, temporal_split(known_before_test(interactions, temporal_split(interactions))),
                         max_users)


def recency_matrix(features: Features, pairs: pd.DataFrame) -> sp.csr_matrix:
    """The (user_id, movie_id, rated_at) pairs as a matrix of positions from each user's newest (1 = newest)."""
    return features.interaction_matrix(pairs, recency_positions(pairs)).tocsr()


def _temporal_set(features: Features, split: Split, max_users: int | None) -> EvalSet:
    train = features.interaction_matrix(split.train).tocsr()
    return EvalSet(train=train, test=features.interaction_matrix(split.test).tocsr(),
                   exclude=(features.interaction_matrix(split.exclude) + train).tocsr(),
                   recency=recency_matrix(features, split.train), max_users=max_users)


def cold_folds(features: Features, interactions: pd.DataFrame, n_folds: int = N_FOLDS, seed: int = SEED,
               max_users: int | None = MAX_COLD_USERS) -> list[EvalSet]:
    """Protocol B's matrices, one per fold of users (seeded). Every model is fitted once per fold, so only
    as many folds are judged as reach ``max_users`` held-out users, and together they are
    judged on ``max_users`` users at most: on a small audience all five folds, on a larger one two, and
    one when a fold alone holds ``max_users`` users (each fold fits every cold-start model once more)."""
    pos = features.interaction_matrix(positives(interactions)).tocsr()
    order = np.random.default_rng(seed).permutation(pos.shape[0])
    held_out_folds = np.array_split(order, n_folds)
    if max_users is not None:
        judged = min(n_folds, max(1, -(-max_users // max(len(held_out_folds[0]), 1))))
        held_out_folds = held_out_folds[:judged]
    folds = []
    for held_out in held_out_folds:
        mask = np.zeros(pos.shape[0], dtype=bool)
        mask[held_out] = True
        keep = sp.diags((~mask).astype(np.float32))
        folds.append(EvalSet(train=(keep @ pos).tocsr(), test=(sp.diags(mask.astype(np.float32)) @ pos).tocsr(),
                             exclude=sp.csr_matrix(pos.shape, dtype=np.float32), cold=True,
                             max_users=None if max_users is None else max_users // len(held_out_folds)))
    return folds


@dataclass
class ProtocolResult:
    """Mean metrics per model, per-user NDCG@10 (user row -> value) for paired comparisons, the
    seconds and peak resident memory (MB) each model took to fit and score over all sets, and the settings
    tuning chose."""

    metrics: dict[str, dict[str, float]]
    per_user_ndcg: dict[str, pd.Series]
    seconds: dict[str, float] = field(default_factory=dict)
    peak_mb: dict[str, float] = field(default_factory=dict)
    settings: dict[str, dict] = field(default_factory=dict)
    partial: "ProtocolResult | None" = None  # the cold sets again, the new users giving partial answers


def set_scorer(candidate: Candidate, eval_set: EvalSet, users: pd.DataFrame) -> evaluate.Scorer:
    """``candidate`` fitted on the set's train matrix, as a function of rows: its scores of known users, or
    of new users from their demographics only (cold sets)."""
    candidate.fit_once(eval_set.train, eval_set.recency)
    if eval_set.cold:
        return lambda rows: candidate.score_new(users.iloc[rows])
    return candidate.score


class _Judged:
    """One model's results over the sets: per-user metrics, catalogue coverage per set."""

    def __init__(self):
        self.values, self.coverage, self.ndcg = [], [], []

    def add(self, score: evaluate.Scorer, eval_set: EvalSet) -> float:
        rows = eval_set.test_rows
        values, recs = evaluate.evaluate_rows(score, rows, eval_set.test, eval_set.exclude)
        self.values.append(values)
        self.coverage.append(evaluate.coverage(recs, eval_set.test.shape[1]))
        self.ndcg.append(pd.Series(values["ndcg@10"], index=rows))
        return float(values["ndcg@10"].mean())

    def mean(self) -> dict[str, float]:
        """Metrics over all the sets' users (the folds have equal sizes), coverage averaged over the sets."""
        pooled = {k: np.concatenate([v[k] for v in self.values]) for k in self.values[0]}
        return {**evaluate.means(pooled), **pd.DataFrame(self.coverage).mean().to_dict(),
                "n_test_users": len(pooled["ndcg@10"])}


def run_protocol(sets: list[EvalSet], candidates: dict[str, Candidate], users: pd.DataFrame,
                 tune: bool = False, partial_users: pd.DataFrame | None = None) -> ProtocolResult:
    """Fit and evaluate every candidate on every set; metrics are means over the sets (folds).

    ``users`` holds the demographics of the matrix rows, in row order. With ``tune`` (the validation
    set), each candidate chooses its settings on the set before it is judged; they stay for later fits.
    With ``partial_users`` (cold sets), each fitted model is also judged on the new users' partial
    answers (``result.partial``).
    """
    metrics, per_user, seconds, peak_mb, settings = {}, {}, {}, {}, {}
    partial = ProtocolResult({}, {}) if partial_users is not None else None
    for name, candidate in candidates.items():
        judged, judged_partial = _Judged(), _Judged()
        started = time.perf_counter()
        with StepPeak() as peak:
            for i, eval_set in enumerate(sets, 1):
                if tune:
                    settings[name] = candidate.fit_tuned(eval_set.train, eval_set.recency, eval_set.test_rows,
                                                         eval_set.test, eval_set.exclude)
                ndcg = judged.add(set_scorer(candidate, eval_set, users), eval_set)
                if partial is not None:
                    judged_partial.add(set_scorer(candidate, eval_set, partial_users), eval_set)
                if len(sets) > 1:
                    log.info("%s: fold %d/%d ndcg@10=%.4f", name, i, len(sets), ndcg)
        metrics[name], per_user[name] = judged.mean(), pd.concat(judged.ndcg)
        if partial is not None:
            partial.metrics[name], partial.per_user_ndcg[name] = judged_partial.mean(), pd.concat(judged_partial.ndcg)
        seconds[name], peak_mb[name] = time.perf_counter() - started, peak.mb
        log.info("%-28s ndcg@10=%.4f (%.1fs)", name, metrics[name]["ndcg@10"], seconds[name])
    return ProtocolResult(metrics, per_user, seconds, peak_mb, settings, partial)


def paired_bootstrap(a: pd.Series, b: pd.Series, n_boot: int = N_BOOTSTRAP, seed: int = SEED) -> dict[str, float]:
    """Mean per-user difference a - b with its bootstrap 95% interval (users resampled, pairs kept)."""
    diff = (a - b.reindex(a.index)).to_numpy()
    rng = np.random.default_rng(seed)
    chunk = max(1, 10_000_000 // max(len(diff), 1))  # resamples drawn at once: memory stays ~80 MB
    means = np.concatenate([diff[rng.integers(0, len(diff), size=(min(chunk, n_boot - done), len(diff)))].mean(axis=1)
                            for done in range(0, n_boot, chunk)])
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean_diff": float(diff.mean()), "ci_low": float(low), "ci_high": float(high),
            "clear": bool(low > 0)}

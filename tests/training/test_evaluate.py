"""Metric functions against hand-computed values."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from training.evaluate import (evaluate, evaluate_rows, hit_matrix, per_user_metrics, ranking_metrics, sample_rows,
                               summary, top_k)


def _metrics(recs: list[list[int]], relevant: list[set], n_items: int, k: int) -> dict[str, np.ndarray]:
    test = sp.csr_matrix([[1 if i in r else 0 for i in range(n_items)] for r in relevant])
    return ranking_metrics(hit_matrix(np.array(recs), test), np.array([len(r) for r in relevant]), k)


def test_metrics_hand_computed():
    # user 0: hits at ranks 1 and 3 of 5, two relevant; user 1: one hit at rank 5
    m = _metrics([[1, 2, 3, 4, 5], [5, 6, 7, 8, 9]], [{1, 3}, {9}], n_items=10, k=5)
    assert m["precision"].tolist() == [0.4, 0.2]
    assert m["recall"].tolist() == [1.0, 1.0]
    assert m["ndcg"] == pytest.approx([(1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3)), 1 / math.log2(6)])
    assert m["map"] == pytest.approx([(1 / 1 + 2 / 3) / 2, (1 / 5) / 1])
    assert m["mrr"] == pytest.approx([1.0, 0.2])
    assert m["hit_rate"].tolist() == [1.0, 1.0]


def test_metrics_without_a_hit_and_with_more_relevant_than_k():
    # three relevant, k = 2: recall divides by 3, the ideal DCG and AP by min(k, 3) = 2
    m = _metrics([[4, 1], [6, 7]], [{1, 2, 3}, {0}], n_items=8, k=2)
    assert m["recall"] == pytest.approx([1 / 3, 0.0])
    assert m["ndcg"] == pytest.approx([(1 / math.log2(3)) / (1 + 1 / math.log2(3)), 0.0])
    assert m["map"] == pytest.approx([(1 / 2) / 2, 0.0])
    assert m["mrr"] == pytest.approx([0.5, 0.0])
    assert m["hit_rate"].tolist() == [1.0, 0.0]


def test_top_k_orders_best_first_and_never_returns_excluded():
    scores = np.array([[0.1, 0.9, 0.5, 0.7], [1.0, 0.0, 0.2, 0.3]])
    exclude = sp.csr_matrix(np.array([[0, 1, 0, 0], [1, 0, 0, 0]]))
    assert top_k(scores, 2, exclude).tolist() == [[3, 2], [3, 2]]
    assert top_k(scores, 2).tolist() == [[1, 3], [0, 3]]


def test_evaluate_averages_over_users_with_test_items_and_measures_coverage():
    scores = np.array([[0.9, 0.8, 0.1], [0.9, 0.8, 0.1], [0.1, 0.2, 0.3]])
    test = sp.csr_matrix(np.array([[1, 0, 0], [0, 0, 1], [0, 0, 0]]))
    exclude = sp.csr_matrix(np.array([[0, 0, 0], [1, 0, 0], [0, 0, 0]]))
    m = evaluate(scores, test, exclude, ks=(1, 2))
    assert m["n_test_users"] == 2
    assert m["precision@1"] == 0.5 and m["ndcg@1"] == 0.5 and m["hit_rate@1"] == 0.5
    assert m["recall@2"] == 1.0 and m["mrr@2"] == 0.75  # user 1 finds its item at rank 2
    assert m["coverage@1"] == pytest.approx(2 / 3)  # user 0 gets item 0, user 1 item 1 (item 0 excluded)
    assert m["coverage@2"] == pytest.approx(1.0)


def _random_case(n_users=300, n_items=40, seed=0):
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random((n_users, n_items)), 1)  # rounded: many ties, which batches must break alike
    test = sp.random(n_users, n_items, density=0.08, random_state=seed, format="csr")
    exclude = sp.random(n_users, n_items, density=0.1, random_state=seed + 1, format="csr")
    return scores, test, exclude


@pytest.mark.parametrize("batch", [1, 7, 64, 10_000])
def test_batched_evaluation_gives_the_full_computations_metrics(batch):
    scores, test, exclude = _random_case()
    full = evaluate(scores, test, exclude)
    rows = np.flatnonzero(np.diff(test.indptr))
    scored = []

    def score(part):
        scored.append(len(part))
        return scores[part]

    values, recs = evaluate_rows(score, rows, test, exclude, batch=batch)
    assert summary(values, recs, scores.shape[1]) == full
    assert max(scored) <= batch  # never more than a batch of users scored at once


def test_a_sample_of_users_is_seeded_sorted_and_only_taken_when_there_are_more():
    rows = np.arange(0, 1000, 3)
    assert sample_rows(rows, None) is rows and sample_rows(rows, 400) is rows
    sample = sample_rows(rows, 50)
    assert len(sample) == 50 and set(sample) <= set(rows) and (np.diff(sample) > 0).all()
    assert (sample_rows(rows, 50) == sample).all() and not (sample_rows(rows, 50, seed=1) == sample).all()


def test_every_averaged_metric_carries_its_95_percent_interval():
    scores, test, exclude = _random_case(n_users=2000, seed=3)
    m = evaluate(scores, test, exclude, ks=(10,))
    _, values, _ = per_user_metrics(scores, test, exclude, ks=(10,))
    ndcg = values["ndcg@10"]
    assert m["ndcg@10_ci95"] == pytest.approx(1.96 * ndcg.std(ddof=1) / math.sqrt(len(ndcg)))
    assert {f"{name}@10_ci95" for name in ("precision", "recall", "map", "mrr", "hit_rate")} <= set(m)
    assert 0 < m["ndcg@10_ci95"] < m["ndcg@10"]

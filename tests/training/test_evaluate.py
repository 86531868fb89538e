"""Metric functions against hand-computed values."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from training.evaluate import evaluate, hit_matrix, ranking_metrics, top_k


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

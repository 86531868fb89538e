"""Metric functions against hand-computed values."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from training.evaluate import evaluate, ndcg_at_k, precision_at_k, top_k


def test_precision_counts_hits_in_the_top_k():
    assert precision_at_k(np.array([5, 1, 7, 3]), {1, 3, 9}, k=4) == 0.5
    assert precision_at_k(np.array([5, 1, 7, 3]), {1, 3, 9}, k=2) == 0.5


def test_ndcg_hand_computed():
    # hits at ranks 2 and 4 (1-based); ideal puts min(k, 3) = 3 hits first
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(np.array([5, 1, 7, 3]), {1, 3, 9}, k=4) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(np.array([1, 3]), {1, 3}, k=2) == pytest.approx(1.0)
    assert ndcg_at_k(np.array([4, 1]), {1}, k=2) == pytest.approx(1 / math.log2(3))
    assert ndcg_at_k(np.array([4, 5]), set(), k=2) == 0.0


def test_top_k_orders_best_first_and_never_returns_excluded():
    scores = np.array([[0.1, 0.9, 0.5, 0.7], [1.0, 0.0, 0.2, 0.3]])
    exclude = sp.csr_matrix(np.array([[0, 1, 0, 0], [1, 0, 0, 0]]))
    assert top_k(scores, 2, exclude).tolist() == [[3, 2], [3, 2]]
    assert top_k(scores, 2).tolist() == [[1, 3], [0, 3]]


def test_evaluate_averages_over_users_with_test_items_only():
    scores = np.array([[0.9, 0.8, 0.1], [0.9, 0.8, 0.1], [0.1, 0.2, 0.3]])
    test = sp.csr_matrix(np.array([[1, 0, 0], [0, 0, 1], [0, 0, 0]]))
    exclude = sp.csr_matrix(np.array([[0, 0, 0], [1, 0, 0], [0, 0, 0]]))
    m = evaluate(scores, test, exclude, k=1)
    assert m == {"precision@1": 0.5, "ndcg@1": 0.5, "n_test_users": 2}

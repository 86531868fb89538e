"""The gate's rules, on hand-written metrics."""
from __future__ import annotations

import pytest

from training.gate import GateRefused, check


def metrics(run_id: str, ours: float, popularity: float = 0.09, dataset: str = "ml-100k") -> dict:
    return {"run_id": run_id, "ds": "2026-01-01", "published_model": "lightfm_hybrid", "dataset": dataset,
            "protocols": {"A": {"lightfm_hybrid": {"ndcg@10": ours}, "global_pop": {"ndcg@10": popularity}}}}


def test_first_run_needs_only_to_beat_global_popularity():
    assert check(metrics("r1", 0.10), None) == {"ndcg@10": 0.10, "global_pop_ndcg@10": 0.09}
    with pytest.raises(GateRefused, match=r"ndcg@10=0\.0900 does not beat global popularity ndcg@10=0\.0900"):
        check(metrics("r1", 0.09), None)


def test_a_run_may_drop_at_most_five_percent_below_the_last_published():
    previous = metrics("r1", 0.20)
    assert check(metrics("r2", 0.19), previous)["last_published_ndcg@10"] == 0.20  # exactly 5% below: allowed
    with pytest.raises(GateRefused, match=r"ndcg@10=0\.1890 is more than 5% below the last published run r1 "
                                          r"\(0\.2000; floor 0\.1900\)"):
        check(metrics("r2", 0.189), previous)


def test_a_run_on_another_dataset_is_not_held_to_the_last_published_level():
    verdict = check(metrics("r2", 0.12, dataset="ml-1m"), metrics("r1", 0.20, dataset="ml-100k"))
    assert "not comparable" in verdict["last_published"]

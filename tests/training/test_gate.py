"""The gate's rules, on hand-written metrics: the chosen model against the best baseline of its own run,
and against the live configuration retrained in the same run."""
from __future__ import annotations

import pytest

from training.gate import GateRefused, check

BASELINES = ["global_pop", "implicit_als", "ease"]


def metrics(run_id: str, chosen: str = "blend(lightfm_hybrid+ease)", dataset: str = "ml-100k", **ndcg) -> dict:
    scores = {"global_pop": 0.09, "implicit_als": 0.15, "ease": 0.19, "lightfm_hybrid": 0.14,
              "blend(lightfm_hybrid+ease)": 0.20, **ndcg}
    return {"run_id": run_id, "ds": "2026-01-01", "published_model": chosen, "dataset": dataset,
            "baselines": BASELINES, "protocols": {"A": {n: {"ndcg@10": v} for n, v in scores.items()}}}


def test_a_first_run_publishes_when_its_model_is_not_below_any_baseline_of_the_run():
    assert check(metrics("r1"), None) == {"model": "blend(lightfm_hybrid+ease)", "ndcg@10": 0.20,
                                          "best_baseline": "ease", "best_baseline_ndcg@10": 0.19}
    assert check(metrics("r1", chosen="ease"), None)["best_baseline"] == "ease"  # a baseline may be the choice


def test_a_model_below_the_best_baseline_of_its_own_run_is_refused():
    with pytest.raises(GateRefused, match=r"lightfm_hybrid \(chosen on validation\) has protocol-A ndcg@10=0\.1400, "
                                          r"below the best baseline of this run, ease \(0\.1900\)"):
        check(metrics("r1", chosen="lightfm_hybrid"), None)
    with pytest.raises(GateRefused, match="implicit_als"):
        check(metrics("r1", chosen="ease", implicit_als=0.195), None)


def test_the_live_configuration_is_compared_as_retrained_and_tested_in_this_run():
    live = metrics("r1", **{"blend(lightfm_hybrid+ease)": 0.30})  # its own, older test set: never compared
    verdict = check(metrics("r2", chosen="ease", **{"blend(lightfm_hybrid+ease)": 0.199}), live)
    assert verdict["live_model"] == "blend(lightfm_hybrid+ease)" and verdict["live_model_ndcg@10_today"] == 0.199
    # validation chose EASE, but the live configuration scores more than 5% better on today's test: refused
    with pytest.raises(GateRefused, match=r"ease has protocol-A ndcg@10=0\.1900, more than 5% below the live run r1's "
                                          r"configuration blend\(lightfm_hybrid\+ease\) trained and tested in this "
                                          r"run \(0\.2100; floor 0\.1995\)"):
        check(metrics("r2", chosen="ease", **{"blend(lightfm_hybrid+ease)": 0.21}), live)


def test_a_live_run_on_another_dataset_or_with_a_model_this_run_lacks_is_not_comparable():
    other = check(metrics("r2", dataset="ml-1m"), metrics("r1"))
    assert "was trained on ml-100k: not comparable" in other["live"]
    gone = check(metrics("r2"), metrics("r1", chosen="retired_model"))
    assert "published retired_model, which this run does not train" in gone["live"]

"""The gate's rules, on hand-written metrics: the chosen model must not be worse than any baseline of its own
run (clearly worse: paired interval below zero; or, with the rule ``below``, any lower score), nor clearly
worse than the live configuration retrained in the same run."""
from __future__ import annotations

import pytest

from training.gate import GateRefused, check

BLEND = "blend(lightfm_hybrid+ease)"
SCORES = {"global_pop": 0.09, "implicit_als": 0.15, "ease": 0.19, "lightfm_hybrid": 0.14, BLEND: 0.20}
NOISE = {"mean_diff": -0.01, "ci_low": -0.03, "ci_high": 0.01}  # below on average, but within the noise


def metrics(run_id: str, chosen: str = BLEND, dataset: str = "ml-100k", clearly_below: tuple[str, ...] = ()) -> dict:
    """A run's metrics; ``clearly_below`` lists the models the chosen one is clearly worse than."""
    paired = {name: {"mean_diff": -0.05, "ci_low": -0.07, "ci_high": -0.03} if name in clearly_below else
              {"mean_diff": SCORES[chosen] - v, "ci_low": SCORES[chosen] - v - 0.02, "ci_high": SCORES[chosen] - v + 0.02}
              for name, v in SCORES.items() if name != chosen}
    return {"run_id": run_id, "ds": "2026-01-01", "published_model": chosen, "dataset": dataset,
            "baselines": ["global_pop", "implicit_als", "ease"],
            "protocols": {"A": {n: {"ndcg@10": v} for n, v in SCORES.items()}}, "paired_a": paired}


def test_a_first_run_publishes_when_its_model_is_not_clearly_below_any_baseline_of_the_run():
    verdict = check(metrics("r1"), None)
    assert verdict["model"] == BLEND and verdict["best_rival"] == "ease" and verdict["live"] == "none (first publish)"
    noisy = metrics("r1", chosen="implicit_als")
    noisy["paired_a"]["ease"] = NOISE  # 0.04 lower, but the interval holds zero: the users' luck
    assert check(noisy, None)["best_rival"] == "ease"


def test_a_model_clearly_below_a_baseline_of_its_own_run_is_refused_naming_the_numbers():
    with pytest.raises(GateRefused, match=r"lightfm_hybrid \(chosen on validation\) has protocol-A ndcg@10=0\.1400, "
                                          r"clearly below ease \(0\.1900\), a baseline of this run: per-user "
                                          r"difference -0\.0500, 95% interval \[-0\.0700, -0\.0300\]"):
        check(metrics("r1", chosen="lightfm_hybrid", clearly_below=("implicit_als", "ease")), None)


def test_the_rule_below_refuses_any_lower_score_than_a_baseline_even_within_the_noise():
    noisy = metrics("r1", chosen="implicit_als")
    noisy["paired_a"]["ease"] = NOISE
    with pytest.raises(GateRefused, match=r"implicit_als .* ndcg@10=0\.1500, below ease \(0\.1900\), a baseline "
                                          r"of this run: .* \(gate rule below\)"):
        check(noisy, None, rule="below")
    assert check(metrics("r1"), None, rule="below")["best_rival"] == "ease"  # the blend scores above every one
    with pytest.raises(ValueError, match="not one of"):
        check(metrics("r1"), None, rule="lenient")


def test_the_live_configuration_is_compared_as_retrained_and_tested_in_this_run():
    live = metrics("r1")  # its own numbers, on its own older test set, are never used
    assert check(metrics("r2", chosen="ease"), live)["live"] == f"r1 ({BLEND})"
    noisy = metrics("r2", chosen="ease")
    noisy["paired_a"][BLEND] = NOISE  # lower than the live configuration, within the noise: publishes
    assert check(noisy, live, rule="below")["best_rival"] == BLEND  # whatever the baselines' rule
    with pytest.raises(GateRefused, match=r"ease \(chosen on validation\) has protocol-A ndcg@10=0\.1900, clearly below "
                                          r"blend\(lightfm_hybrid\+ease\) \(0\.2000\), the live run r1's configuration, "
                                          r"trained and tested in this run"):
        check(metrics("r2", chosen="ease", clearly_below=(BLEND,)), live)


def test_a_live_run_on_another_dataset_or_with_a_model_this_run_lacks_is_not_compared():
    other = check(metrics("r2", chosen="ease", dataset="ml-1m", clearly_below=(BLEND,)), metrics("r1"))
    assert other["live"] == "r1 was trained on ml-100k: not comparable"
    gone = metrics("r1")
    gone["published_model"] = "retired_model"
    assert "published retired_model, which this run does not train" in check(metrics("r2"), gone)["live"]

"""The quality gate: publish the run's warm model only when, on protocol A's test of this very run,
it is not clearly worse than

1. any baseline of the run (every simple peer: popularity, segment popularity, naive Bayes, ALS,
   item-kNN, EASE), nor
2. the live run's configuration (the model the live run published), trained and tested again in
   this run on today's data.

"Clearly worse" means the paired bootstrap 95% interval of the per-user NDCG@10 difference lies
entirely below zero. A point difference inside the interval is the luck of which users are in the
test; refusing on it would stop daily publishing on small data for nothing. Scores of older runs
are never compared: they were measured on other test sets.
"""
from __future__ import annotations

METRIC = "ndcg@10"


class GateRefused(Exception):
    """The run's model must not be published; the message names the numbers."""


def warm_score(metrics: dict, model: str | None = None) -> float:
    """Protocol A NDCG@10 of ``model`` (default: the run's warm model) in a run's metrics."""
    return metrics["protocols"]["A"][model or metrics["published_model"]][METRIC]


def _rivals(metrics: dict, live: dict | None) -> tuple[dict[str, str], str]:
    """The models the choice must not be clearly worse than, with what each is; and what became of the live run."""
    rivals = {name: "a baseline of this run" for name in metrics["baselines"]}
    if live is None:
        return rivals, "none (first publish)"
    live_model = live["published_model"]
    if live.get("dataset") != metrics.get("dataset"):
        return rivals, f"{live['run_id']} was trained on {live.get('dataset')}: not comparable"
    if live_model not in metrics["protocols"]["A"]:
        return rivals, f"{live['run_id']} published {live_model}, which this run does not train: not comparable"
    rivals[live_model] = f"the live run {live['run_id']}'s configuration, trained and tested in this run"
    return rivals, f"{live['run_id']} ({live_model})"


def check(metrics: dict, live: dict | None) -> dict:
    """Raise :class:`GateRefused` unless the run may publish; ``live`` is the live run's metrics (its
    configuration is compared as retrained in this run, and only for the same dataset)."""
    chosen, ours = metrics["published_model"], warm_score(metrics)
    rivals, live_note = _rivals(metrics, live)
    rivals.pop(chosen, None)
    paired = metrics["paired_a"]  # chosen - model, per user
    worse = [name for name in rivals if paired[name]["ci_high"] < 0]
    if worse:
        name = max(worse, key=lambda n: warm_score(metrics, n))
        p = paired[name]
        raise GateRefused(f"{chosen} (chosen on validation) has protocol-A {METRIC}={ours:.4f}, clearly below {name} "
                          f"({warm_score(metrics, name):.4f}), {rivals[name]}: per-user difference {p['mean_diff']:+.4f}, "
                          f"95% interval [{p['ci_low']:+.4f}, {p['ci_high']:+.4f}] on the same test set")
    best = max(rivals, key=lambda n: warm_score(metrics, n)) if rivals else chosen
    return {"model": chosen, METRIC: ours, "best_rival": best, f"best_rival_{METRIC}": warm_score(metrics, best),
            "best_rival_difference": paired.get(best), "live": live_note}

"""The quality gate: publish the run's warm model only when, on protocol A's test of this very run,
it is not worse than

1. any baseline of the run (every simple peer: popularity, segment popularity, naive Bayes, ALS,
   item-kNN, EASE), nor
2. the live run's configuration (the model the live run published), trained and tested again in
   this run on today's data: the regression guard.

Two rules say what "worse" is. ``clearly_below`` (the default): the paired bootstrap 95% interval
of the per-user NDCG@10 difference lies entirely below zero; a point difference inside the interval
is the luck of which users are in the test, and refusing on it stops daily publishing on small data
for nothing (seen on the bundled sample's 120 users when validation picked the best point score:
segment popularity served, naive Bayes scored 0.018 more on the test, interval [-0.042, +0.006]).
``below``: any lower point score against a baseline refuses, so what is published never scores
below a simple peer of its run; the live configuration is still judged by the interval. Scores of
older runs are never compared: they were measured on other test sets.
"""
from __future__ import annotations

METRIC = "ndcg@10"
RULES = ("clearly_below", "below")


class GateRefused(Exception):
    """The run's model must not be published; the message names the numbers."""


def warm_score(metrics: dict, model: str | None = None) -> float:
    """Protocol A NDCG@10 of ``model`` (default: the run's warm model) in a run's metrics."""
    return metrics["protocols"]["A"][model or metrics["published_model"]][METRIC]


def live_configuration(live: dict | None, dataset: str) -> str | None:
    """The model the live run (its metrics) published, when it was trained on ``dataset``: the
    configuration a run of that dataset keeps unless validation clearly prefers another."""
    return live["published_model"] if live and live.get("dataset") == dataset else None


def _live_configuration(metrics: dict, live: dict | None) -> tuple[str | None, str]:
    """The live run's model as retrained in this run (None when not comparable), and what became of it."""
    if live is None:
        return None, "none (first publish)"
    live_model = live_configuration(live, metrics.get("dataset"))
    if live_model is None:
        return None, f"{live['run_id']} was trained on {live.get('dataset')}: not comparable"
    if live_model not in metrics["protocols"]["A"]:
        return None, f"{live['run_id']} published {live_model}, which this run does not train: not comparable"
    return live_model, f"{live['run_id']} ({live_model})"


def _interval(p: dict) -> str:
    return f"per-user difference {p['mean_diff']:+.4f}, 95% interval [{p['ci_low']:+.4f}, {p['ci_high']:+.4f}]"


def _worse(rule: str, ours: float, theirs: float, paired: dict) -> bool:
    return theirs > ours if rule == "below" else paired["ci_high"] < 0


def check(metrics: dict, live: dict | None, rule: str = "clearly_below") -> dict:
    """Raise :class:`GateRefused` unless the run may publish; ``live`` is the live run's metrics (its
    configuration is compared as retrained in this run, and only for the same dataset); ``rule`` is one of
    :data:`RULES` for the baselines (the live configuration is always judged by the interval)."""
    if rule not in RULES:
        raise ValueError(f"gate rule {rule!r} is not one of {RULES}")
    chosen, ours = metrics["published_model"], warm_score(metrics)
    paired = metrics["paired_a"]  # chosen - model, per user
    baselines = [name for name in metrics["baselines"] if name != chosen]
    worse = [name for name in baselines if _worse(rule, ours, warm_score(metrics, name), paired[name])]
    if worse:
        name = max(worse, key=lambda n: warm_score(metrics, n))
        below = "below" if rule == "below" else "clearly below"
        raise GateRefused(f"{chosen} (chosen on validation) has protocol-A {METRIC}={ours:.4f}, {below} {name} "
                          f"({warm_score(metrics, name):.4f}), a baseline of this run: {_interval(paired[name])} "
                          f"on the same test set (gate rule {rule})")
    live_model, live_note = _live_configuration(metrics, live)
    if live_model and live_model != chosen and paired[live_model]["ci_high"] < 0:
        raise GateRefused(f"{chosen} (chosen on validation) has protocol-A {METRIC}={ours:.4f}, clearly below "
                          f"{live_model} ({warm_score(metrics, live_model):.4f}), the live run {live['run_id']}'s "
                          f"configuration, trained and tested in this run: {_interval(paired[live_model])} on the "
                          f"same test set")
    rivals = baselines + ([live_model] if live_model and live_model != chosen else [])
    best = max(rivals, key=lambda n: warm_score(metrics, n)) if rivals else chosen
    return {"model": chosen, METRIC: ours, "rule": rule, "best_rival": best,
            f"best_rival_{METRIC}": warm_score(metrics, best), "best_rival_difference": paired.get(best),
            "live": live_note}

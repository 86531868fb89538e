"""The quality gate: publish only the run's warm model when, on protocol A's test of this very run,

1. it is not below the best baseline of the run (every simple peer: popularity, segment popularity,
   naive Bayes, ALS, item-kNN, EASE), and
2. it is not more than ``MAX_DROP`` below the live run's configuration (the model the live run
   published), trained and tested again in this run on today's data.

Both compare numbers measured on the same split of the same data: a score from an older run is
never compared, because its test set was a different one.
"""
from __future__ import annotations

METRIC = "ndcg@10"
MAX_DROP = 0.05


class GateRefused(Exception):
    """The run's model must not be published; the message names the numbers."""


def warm_score(metrics: dict, model: str | None = None) -> float:
    """Protocol A NDCG@10 of ``model`` (default: the run's warm model) in a run's metrics."""
    return metrics["protocols"]["A"][model or metrics["published_model"]][METRIC]


def check(metrics: dict, live: dict | None) -> dict:
    """Raise :class:`GateRefused` unless the run may publish; ``live`` is the live run's metrics (its
    configuration is compared as retrained in this run, and only for the same dataset)."""
    chosen, ours = metrics["published_model"], warm_score(metrics)
    peers = {name: warm_score(metrics, name) for name in metrics["baselines"]}
    best_peer = max(peers, key=peers.get)
    if ours < peers[best_peer]:
        raise GateRefused(f"{chosen} (chosen on validation) has protocol-A {METRIC}={ours:.4f}, below the best "
                          f"baseline of this run, {best_peer} ({peers[best_peer]:.4f}), on the same test set")
    verdict = {"model": chosen, METRIC: ours, "best_baseline": best_peer, f"best_baseline_{METRIC}": peers[best_peer]}
    if live is None:
        return verdict
    live_model = live["published_model"]
    if live.get("dataset") != metrics.get("dataset"):
        verdict["live"] = f"{live['run_id']} was trained on {live.get('dataset')}: not comparable"
    elif live_model not in metrics["protocols"]["A"]:
        verdict["live"] = f"{live['run_id']} published {live_model}, which this run does not train: not comparable"
    else:
        floor = (1 - MAX_DROP) * warm_score(metrics, live_model)
        if ours < floor:
            raise GateRefused(f"{chosen} has protocol-A {METRIC}={ours:.4f}, more than {MAX_DROP:.0%} below the live "
                              f"run {live['run_id']}'s configuration {live_model} trained and tested in this run "
                              f"({warm_score(metrics, live_model):.4f}; floor {floor:.4f})")
        verdict.update({"live": live["run_id"], "live_model": live_model,
                        f"live_model_{METRIC}_today": warm_score(metrics, live_model)})
    return verdict

"""The quality gate: publish only a model that beats global popularity on protocol A
and does not fall more than ``MAX_DROP`` below the last published model."""
from __future__ import annotations

METRIC = "ndcg@10"
MAX_DROP = 0.05


class GateRefused(Exception):
    """The run's model must not be published; the message names the numbers."""


def warm_score(metrics: dict, model: str | None = None) -> float:
    """Protocol A NDCG@10 of ``model`` (default: the run's published model) in a run's metrics."""
    return metrics["protocols"]["A"][model or metrics["published_model"]][METRIC]


def check(metrics: dict, previous: dict | None) -> dict:
    """Raise :class:`GateRefused` unless the run may publish; ``previous`` is the last published run's metrics
    (compared only when it was trained on the same dataset)."""
    ours, baseline = warm_score(metrics), warm_score(metrics, "global_pop")
    if not ours > baseline:
        raise GateRefused(f"{metrics['published_model']} {METRIC}={ours:.4f} does not beat global popularity "
                          f"{METRIC}={baseline:.4f} (protocol A)")
    verdict = {METRIC: ours, f"global_pop_{METRIC}": baseline}
    if previous is not None and previous.get("dataset") != metrics.get("dataset"):
        verdict["last_published"] = f"{previous['run_id']} was trained on {previous.get('dataset')}: not comparable"
    elif previous is not None:
        floor = (1 - MAX_DROP) * warm_score(previous)
        if ours < floor:
            raise GateRefused(f"{METRIC}={ours:.4f} is more than {MAX_DROP:.0%} below the last published run "
                              f"{previous['run_id']} ({warm_score(previous):.4f}; floor {floor:.4f})")
        verdict[f"last_published_{METRIC}"] = warm_score(previous)
    return verdict

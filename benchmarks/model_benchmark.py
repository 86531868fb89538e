"""Model benchmark: every model on protocol A (warm) and B (cold start) for a MovieLens-100K path.

    python benchmarks/model_benchmark.py --data ../shared/data/ml-100k

Prints a table per protocol (fit and score seconds, metrics at 10) and writes
benchmarks/results/model_benchmark_<name>/: metrics.json (every metric at 5, 10 and 25,
the paired bootstrap intervals of protocol B), report.md and its PNG plots, the same
report a model run stores in the registry.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

from benchmarks.ml100k import load_ml100k  # noqa: E402
from training import candidates, pipeline, protocols, report  # noqa: E402
from training.candidates import Candidate, LightFMModel, SegmentPopularity  # noqa: E402
from training.config import ModelParams  # noqa: E402
from training.features import build_features, identity_only  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
TARGET_LIFT = 1.10  # the published model must beat the best peer (ALS, EASE, LightFM CF) by 10% on protocol A
SHOWN = ("ndcg@10", "precision@10", "recall@10", "map@10", "mrr@10", "hit_rate@10", "coverage@10")


def _z(scores):
    scores = np.asarray(scores, dtype=np.float64)
    return (scores - scores.mean(axis=1, keepdims=True)) / (scores.std(axis=1, keepdims=True) + 1e-9)


class Ensemble(Candidate):
    """Per-user z-scores summed: LightFM with user identity + item genres/decade, and LightFM CF
    (64 components, learning rate 0.03, 50 epochs). Tried, not in production (README)."""

    name = "ensemble(uid+genres, cf)"

    def __init__(self, features):
        params = ModelParams(no_components=64, early_stopping=False)
        ident = identity_only(features)
        self.members = [LightFMModel(replace(features, user_features=ident.user_features), params),
                        LightFMModel(ident, replace(params, learning_rate=0.03, epochs=50))]

    def fit(self, interactions):
        for member in self.members:
            member.fit(interactions)
        return self

    def score(self, user_rows):
        return sum(_z(member.score(user_rows)) for member in self.members)


def benchmark(data_path: Path) -> dict:
    """Both protocols for every model, in the shape of a model run's metrics (see training.report)."""
    data = load_ml100k(data_path)
    features = build_features(data.users, data.items)
    users = pipeline.demographics(data, features)
    weighted = build_features(data.users, data.items, user_identity_weight=0.8, item_identity_weight=0.8)
    models = {
        **candidates.build(features, users, ModelParams()),
        "segment_pop(gender x age x occupation)": SegmentPopularity(
            users, [["gender", "age_bucket", "occupation"], ["gender", "age_bucket"], ["gender"]],
            name="segment_pop(gender x age x occupation)"),
        "lightfm_hybrid(identity weight 0.8)": LightFMModel(weighted, ModelParams(),
                                                            name="lightfm_hybrid(identity weight 0.8)"),
        # the peer as specified: 64 components, WARP, 30 epochs, no early stopping
        "lightfm_cf": LightFMModel(identity_only(features), ModelParams(no_components=64, early_stopping=False),
                                   name="lightfm_cf"),
        # tried, not in production: see README, "The model and its evaluation"
        "ensemble(uid+genres, cf)": Ensemble(features),
    }
    metrics = {"run_id": "benchmark", "dataset": data_path.resolve().name, "published_model": "lightfm_hybrid",
               "protocols": {}}
    for protocol, sets, run in (
            ("A", [protocols.warm_set(features, data.interactions)], models),
            ("B", protocols.cold_folds(features, data.interactions),
             {n: m for n, m in models.items() if m.serves_new_users})):
        result = protocols.run_protocol(sets, run, users)
        for name, m in result.metrics.items():
            m["fit_seconds"] = round(result.seconds[name] / len(sets), 2)
        metrics["protocols"][protocol] = result.metrics
    reference = max((n for n in run if n.startswith("segment_pop")), key=lambda n: result.metrics[n]["ndcg@10"])
    metrics["cold_start"] = pipeline.choose_cold_start(result.per_user_ndcg, reference=reference)
    metrics["segments_b"] = pipeline.per_segment(result.per_user_ndcg, users)
    return metrics


def table(metrics: dict[str, dict]) -> str:
    header = "| model | fit s | " + " | ".join(SHOWN) + " |"
    rows = [f"| {name} | {m['fit_seconds']:.1f} | " + " | ".join(f"{m[k]:.4f}" for k in SHOWN) + " |"
            for name, m in metrics.items()]
    return "\n".join([header, "|" + "---|" * (len(SHOWN) + 2), *rows])


def summary(metrics: dict) -> str:
    """The printed tables: fit time and metrics at 10 per model and protocol."""
    return "\n\n".join(f"Protocol {p}\n{table(models)}" for p, models in metrics["protocols"].items())


def verdict(metrics: dict) -> str:
    """The targets, checked against this run's numbers."""
    warm, paired = metrics["protocols"]["A"], metrics["cold_start"]["paired_ndcg@10"]
    peers = [n for n in ("implicit_als", "ease", "lightfm_cf") if n in warm]
    best_peer = max(warm[n]["ndcg@10"] for n in peers)
    target = TARGET_LIFT * best_peer
    ours = warm[metrics["published_model"]]["ndcg@10"]
    best = max(warm, key=lambda n: warm[n]["ndcg@10"])
    clear = [n for n, p in paired.items() if p["clear"]]
    return "\n".join([
        "", "## Targets", "",
        f"- Protocol A: the published model ({metrics['published_model']}) has NDCG@10 {ours:.4f}; the target is "
        f"{TARGET_LIFT:.2f} x the best peer ({best_peer:.4f}) = {target:.4f}: {'met' if ours >= target else 'not met'}."
        f" Best model of this benchmark: {best} ({warm[best]['ndcg@10']:.4f}).",
        f"- Protocol B: models whose paired interval against {metrics['cold_start']['reference']} lies above zero: "
        f"{', '.join(clear) or 'none'}; new users are served {metrics['cold_start']['model']}.",
        "- What was tried and why the defaults stay: README, \"The model and its evaluation\".", ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="MovieLens-100K folder (u.data, u.user, u.item)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    metrics = benchmark(args.data)
    print(summary(metrics))
    out = RESULTS / f"model_benchmark_{metrics['dataset']}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    files = report.build(metrics)
    files["report.md"] += verdict(metrics).encode()
    for name, body in files.items():
        (out / name).write_bytes(body)
    print(f"\nreport: {out / 'report.md'}")


if __name__ == "__main__":
    main()

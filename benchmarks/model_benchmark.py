"""Model benchmark: a model run's whole evaluation on a MovieLens-100K path, with extra models beside it.

    python benchmarks/model_benchmark.py --data ../shared/data/ml-100k

Runs what the train stage runs (settings and the served model chosen on the validation split,
every model on protocol A and B, partial answers, exploration, the cost of each step) and
reports variants that are never served (LightFM CF, the hybrid with identity weights 0.8,
segment popularity with occupation) on both protocols. Prints a table per protocol and writes
benchmarks/results/model_benchmark_<name>/: metrics.json, report.md with its PNG plots (the
report a model run stores in the registry) and the targets checked.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

from benchmarks.ml100k import load_ml100k  # noqa: E402
from training import pipeline, protocols, report  # noqa: E402
from training.candidates import Candidate, LightFMModel, SegmentPopularity  # noqa: E402
from training.config import ModelParams  # noqa: E402
from training.features import build_features, identity_only  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
TARGET = 0.200  # protocol A NDCG@10 the served warm model must reach on ML-100K
SHOWN = ("ndcg@10", "precision@10", "recall@10", "map@10", "mrr@10", "hit_rate@10", "coverage@10")


def extra_models(data, features, users) -> dict[str, Candidate]:
    """Models reported beside a run's own and never served: LightFM CF (the peer as specified: 64
    components, WARP, 30 epochs, no early stopping) and variants tried."""
    weighted = build_features(data.users, data.items, user_identity_weight=0.8, item_identity_weight=0.8)
    return {
        "lightfm_cf": LightFMModel(identity_only(features), ModelParams(no_components=64, early_stopping=False),
                                   name="lightfm_cf"),
        "lightfm_hybrid(identity weight 0.8)": LightFMModel(weighted, ModelParams(),
                                                            name="lightfm_hybrid(identity weight 0.8)"),
        "segment_pop(gender x age x occupation)": SegmentPopularity(
            users, [["gender", "age_bucket", "occupation"], ["gender", "age_bucket"], ["gender"]],
            name="segment_pop(gender x age x occupation)"),
    }


def benchmark(data_path: Path) -> dict:
    """The run's evaluation plus the extra models on protocols A and B, in the shape of a model run's
    metrics (see training.report); ``fit_seconds`` per model and protocol."""
    data = load_ml100k(data_path)
    timer = pipeline.Timer()
    features = timer.timed("features", build_features, data.users, data.items)
    metrics, _ = pipeline.evaluate_models(data, features, ModelParams(), timer)
    users = pipeline.demographics(data, features)
    extras = extra_models(data, features, users)
    for protocol, sets, run in (
            ("A", [protocols.warm_set(features, data.interactions)], extras),
            ("B", protocols.cold_folds(features, data.interactions),
             {n: m for n, m in extras.items() if m.serves_new_users})):
        result = protocols.run_protocol(sets, run, users)
        metrics["protocols"][protocol].update(result.metrics)
        for name, seconds in result.seconds.items():
            timer.add(f"protocol {protocol}: {name}", seconds)
    for protocol, models in metrics["protocols"].items():
        step = "protocol B" if protocol.startswith("B") else "protocol A"
        for name, m in models.items():
            m["fit_seconds"] = timer.seconds.get(f"{step}: {name}", 0.0)
    metrics["seconds"] = timer.seconds
    return {"run_id": "benchmark", "dataset": data_path.resolve().name, **metrics}


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
    warm, served = metrics["protocols"]["A"], metrics["published_model"]
    best_peer = max([*metrics["baselines"], "lightfm_cf"], key=lambda n: warm[n]["ndcg@10"])
    ours, peer = warm[served]["ndcg@10"], warm[best_peer]["ndcg@10"]
    lines = ["", "## Targets", "",
             f"- Protocol A: the served warm model, `{served}` (chosen on validation), has NDCG@10 {ours:.4f}: "
             f"target {TARGET:.3f} {'met' if ours >= TARGET else 'not met'}; the best peer, `{best_peer}`, has "
             f"{peer:.4f}: {'not below it' if ours >= peer else 'below it'}. The LightFM hybrid alone: "
             f"{warm['lightfm_hybrid']['ndcg@10']:.4f}."]
    for key, who in (("cold_start", "new users"), ("cold_start_partial", "new users answering gender and age only")):
        cold = metrics[key]
        clear = [n for n, p in cold["paired_ndcg@10"].items() if p["clear"]]
        lines.append(f"- Protocol B, {who}: models whose paired interval against {cold['reference']} lies above "
                     f"zero: {', '.join(clear) or 'none'}; served `{cold['model']}`.")
    lines += ["- What was tried and why: README, \"The model and its evaluation\".", ""]
    return "\n".join(lines)


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

"""Model benchmark: every model on protocol A (warm) and B (cold start) for a MovieLens-100K path.

    python benchmarks/model_benchmark.py --data ../shared/data/ml-100k

Prints a table per protocol (fit seconds and metrics at 10) and the paired bootstrap
intervals of protocol B, and writes benchmarks/results/model_benchmark_<name>.{json,md}
with every metric at 5, 10 and 25.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

from training import baselines, candidates, protocols  # noqa: E402
from training.config import ModelParams  # noqa: E402
from training.features import build_features, identity_only  # noqa: E402
from training.movielens import load_ml100k  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
WARM_ONLY = {"lightfm_cf", "ensemble(uid+genres, cf)"}  # identity-only users: nothing to say about new ones
SHOWN = ("ndcg@10", "precision@10", "recall@10", "map@10", "mrr@10", "hit_rate@10", "coverage@10")


def _z(scores):
    scores = np.asarray(scores, dtype=np.float64)
    return (scores - scores.mean(axis=1, keepdims=True)) / (scores.std(axis=1, keepdims=True) + 1e-9)


def ensemble(features, eval_set):
    """Per-user z-scores summed: LightFM with user identity + item genres/decade, and LightFM CF
    (64 components, learning rate 0.03, 50 epochs)."""
    params = ModelParams(no_components=64)
    ident = identity_only(features)
    items_only = replace(features, user_features=ident.user_features)
    cf = replace(params, learning_rate=0.03, epochs=50)
    return (_z(candidates.lightfm_scores(items_only, eval_set, params))
            + _z(candidates.lightfm_scores(ident, eval_set, cf)))


def timed(scorer):
    """A scorer that adds its fit time to ``timed.seconds[name]``."""
    def run(eval_set):
        start = time.perf_counter()
        scores = scorer(eval_set)
        run.seconds += time.perf_counter() - start
        return scores
    run.seconds = 0.0
    return run


def benchmark(data_path: Path) -> dict:
    """Both protocols for every model; the paired intervals of protocol B against the best segment popularity."""
    data = load_ml100k(data_path)
    features = build_features(data.users, data.items)
    users = data.users.set_index("user_id").loc[features.user_ids].reset_index()
    params = ModelParams()
    scorers = {
        **candidates.scorers(features, users, params),
        "segment_pop(gender x age x occupation)": lambda s: baselines.segment_popularity_scores(
            s.train, users, [["gender", "age_bucket", "occupation"], ["gender", "age_bucket"], ["gender"]]),
        "lightfm_cf": lambda s: candidates.lightfm_scores(identity_only(features), s, ModelParams(no_components=64)),
        # tried, not in production: see the note in the report
        "ensemble(uid+genres, cf)": lambda s: ensemble(features, s),
    }
    out = {}
    for protocol, sets, names in (
            ("A", [protocols.warm_set(features, data.interactions)], list(scorers)),
            ("B", protocols.cold_folds(features, data.interactions),
             [n for n in scorers if n not in candidates.WARM_ONLY | WARM_ONLY])):
        run = {name: timed(scorers[name]) for name in names}
        result = protocols.run_protocol(sets, run)
        for name, m in result.metrics.items():
            m["fit_seconds"] = round(run[name].seconds / len(sets), 2)
        out[protocol] = {"metrics": result.metrics}
        if protocol == "B":
            best = max((n for n in names if n.startswith("segment_pop")), key=lambda n: result.metrics[n]["ndcg@10"])
            out["B"]["reference"] = best
            out["B"]["paired_vs_reference"] = {
                name: protocols.paired_bootstrap(result.per_user_ndcg[name], result.per_user_ndcg[best])
                for name in names if name != best}
    return out


def table(metrics: dict[str, dict]) -> str:
    header = "| model | fit s | " + " | ".join(SHOWN) + " |"
    rows = [f"| {name} | {m['fit_seconds']:.1f} | " + " | ".join(f"{m[k]:.4f}" for k in SHOWN) + " |"
            for name, m in metrics.items()]
    return "\n".join([header, "|" + "---|" * (len(SHOWN) + 2), *rows])


def paired_table(paired: dict[str, dict], reference: str) -> str:
    rows = [f"| {name} - {reference} | {p['mean_diff']:+.4f} | [{p['ci_low']:+.4f}, {p['ci_high']:+.4f}] | "
            f"{'yes' if p['clear'] else 'no'} |" for name, p in paired.items()]
    return "\n".join(["| NDCG@10 difference | mean | 95% interval | clear of zero |", "|---|---|---|---|", *rows])


def report(name: str, results: dict) -> str:
    b = results["B"]
    return "\n\n".join([
        f"# Model benchmark: {name}",
        "## Protocol A (warm, temporal: newest 20% of each user's positives)", table(results["A"]["metrics"]),
        "## Protocol B (cold start: 5 folds of held-out users, demographics only; mean over folds)",
        table(b["metrics"]),
        f"Paired per-user bootstrap (1000 resamples) against the best segment popularity, {b['reference']}:",
        paired_table(b["paired_vs_reference"], b["reference"]),
    ]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="MovieLens-100K folder (u.data, u.user, u.item)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    results = benchmark(args.data)
    name = args.data.resolve().name
    text = report(name, results)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"model_benchmark_{name}.json").write_text(json.dumps(results, indent=2))
    (RESULTS / f"model_benchmark_{name}.md").write_text(text)


if __name__ == "__main__":
    main()

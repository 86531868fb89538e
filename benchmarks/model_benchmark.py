"""Model benchmark: every model on protocol A (warm, temporal) for a MovieLens-100K path.

    python benchmarks/model_benchmark.py --data ../shared/data/ml-100k

Prints a table (fit seconds and metrics at 10) and writes
benchmarks/results/model_benchmark_<name>.{json,md} with every metric at 5, 10 and 25.
Protocol B (cold start) is not implemented yet.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

from training import baselines, evaluate, model  # noqa: E402
from training.config import ModelParams  # noqa: E402
from training.features import build_features, identity_only  # noqa: E402
from training.movielens import load_ml100k  # noqa: E402
from training.split import temporal_split  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SEGMENT_LEVELS = {
    "segment_pop(gender x age)": [["gender", "age_bucket"], ["gender"]],
    "segment_pop(gender x age x occupation)": [["gender", "age_bucket", "occupation"], ["gender", "age_bucket"],
                                               ["gender"]],
}
SHOWN = ("ndcg@10", "precision@10", "recall@10", "map@10", "mrr@10", "hit_rate@10", "coverage@10")


def protocol_a(data_path: Path) -> dict[str, dict]:
    """Fit every model on the warm split and evaluate it; {model: metrics + fit_seconds}."""
    data = load_ml100k(data_path)
    features = build_features(data.users, data.items)
    split = temporal_split(data.interactions)
    train = features.interaction_matrix(split.train)
    test = features.interaction_matrix(split.test).tocsr()
    known = (features.interaction_matrix(split.exclude) + train).tocsr()
    users = data.users.set_index("user_id").loc[features.user_ids].reset_index()
    logging.info("protocol A: %d train positives, %d test positives, %d users", train.nnz, test.nnz, len(users))

    fits = {
        "global_pop": lambda: baselines.popularity_scores(train, train.shape[0]),
        **{name: (lambda levels=levels: baselines.segment_popularity_scores(train, users, levels))
           for name, levels in SEGMENT_LEVELS.items()},
        "implicit_als": lambda: baselines.als_scores(train),
        "lightfm_cf": lambda: _lightfm(identity_only(features), train, ModelParams(no_components=64)),
        "lightfm_hybrid": lambda: _lightfm(features, train, ModelParams()),
    }
    results = {}
    for name, fit in fits.items():
        start = time.perf_counter()
        scores = fit()
        seconds = time.perf_counter() - start
        results[name] = {"fit_seconds": round(seconds, 2), **evaluate.evaluate(scores, test, known)}
        logging.info("%-40s ndcg@10=%.4f (%.1f s)", name, results[name]["ndcg@10"], seconds)
    return results


def _lightfm(features, train, params: ModelParams):
    fitted = model.train(features, train, params)
    return model.score_matrix(fitted, features)


def table(results: dict[str, dict]) -> str:
    header = "| model | fit s | " + " | ".join(SHOWN) + " |"
    rows = [f"| {name} | {m['fit_seconds']:.1f} | " + " | ".join(f"{m[k]:.4f}" for k in SHOWN) + " |"
            for name, m in results.items()]
    return "\n".join([header, "|" + "---|" * (len(SHOWN) + 2), *rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="MovieLens-100K folder (u.data, u.user, u.item)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    results = protocol_a(args.data)
    out = table(results)
    print(out)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = args.data.resolve().name
    (RESULTS / f"model_benchmark_{name}.json").write_text(json.dumps({"protocol_a": results}, indent=2))
    (RESULTS / f"model_benchmark_{name}.md").write_text(
        f"# Model benchmark: {name}, protocol A (warm, temporal)\n\n{out}\n")


if __name__ == "__main__":
    main()

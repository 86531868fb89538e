"""Fold-in quality: new users who rate five movies, against the segment lists new users get otherwise.

Users are split into seeded folds (as protocol B). For each fold the models learn from the other
users only; each held-out user with at least six positives gives their first five positives
(by time, with their stars) as the questionnaire's ratings, and is judged on the rest of their
positives (NDCG@10, the five given movies excluded from every list):

* ``fold_in``: their ratings folded into EASE's pruned weights, l2 chosen on users of the fold's
  training part (what ``POST /v1/recommendations`` answers with ratings);
* ``segment_pop`` and ``naive_bayes``: the cold-start lists of their demographics (what it answers
  without ratings; the run publishes the better of them).

    python benchmarks/foldin_benchmark.py --data ../shared/data/ml-100k

Prints a table and writes benchmarks/results/foldin_benchmark.{json,md}.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

from benchmarks.ml100k import load_ml100k  # noqa: E402
from benchmarks.results_io import write_report  # noqa: E402
from training import evaluate, protocols  # noqa: E402
from training.config import SEED  # noqa: E402
from training.demographic import DemographicNaiveBayes, SegmentPopularity  # noqa: E402
from training.foldin import GIVEN, FoldIn, choose_l2, first_positives, new_user_ndcg  # noqa: E402
from training.split import positives  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def _cold_ndcg(model, users: pd.DataFrame, answers: dict, rest: dict, movie_ids: np.ndarray) -> pd.Series:
    """NDCG@10 per user of a cold-start model's list for each user's demographics, judged as fold-in is."""
    ids = list(answers)
    scores = model.score_new(users.loc[ids].reset_index(drop=True))
    columns = pd.Index(movie_ids)
    test = sp.lil_matrix(scores.shape, dtype=np.float32)
    exclude = sp.lil_matrix(scores.shape, dtype=np.float32)
    for i, user in enumerate(ids):
        exclude[i, columns.get_indexer(list(answers[user]))] = 1
        test[i, columns.get_indexer(rest[user])] = 1
    rows, values, _ = evaluate.per_user_metrics(scores, test.tocsr(), exclude.tocsr(), ks=(10,))
    return pd.Series(values["ndcg@10"], index=[ids[r] for r in rows])


def run(data, n_folds: int = protocols.N_FOLDS, seed: int = SEED) -> dict:
    """Per-user NDCG@10 of fold-in and the segment lists over all folds, and the paired comparisons."""
    users = data.users.set_index("user_id")[["gender", "age_bucket", "occupation"]]
    user_ids, movie_ids = users.index.to_numpy(), np.sort(data.items["movie_id"].unique())
    pos = positives(data.interactions)
    matrix = sp.csr_matrix((np.ones(len(pos), dtype=np.float32),
                            (users.index.get_indexer(pos["user_id"]), np.searchsorted(movie_ids, pos["movie_id"]))),
                           shape=(len(user_ids), len(movie_ids)))
    per_user = {name: [] for name in ("fold_in", "segment_pop", "naive_bayes")}
    seconds, chosen = {name: 0.0 for name in per_user}, []
    order = np.random.default_rng(seed).permutation(len(user_ids))
    for fold, held_out in enumerate(np.array_split(order, n_folds), 1):
        out = np.isin(np.arange(len(user_ids)), held_out)
        train = data.interactions[~data.interactions["user_id"].isin(user_ids[out])]
        answers, rest = first_positives(data.interactions[data.interactions["user_id"].isin(user_ids[out])])
        started = time.perf_counter()
        l2, tried = choose_l2(train)  # on users of the training part only: the fold's users never enter it
        per_user["fold_in"].append(new_user_ndcg(FoldIn.fit(train, l2), answers, rest, movie_ids))
        seconds["fold_in"] += time.perf_counter() - started
        chosen.append({"fold": fold, "l2": l2, "validation_ndcg@10": {str(k): round(v, 4) for k, v in tried.items()}})
        train_matrix = (sp.diags((~out).astype(np.float32)) @ matrix).tocsr()
        for model in (SegmentPopularity(users.reset_index(drop=True)), DemographicNaiveBayes(users.reset_index(drop=True))):
            started = time.perf_counter()
            model.fit(train_matrix)
            per_user[model.name].append(_cold_ndcg(model, users, answers, rest, movie_ids))
            seconds[model.name] += time.perf_counter() - started
        print(f"fold {fold}/{n_folds}: {len(answers)} users judged, l2={l2:g} chosen on validation", flush=True)
    series = {name: pd.concat(parts) for name, parts in per_user.items()}
    return {"users": len(series["fold_in"]), "given": GIVEN, "l2_chosen": chosen,
            "ndcg@10": {name: float(s.mean()) for name, s in series.items()},
            "fit_seconds": {name: round(v, 2) for name, v in seconds.items()},
            "paired": {f"fold_in - {name}": protocols.paired_bootstrap(series["fold_in"], series[name])
                       for name in ("segment_pop", "naive_bayes")}}


def markdown(result: dict, dataset: str) -> str:
    l2s = ", ".join(f"{c['l2']:g}" for c in result["l2_chosen"])
    lines = [f"# Fold-in benchmark ({dataset})", "",
             f"{result['users']} held-out users (5 folds), each giving their first {result['given']} positives as "
             f"ratings, judged on the rest of their positives. Fold-in's l2 is chosen per fold on users of its "
             f"training part: {l2s}.", "",
             "| model | ndcg@10 | fit s (all folds) |", "|---|---:|---:|"]
    lines += [f"| {name} | {v:.4f} | {result['fit_seconds'][name]:.1f} |" for name, v in result["ndcg@10"].items()]
    lines += ["", "| difference | mean | 95% interval | clear of zero |", "|---|---:|---|---|"]
    lines += [f"| {name} | {p['mean_diff']:+.4f} | [{p['ci_low']:+.4f}, {p['ci_high']:+.4f}] | "
              f"{'yes' if p['ci_low'] > 0 else 'no'} |" for name, p in result["paired"].items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="a MovieLens-100K folder")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result = run(load_ml100k(args.data))
    report = markdown(result, args.data.resolve().name)
    write_report(args.out, "foldin_benchmark", result, report)


if __name__ == "__main__":
    main()

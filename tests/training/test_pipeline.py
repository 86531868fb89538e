"""Fixed-seed quality floor and scoring contract on a generated sample."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from training import candidates, gate
from training.config import ModelParams
from training.pipeline import (choose_warm, demographics, score, score_segments, segment_key, train_and_evaluate,
                               train_run)
from training.schedule import carried_evaluation
from training.split import positives

PARAMS = ModelParams(epochs=15)
ROOT = Path(__file__).resolve().parents[2]


def test_the_run_serves_its_best_validated_model_which_beats_every_baseline(sample_training_data):
    trained, metrics = train_and_evaluate(sample_training_data, PARAMS)
    warm, cold = metrics["protocols"]["A"], metrics["protocols"]["B"]
    validation = metrics["selection"]["validation_ndcg@10"]
    chosen, paired = metrics["published_model"], metrics["selection"]["paired_validation"]
    assert chosen == trained.warm.name
    assert chosen == "lightfm_hybrid" or paired[chosen]["clear"]  # a peer replaces the hybrid only when clearly better
    assert chosen == max((n for n in validation if n == "lightfm_hybrid" or paired[n]["clear"]), key=validation.get)
    assert set(validation) == set(warm) and "lightfm_hybrid" in warm  # the hybrid is trained and reported
    assert warm["lightfm_hybrid"]["n_test_users"] > 300
    assert warm[chosen]["ndcg@10"] >= max(warm[n]["ndcg@10"] for n in metrics["baselines"]), warm
    assert warm[chosen]["ndcg@10"] >= 1.3 * warm["global_pop"]["ndcg@10"], warm
    assert metrics["settings"]["ease"]["l2"] in candidates.EASE.L2_GRID  # chosen on validation, recorded
    assert set(cold) == {"global_pop", "segment_pop", "naive_bayes", "lightfm_hybrid"}  # who can serve new users
    assert set(metrics["protocols"]["B_partial"]) == set(cold)
    assert cold["segment_pop"]["ndcg@10"] > cold["global_pop"]["ndcg@10"], cold  # tastes follow demographics
    assert metrics["cold_start"]["model"] == trained.cold.name
    assert set(metrics["exploration"]) == {"0.0", "0.1", "0.25", "0.5", "1.0"}
    tried = metrics["foldin"]["validation_ndcg@10"]  # the fold-in's l2, chosen for new users
    assert f"{metrics['foldin']['l2']:g}" == max(tried, key=tried.get)
    assert {"features", "validation: ease", "protocol A: lightfm_hybrid", "protocol B: naive_bayes",
            "fold-in l2", f"refit: {chosen}"} <= set(metrics["seconds"])
    assert set(metrics["peak_mb"]) == set(metrics["seconds"]) and min(metrics["peak_mb"].values()) > 0


def test_the_live_configuration_is_served_until_a_peer_is_clearly_better_on_validation():
    rng = np.random.default_rng(0)
    noise = pd.Series(rng.random(400))
    per_user = {"lightfm_hybrid": noise, "ease": noise + 0.2 * rng.standard_normal(400) + 0.002,
                "segment_pop": noise - 0.2, "blend": noise + 0.05}
    validation = {name: {"ndcg@10": float(ndcg.mean())} for name, ndcg in per_user.items()}

    within_noise = {n: per_user[n] for n in ("lightfm_hybrid", "ease", "segment_pop")}
    assert validation["ease"]["ndcg@10"] > validation["lightfm_hybrid"]["ndcg@10"]
    assert choose_warm({n: validation[n] for n in within_noise}, within_noise)["model"] == "lightfm_hybrid"
    assert choose_warm({n: validation[n] for n in within_noise}, within_noise, "ease")["model"] == "ease"
    assert choose_warm(validation, per_user, "segment_pop")["model"] == "blend"  # clearly above the live one
    chosen = choose_warm(validation, per_user, "retired_model")  # a live model this run does not train
    assert chosen["reference"] == "lightfm_hybrid" and chosen["model"] == "blend"


def test_a_refit_day_fits_the_full_evaluations_choices_and_judges_them_on_protocol_a_alone(sample_training_data):
    """The day after a full evaluation, on the same data: no validation and no protocol B, and the same
    settings, served models and protocol A numbers as the full run's, so the gate judges as it did."""
    data, params = sample_training_data, ModelParams(epochs=5)
    day1 = {"run_id": "model-day1", "ds": "2026-03-01", "dataset": "sample-movielens"}
    full_trained, full, _, _ = train_run(data, params, day1)
    day2 = {**day1, "run_id": "model-day2", "ds": "2026-03-02"}
    trained, refit, files, _ = train_run(data, params, day2, carried=carried_evaluation(full, day2["ds"], day2["dataset"]))

    assert full["evaluation"] == {"kind": "full", "run_id": "model-day1", "ds": "2026-03-01"}
    assert refit["evaluation"] == {"kind": "refit", "run_id": "model-day1", "ds": "2026-03-01"}
    chosen = full["published_model"]
    assert (refit["published_model"], refit["cold_start"], refit["settings"], refit["foldin"]) == (
        chosen, full["cold_start"], full["settings"], full["foldin"])
    assert (trained.warm.name, trained.cold.name) == (full_trained.warm.name, full_trained.cold.name)
    assert set(refit["protocols"]) == {"A"} and set(refit["protocols"]["A"]) == {chosen, *full["baselines"]}
    for name, judged in refit["protocols"]["A"].items():
        assert judged == pytest.approx(full["protocols"]["A"][name], rel=1e-6), name
    assert gate.check(refit, full)["model"] == chosen
    assert not [step for step in refit["seconds"] if step.startswith(("validation", "protocol B", "fold-in"))]
    rows = np.arange(20)
    np.testing.assert_allclose(trained.warm.score(rows), full_trained.warm.score(rows), rtol=1e-5)
    md = files["report.md"].decode()
    assert "**Refit day.**" in md and "metrics_b.png" not in files
    assert set(re.findall(r"\]\(([\w.]+\.png)\)", md)) == {n for n in files if n.endswith(".png")}
    day3 = carried_evaluation({**day2, **refit}, "2026-03-03", "sample-movielens")
    assert day3["evaluation"]["run_id"] == "model-day1"  # a refit day passes on the evaluation it rests on


def test_training_is_reproducible_across_processes(tmp_path):
    """Two interpreters with different hash seeds train the same model (a retry must not change recs)."""
    script = (
        "import json, sys; sys.path[:0] = ['tests/training', 'tests', 'plugins', '.']\n"
        "from pathlib import Path\n"
        "from conftest import training_data_from_sample\n"
        "from recsys.local.sample_data import generate_sample\n"
        "from training.config import ModelParams\n"
        "from training.pipeline import train_and_evaluate\n"
        f"generate_sample(Path({str(tmp_path)!r}), scale=0.1, seed=3)\n"
        f"data = training_data_from_sample(Path({str(tmp_path)!r}))\n"
        "metrics = train_and_evaluate(data, ModelParams(epochs=5))[1]\n"
        "metrics.pop('seconds'), metrics.pop('peak_mb')  # wall time and memory: measured, not computed\n"
        "print(json.dumps(metrics))\n")
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout.splitlines()[-1]
            for seed in ("1", "2")]
    assert runs[0] == runs[1]


def test_every_user_gets_ten_unrated_movies_and_five_books(sample_training_data):
    trained, _ = train_and_evaluate(sample_training_data, ModelParams(epochs=2))
    records = score(trained, sample_training_data)
    rated = sample_training_data.interactions.groupby("user_id")["movie_id"].agg(set)
    assert {r["user_id"] for r in records} == set(sample_training_data.users.user_id)
    for r in records:
        movies = [m["movie_id"] for m in r["movies"]]
        assert len(movies) == len(set(movies)) == 10
        assert not set(movies) & rated.get(r["user_id"], set())
        assert [m["score"] for m in r["movies"]] == sorted((m["score"] for m in r["movies"]), reverse=True)
        assert len({b["book_id"] for b in r["books"]}) == 4  # the test catalogue has 4 books


def test_users_without_a_positive_are_served_as_new_users(sample_training_data):
    data = sample_training_data
    quiet = data.users.user_id.iloc[:5].tolist()  # half rated nothing, half only disliked
    interactions = data.interactions[~data.interactions.user_id.isin(quiet[:3])]
    interactions = interactions[~interactions.user_id.isin(quiet[3:]) | (interactions.rating < 3)]
    data = replace(data, interactions=interactions)
    trained, _ = train_and_evaluate(data, ModelParams(epochs=2))
    records = {r["user_id"]: r for r in score(trained, data)}
    users = demographics(data, trained.features).set_index("user_id")
    for user_id in quiet:
        expected = trained.cold.score_new(users.loc[[user_id]].reset_index())[0]
        rated = set(interactions.movie_id[interactions.user_id == user_id])
        ranked = [m for m in trained.features.movie_ids[np.argsort(-expected, kind="stable")] if m not in rated]
        assert records[user_id]["served_by"] == trained.cold.name
        assert {m["movie_id"] for m in records[user_id]["movies"]} == set(ranked[:10])
    assert records[data.users.user_id.iloc[10]]["served_by"] == trained.warm.name


def test_exploration_moves_the_published_lists_towards_less_popular_movies(sample_training_data):
    data = sample_training_data
    trained, _ = train_and_evaluate(data, ModelParams(epochs=2))
    popularity = positives(data.interactions).movie_id.value_counts()
    mean_popularity = {level: np.mean([popularity.get(m["movie_id"], 0) for r in score(trained, data, exploration=level)
                                       for m in r["movies"]]) for level in (0.0, 0.5)}
    assert mean_popularity[0.5] < 0.8 * mean_popularity[0.0]


@pytest.mark.parametrize("cold_model", ["segment_pop", "lightfm_hybrid"])
def test_every_demographic_segment_gets_cold_start_recommendations(sample_training_data, cold_model):
    data = sample_training_data
    trained, _ = train_and_evaluate(data, ModelParams(epochs=5))
    features = trained.features
    models = candidates.build(features, demographics(data, features), ModelParams(epochs=5))
    trained = replace(trained, cold=models[cold_model].fit(features.interaction_matrix(positives(data.interactions))))
    records = score_segments(trained, data)
    genders, ages = data.users.gender.unique(), data.users.age_bucket.unique()
    combos = {(g, a, o) for g in genders for a in ages for o in data.users.occupation.unique()}
    backoff = {(g, a, None) for g in genders for a in ages} | {(g, None, None) for g in genders} | {(None,) * 3}
    assert {r["user_id"] for r in records} == {segment_key(*c) for c in combos | backoff}
    assert segment_key("F", None, None) == "segment#F|*|*"  # a new user who gave only their gender
    assert all(len({m["movie_id"] for m in r["movies"]}) == 10 and r["books"] for r in records)
    assert {r["cold_start_model"] for r in records} == {cold_model}
    # the sample's tastes depend on gender: women and men of the same age and job get different lists
    by_key = {r["user_id"]: [m["movie_id"] for m in r["movies"]] for r in records}
    g = sorted(data.users.gender.unique())
    assert by_key[segment_key(g[0], "25-34", "programmer")] != by_key[segment_key(g[1], "25-34", "programmer")]


def test_a_source_without_demographics_trains_and_serves_new_users_segment_popularity(sample_training_data):
    """ml-latest and Netflix have no demographics: the hybrid then knows nothing of new users."""
    data = replace(sample_training_data, users=sample_training_data.users.assign(
        gender=None, age_bucket=None, occupation=None, zip_region=None))
    trained, metrics = train_and_evaluate(data, ModelParams(epochs=2))
    assert "lightfm_hybrid" not in metrics["protocols"]["B"]
    assert metrics["cold_start"]["model"] == "segment_pop" and trained.cold.name == "segment_pop"
    assert len(score(trained, data)) == len(data.users)

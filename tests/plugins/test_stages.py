"""The quality gate, against the registry in the lake: a refused model leaves the live recommendations alone."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from airflow.sdk.exceptions import AirflowFailException

from recsys import stages
from recsys.backends import dynamodb, lake_hook, s3_hook
from recsys.serving import publish, registry, versions
from recsys.serving.signing import UntrustedArtefactError, signing_key
from spark.cleaning import lake
from training.data import TrainingData
from training.foldin import FoldIn
from tests.training.test_gate import metrics

pytestmark = pytest.mark.integration
BLEND = "blend(lightfm_hybrid+ease)"
EMPTY_DATA = TrainingData(*(pd.DataFrame({"id": [1]}) for _ in range(4)))


def _store(settings, run_id, chosen=BLEND, clearly_below=()):
    hook = lake_hook(settings)
    registry.save_run(hook, settings.lake_bucket, signing_key(settings), run_id, {"model": None}, {},
                      metrics(run_id, chosen, clearly_below=clearly_below), EMPTY_DATA)


def _live_items(settings) -> list[dict]:
    table = dynamodb(settings).Table(settings.recs_table)
    return versions.items_of(table, versions.live(table)["run_id"])


def test_gate_refuses_a_model_clearly_below_a_baseline_of_its_run_naming_both(stack_settings):
    _store(stack_settings, "model-2026-01-06", chosen="lightfm_hybrid", clearly_below=("ease",))
    with pytest.raises(AirflowFailException, match=r"lightfm_hybrid \(chosen on validation\) has protocol-A "
                                                   r"ndcg@10=0\.1400, clearly below ease \(0\.1900\), a baseline of "
                                                   r"this run.*previously published recommendations stay"):
        stages.quality_gate(stack_settings, "model-2026-01-06")
    assert registry.published_run(s3_hook(stack_settings), stack_settings.lake_bucket) is None


def test_gate_refuses_a_run_below_the_live_configuration_and_its_recommendations_stay_live(stack_settings):
    s = stack_settings
    _store(s, "model-2026-01-07")
    table = publish.ensure_table(dynamodb(s), s.recs_table)
    publish.publish_version(dynamodb(s), s.recs_table, [{"user_id": 1, "movies": [{"movie_id": 5, "score": 1.0}]}],
                            "model-2026-01-07", "2026-01-07", retention_days=7)
    versions.switch_live(table, "model-2026-01-07")
    registry.mark_published(s3_hook(s), s.lake_bucket, "model-2026-01-07", "2026-01-07")
    live = _live_items(s)

    # validation chose EASE, but the live blend, retrained today, is clearly better on the same test: refused
    _store(s, "model-2026-01-08", chosen="ease", clearly_below=(BLEND,))
    with pytest.raises(AirflowFailException, match=r"clearly below blend\(lightfm_hybrid\+ease\) \(0\.2000\), the "
                                                   r"live run model-2026-01-07's configuration"):
        stages.quality_gate(s, "model-2026-01-08")
    assert registry.published_run(s3_hook(s), s.lake_bucket)["run_id"] == "model-2026-01-07"
    assert _live_items(s) == live

    _store(s, "model-2026-01-09", chosen="ease")  # below the live configuration, but within the noise
    verdict = stages.quality_gate(s, "model-2026-01-09")
    assert verdict["live"] == f"model-2026-01-07 ({BLEND})" and verdict["best_rival"] == BLEND


def test_a_model_file_or_metrics_written_by_someone_else_are_never_loaded(stack_settings):
    """Anyone who can write to the bucket must not run code in the worker or wave a model through the gate."""
    import pickle

    s = stack_settings
    _store(s, "model-2026-01-10")
    hook = lake_hook(s)

    class Exploit:
        def __reduce__(self):
            return (exec, ("raise SystemExit('code ran')",))

    hook.load_bytes(pickle.dumps(Exploit()), key=lake.model_key("model-2026-01-10", "model.pkl"),
                    bucket_name=s.lake_bucket, replace=True)
    with pytest.raises(AirflowFailException, match=r"model\.pkl is unsigned or its signature does not match"):
        stages.score(s, "model-2026-01-10", "2026-01-10")
    edited = registry.load_metrics(hook, s.lake_bucket, signing_key(s), "model-2026-01-10")
    edited["note"] = "edited"
    hook.load_string(json.dumps(edited), key=lake.model_key("model-2026-01-10", "metrics.json"),
                     bucket_name=s.lake_bucket, replace=True)
    with pytest.raises(AirflowFailException, match=r"metrics\.json is unsigned or its signature does not match"):
        stages.quality_gate(s, "model-2026-01-10")

    _store(s, "model-2026-01-13")  # a run's signed files, copied whole into another run, do not verify there
    _store(s, "model-2026-01-14")
    for name in ("metrics.json", "signatures.json"):
        hook.copy_object(lake.model_key("model-2026-01-13", name), lake.model_key("model-2026-01-14", name),
                         source_bucket_name=s.lake_bucket, dest_bucket_name=s.lake_bucket)
    with pytest.raises(UntrustedArtefactError, match=r"model-2026-01-14/metrics\.json is unsigned"):
        registry.load_metrics(hook, s.lake_bucket, signing_key(s), "model-2026-01-14")


def test_publishing_an_older_ds_is_skipped_and_the_newer_day_stays_live(stack_settings):
    from airflow.sdk.exceptions import AirflowSkipException

    s = stack_settings
    table = publish.ensure_table(dynamodb(s), s.recs_table)
    publish.publish_version(dynamodb(s), s.recs_table, [{"user_id": 1, "movies": []}], "model-2026-01-12",
                            "2026-01-12", retention_days=7)
    versions.switch_live(table, "model-2026-01-12")
    with pytest.raises(AirflowSkipException, match="ds=2026-01-11 is older than the live recommendations"):
        stages.publish_recs(s, "model-2026-01-11", "2026-01-11", "2026-01-11T00:00:00+00:00")
    assert versions.live(table)["run_id"] == "model-2026-01-12"
    assert versions.version_record(table, "model-2026-01-11") is None, "nothing of the older day was written"


@pytest.mark.parametrize("stage", [stages.register_catalog, stages.load_warehouse])
def test_a_day_the_clean_job_refused_fails_the_next_stages_for_good(stack_settings, stage):
    s, ds = stack_settings, "2026-01-12"
    hook = lake_hook(s)
    hook.create_bucket(s.lake_bucket)
    refused = {"status": "refused", "tables": {"ratings": {"top_reasons": {"malformed line": 90}}}}
    hook.load_string(json.dumps(refused), key=lake.clean_manifest_prefix(ds) + "part-00000.json",
                     bucket_name=s.lake_bucket)
    with pytest.raises(AirflowFailException, match=f"RefusedDayError: the clean job refused ds={ds}.*malformed line"):
        stage(s, ds)  # AirflowFailException: no retry would change the day's verdict


def test_a_publish_goes_live_with_the_api_files_and_notifies_once_per_version(stack_settings, monkeypatch):
    from recsys.lake_io import write_jsonl
    from tests.plugins.test_alerts import subscribed_queue

    s, ds, run_id = stack_settings, "2026-01-20", "model-2026-01-20"
    monkeypatch.setenv("RECSYS_NOTIFY_TOPIC", s.notify_topic)
    messages = subscribed_queue(s)
    liked = pd.DataFrame([(u, m, 5) for u in range(1, 21) for m in range(1, 6)], columns=["user_id", "movie_id", "rating"])
    data = TrainingData(
        interactions=liked.assign(rated_at=pd.to_datetime(liked["movie_id"], unit="D")),
        users=pd.DataFrame({"user_id": range(1, 21), "gender": "F", "age_bucket": "25-34", "occupation": "writer",
                            "zip_region": "1"}),
        items=pd.DataFrame({"movie_id": range(1, 6), "title": [f"Movie {m}" for m in range(1, 6)],
                            "release_decade": "1990s", "genre_list": "Drama"}),
        book_candidates=pd.DataFrame(columns=["movie_genre", "book_id", "title", "authors", "affinity",
                                              "ratings_count", "average_rating"]))
    hook = lake_hook(s)
    recorded = {**metrics(run_id), "foldin": {"l2": 10.0}}  # the fold-in's l2, chosen by the full evaluation
    registry.save_run(hook, s.lake_bucket, signing_key(s), run_id, {"model": None}, {}, recorded, data)
    user_recs = [{"user_id": u, "served_by": BLEND, "movies": [{"movie_id": 1, "title": "Movie 1", "score": 1.0}],
                  "books": []} for u in range(1, 21)]
    for key, records in zip(lake.scored_keys(ds), (user_recs, [])):
        write_jsonl(hook, s.lake_bucket, key, records)

    first = stages.publish_recs(s, run_id, ds, f"{ds}T00:00:00+00:00")
    again = stages.publish_recs(s, run_id, ds, f"{ds}T00:00:00+00:00")  # a retry of the task

    table = dynamodb(s).Table(s.recs_table)
    assert versions.live(table)["run_id"] == run_id and first["items"] == again["items"] == 20
    assert len(_live_items(s)) == 20
    assert hook.check_for_key(lake.catalogue_key(run_id), bucket_name=s.lake_bucket)
    published = FoldIn.from_npz(hook.get_key(lake.foldin_key(run_id), s.lake_bucket).get()["Body"].read())
    np.testing.assert_array_equal(published.weights.toarray(), FoldIn.fit(data.interactions, 10.0).weights.toarray())
    (message,) = [m for m in messages() if m["event"] == "published"]
    assert message["run_id"] == run_id and message["items"] == 20 and message["warm"]["model"] == BLEND


def test_the_runs_of_a_day_come_oldest_first_with_their_verified_metrics(stack_settings):
    s, hook = stack_settings, lake_hook(stack_settings)
    for run_id, trained_at in (("model-2026-01-20-b", "2026-01-20T03:00:00+00:00"),
                               ("model-2026-01-20-a", "2026-01-20T05:00:00+00:00")):
        registry.save_run(hook, s.lake_bucket, signing_key(s), run_id, {"model": None}, {},
                          {**metrics(run_id, BLEND), "ds": "2026-01-20", "trained_at": trained_at}, EMPTY_DATA)
    runs = registry.metrics_of_day(hook, s.lake_bucket, signing_key(s), "2026-01-20")
    assert [m["run_id"] for m in runs] == ["model-2026-01-20-b", "model-2026-01-20-a"]  # by trained_at, not name
    assert registry.runs_of_day(hook, s.lake_bucket, signing_key(s), "2026-01-20") == [m["run_id"] for m in runs]


def test_a_run_of_the_day_signed_under_another_key_is_left_out_not_trusted(stack_settings, caplog):
    """Seen for real: another deployment's run (another key) indexed under the same day in a shared lake failed
    the train task after its training, at the listing of the day's runs."""
    s, hook = stack_settings, lake_hook(stack_settings)
    registry.save_run(hook, s.lake_bucket, signing_key(s), "model-2026-01-21-ours", {"model": None}, {},
                      {**metrics("model-2026-01-21-ours", BLEND), "ds": "2026-01-21"}, EMPTY_DATA)
    registry.save_run(hook, s.lake_bucket, b"another deployment's key", "model-2026-01-21-theirs", {"model": None},
                      {}, {**metrics("model-2026-01-21-theirs", BLEND), "ds": "2026-01-21"}, EMPTY_DATA)
    with caplog.at_level("ERROR", logger="recsys.serving.registry"):
        runs = registry.metrics_of_day(hook, s.lake_bucket, signing_key(s), "2026-01-21")
    assert [m["run_id"] for m in runs] == ["model-2026-01-21-ours"]
    assert "model-2026-01-21-theirs of ds=2026-01-21 left out" in caplog.text

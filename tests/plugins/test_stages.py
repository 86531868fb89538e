"""The quality gate, against the registry in the lake: a refused model leaves the live recommendations alone."""
from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException

from recsys import stages
from recsys.backends import dynamodb_hook, lake_hook, s3_hook
from recsys.serving import publish, registry
from tests.training.test_gate import metrics

pytestmark = pytest.mark.integration


def _store(settings, run_id, ours, popularity=0.09):
    hook = lake_hook(settings)
    registry.save_run(hook, settings.lake_bucket, run_id, {"model": None}, {}, metrics(run_id, ours, popularity))


def _live_items(settings) -> list[dict]:
    return dynamodb_hook(settings).conn.Table(settings.recs_table).scan()["Items"]


def test_gate_refuses_a_model_worse_than_popularity_naming_both_numbers(stack_settings):
    _store(stack_settings, "lightfm-2026-01-06", ours=0.08, popularity=0.11)
    with pytest.raises(AirflowFailException, match=r"ndcg@10=0\.0800 does not beat global popularity "
                                                   r"ndcg@10=0\.1100.*previously published recommendations stay"):
        stages.quality_gate(stack_settings, "lightfm-2026-01-06")
    assert registry.published_run(s3_hook(stack_settings), stack_settings.lake_bucket) is None


def test_gate_refuses_a_run_worse_than_the_last_published_and_its_recommendations_stay_live(stack_settings):
    s = stack_settings
    _store(s, "lightfm-2026-01-07", ours=0.20)
    dynamo = dynamodb_hook(s)
    publish.ensure_table(dynamo, s.recs_table)
    publish.publish(dynamo, [{"user_id": 1, "movies": [{"movie_id": 5, "score": 1.0}],
                             "model_run_id": "lightfm-2026-01-07"}])
    registry.mark_published(s3_hook(s), s.lake_bucket, "lightfm-2026-01-07", "2026-01-07")
    live = _live_items(s)

    _store(s, "lightfm-2026-01-08", ours=0.15)  # beats popularity, but 25% below the live model
    with pytest.raises(AirflowFailException, match=r"ndcg@10=0\.1500 is more than 5% below the last published "
                                                   r"run lightfm-2026-01-07 \(0\.2000"):
        stages.quality_gate(s, "lightfm-2026-01-08")
    assert registry.published_run(s3_hook(s), s.lake_bucket)["run_id"] == "lightfm-2026-01-07"
    assert _live_items(s) == live

    _store(s, "lightfm-2026-01-09", ours=0.195)  # within 5%: passes
    assert stages.quality_gate(s, "lightfm-2026-01-09")["last_published_ndcg@10"] == 0.20

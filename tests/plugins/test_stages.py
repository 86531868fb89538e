"""The quality gate refuses a model that does not beat popularity, before publishing."""
from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException

from recsys import stages
from recsys.aws import ensure_bucket, s3_hook
from training import registry

pytestmark = pytest.mark.integration


def _store(settings, run_id, ours, popularity):
    hook = s3_hook(settings)
    ensure_bucket(hook, settings.lake_bucket)
    metrics = {"run_id": run_id, "models": {"lightfm": {"ndcg@10": ours}, "popularity": {"ndcg@10": popularity}}}
    registry.save_run(hook, settings.lake_bucket, run_id, {"model": None}, {}, metrics)


def test_gate_refuses_a_worse_model_naming_both_numbers(stack_settings):
    _store(stack_settings, "lightfm-2026-01-06", ours=0.08, popularity=0.11)
    with pytest.raises(AirflowFailException, match=r"ndcg@10=0\.0800 does not beat popularity ndcg@10=0\.1100"):
        stages.quality_gate(stack_settings, "lightfm-2026-01-06")
    assert registry.published_run(s3_hook(stack_settings), stack_settings.lake_bucket) is None


def test_gate_passes_a_better_model(stack_settings):
    _store(stack_settings, "lightfm-2026-01-07", ours=0.2, popularity=0.1)
    assert stages.quality_gate(stack_settings, "lightfm-2026-01-07")["ndcg@10"] == 0.2

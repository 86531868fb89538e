"""The DAG's failure hook names the run, its ds and the reason."""
from __future__ import annotations

import logging
from types import SimpleNamespace

from recsys.alerts import on_dag_failure


def test_a_failed_run_is_reported_with_its_ds_and_reason(caplog):
    context = {"dag_run": SimpleNamespace(run_id="scheduled__2026-01-02", dag_id="recsys_daily"),
               "ds": "2026-01-02", "reason": "task_failure"}
    with caplog.at_level(logging.ERROR, logger="recsys.alerts"):
        on_dag_failure(context)
    assert caplog.messages == ["DAG run scheduled__2026-01-02 of recsys_daily failed (ds=2026-01-02): task_failure"]

"""The listener's record of a finished try, in the real test warehouse: one row per try, however often recorded."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from recsys import backends
from recsys.task_runs import TABLE, record, task_run_row

pytestmark = pytest.mark.integration


def _ti(try_number: int, end_date=None) -> SimpleNamespace:
    return SimpleNamespace(dag_id="recsys_daily", run_id="manual__test-task-runs", task_id="clean", map_index=-1,
                           try_number=try_number, start_date=datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc),
                           end_date=end_date, get_template_context=lambda: {"ds": "1999-03-01"})


def test_a_try_is_recorded_once_with_its_seconds_and_a_retry_is_another_row(stack_settings):
    hook = backends.warehouse_hook(stack_settings)
    now = datetime(2026, 3, 1, 2, 1, 30, tzinfo=timezone.utc)
    try:
        for _ in range(2):  # a listener called twice for the same try
            record(hook, task_run_row(_ti(1), "failed", now=now))
        record(hook, task_run_row(_ti(2, end_date=datetime(2026, 3, 1, 2, 0, 45, tzinfo=timezone.utc)), "success"))
        rows = hook.get_records(f"select ds::text, task_id, try_number, state, started_at::text, seconds from {TABLE} "
                                f"where dag_run_id = 'manual__test-task-runs' order by try_number")
        assert rows == [("1999-03-01", "clean", 1, "failed", "2026-03-01 02:00:00", 90.0),
                        ("1999-03-01", "clean", 2, "success", "2026-03-01 02:00:00", 45.0)]
    finally:  # the DAG tests build marts over every recorded run in this warehouse
        hook.run(f"delete from {TABLE} where dag_run_id = 'manual__test-task-runs'")


def test_tasks_of_other_dags_are_not_recorded(stack_settings, monkeypatch):
    from recsys import task_runs

    monkeypatch.setattr(task_runs, "record", lambda *_: pytest.fail("recorded a task of another DAG"))
    task_runs._record(SimpleNamespace(dag_id="someone_elses_dag"), "success")

"""Every recsys task records its own run: an Airflow listener writes one row per finished try to
``raw.task_runs`` in the warehouse, so the operators' dashboards show task durations over runs without
reading Airflow's metadata database (whose schema is Airflow's own business).

Airflow loads the listener through ``plugins/recsys_task_runs.py``; it runs in the worker when a try ends,
and a failure to record is logged by Airflow, never fails the task.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from airflow.listeners import hookimpl

from recsys.warehouse.schema import RAW_SCHEMA
from recsys.warehouse.transaction import transaction

log = logging.getLogger(__name__)

TABLE = f"{RAW_SCHEMA}.task_runs"
DAG_IDS = ("recsys_daily",)
COLUMNS = ("dag_id", "dag_run_id", "ds", "task_id", "map_index", "try_number", "state", "started_at", "ended_at",
           "seconds", "loaded_at")
DDL = f"""create table if not exists {TABLE} (
    dag_id varchar(256), dag_run_id varchar(256), ds date, task_id varchar(256), map_index integer,
    try_number integer, state varchar(32), started_at timestamp, ended_at timestamp,
    seconds double precision, loaded_at timestamp)"""


def task_run_row(ti, state: str, now: datetime | None = None) -> dict:
    """The row of one finished try of ``ti`` (a RuntimeTaskInstance), times in UTC without a zone."""
    ended = ti.end_date or now or datetime.now(timezone.utc)
    started = ti.start_date or ended
    utc = lambda t: t.astimezone(timezone.utc).replace(tzinfo=None)  # noqa: E731
    return {"dag_id": ti.dag_id, "dag_run_id": ti.run_id, "ds": ti.get_template_context()["ds"],
            "task_id": ti.task_id, "map_index": ti.map_index, "try_number": ti.try_number, "state": state,
            "started_at": utc(started), "ended_at": utc(ended), "seconds": (ended - started).total_seconds(),
            "loaded_at": utc(now or datetime.now(timezone.utc))}


def record(hook, row: dict) -> None:
    """Replace the row of this try in one transaction (a repeated listener call never doubles it)."""
    key = ("dag_run_id", "task_id", "map_index", "try_number")
    with transaction(hook) as cur:  # not hook.run: its three log lines per task would drown the task's own
        cur.execute(f"create schema if not exists {RAW_SCHEMA}")  # the first tasks end before the first load
        cur.execute(DDL)
        cur.execute(f"delete from {TABLE} where " + " and ".join(f"{k} = %s" for k in key), [row[k] for k in key])
        cur.execute(f"insert into {TABLE} ({', '.join(COLUMNS)}) values ({', '.join(['%s'] * len(COLUMNS))})",
                    [row[c] for c in COLUMNS])
    log.info("recorded %s try %d: %s in %.1f s", row["task_id"], row["try_number"], row["state"], row["seconds"])


def _record(ti, state: str) -> None:
    if ti.dag_id not in DAG_IDS:
        return
    from recsys import backends
    from recsys.settings import get_settings

    record(backends.warehouse_hook(get_settings()), task_run_row(ti, state))


class TaskRunsListener:
    """Records each finished try of a recsys task."""

    @hookimpl
    def on_task_instance_success(self, previous_state, task_instance) -> None:
        _record(task_instance, "success")

    @hookimpl
    def on_task_instance_failed(self, previous_state, task_instance, error) -> None:
        _record(task_instance, "failed")

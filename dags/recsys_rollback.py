"""
### recsys_rollback

Points readers of the recommendations table back at an earlier complete version, for an
operator who sees a bad publish. Triggered by hand only (no schedule):

| param | default | meaning |
|---|---|---|
| `to_run_id` | empty | model run id of the version to serve; empty = the version published before the live one |

The next `recsys_daily` run that passes its quality gate publishes a newer version and
moves the pointer forward again. The same from a shell: `make rollback [TO=<run id>]`.
"""
from __future__ import annotations

from datetime import datetime

from airflow.sdk import Param, dag, task

from recsys import stages
from recsys.alerts import on_dag_failure
from recsys.settings import get_settings

settings = get_settings()


@dag(
    dag_id="recsys_rollback",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    default_args={"owner": "recsys-data", "retries": 0},
    on_failure_callback=on_dag_failure,
    tags=["recsys", "serving"],
    doc_md=__doc__,
    params={"to_run_id": Param(None, type=["null", "string"],
                               description="model run id to serve; empty = the version before the live one")},
)
def recsys_rollback():
    @task
    def rollback(params=None) -> dict:
        """Switch the live pointer to the chosen complete, unexpired version, and notify."""
        pointer = stages.rollback(settings, params.get("to_run_id") or None)
        return {"run_id": pointer["run_id"], "ds": pointer["ds"], "previous": pointer["previous"]}

    rollback()


recsys_rollback()

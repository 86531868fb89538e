"""What happens when a DAG run fails: one log line and one SNS message naming the run and the reason."""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def failure_message(context: dict) -> str:
    """One line for an operator: which DAG run failed, its ds, and why."""
    dag_run = context.get("dag_run")
    return (f"DAG run {getattr(dag_run, 'run_id', '?')} of {getattr(dag_run, 'dag_id', '?')} failed "
            f"(ds={context.get('ds')}): {context.get('reason') or context.get('exception') or 'see the task logs'}")


def on_dag_failure(context: dict) -> None:
    """``on_failure_callback`` of the DAG: report the failed run in the log and on the notification topic."""
    from recsys.serving import notify
    from recsys.settings import get_settings

    message = failure_message(context)
    log.error(message)
    dag_run = context.get("dag_run")
    try:
        notify.send(get_settings(), message, {"event": "dag_run_failed", "dag_id": getattr(dag_run, "dag_id", None),
                                              "run_id": getattr(dag_run, "run_id", None), "ds": context.get("ds"),
                                              "reason": str(context.get("reason") or context.get("exception"))})
    except Exception:  # noqa: BLE001 - a broken notification must not hide the failure it reports
        log.exception("could not send the failure notification")

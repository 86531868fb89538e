"""What happens when a DAG run fails: the hook point for operator notifications.

Today it logs one line naming the run and the reason; the notification channel
(SNS) plugs in here, so the DAG does not change when it arrives.
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def failure_message(context: dict) -> str:
    """One line for an operator: which DAG run failed, its ds, and why."""
    dag_run = context.get("dag_run")
    return (f"DAG run {getattr(dag_run, 'run_id', '?')} of {getattr(dag_run, 'dag_id', '?')} failed "
            f"(ds={context.get('ds')}): {context.get('reason') or context.get('exception') or 'see the task logs'}")


def on_dag_failure(context: dict) -> None:
    """``on_failure_callback`` of the DAG: report the failed run."""
    log.error(failure_message(context))

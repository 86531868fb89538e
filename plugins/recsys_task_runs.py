"""Airflow plugin: the listener that records every recsys task's run in the warehouse (recsys/task_runs.py)."""
from airflow.plugins_manager import AirflowPlugin

from recsys.task_runs import TaskRunsListener


class TaskRunsPlugin(AirflowPlugin):
    name = "recsys_task_runs"
    listeners = [TaskRunsListener()]

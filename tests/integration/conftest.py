"""Run the real DAG with the airflow CLI and read back what it published."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from recsys.backends import dynamodb
from recsys.serving import versions

AIRFLOW = str(Path(sys.executable).parent / "airflow")


def airflow(*args: str, log: Path, env: dict | None = None) -> None:
    """Run ``airflow <args>`` with the test environment; fail with the log's tail if it fails."""
    with open(log, "w") as out:
        proc = subprocess.run([AIRFLOW, *args], env={**os.environ, **(env or {})}, stdout=out,
                              stderr=subprocess.STDOUT, timeout=1200)
    if proc.returncode != 0:
        tail = log.read_text().splitlines()[-60:]
        pytest.fail(f"airflow {' '.join(args)} failed ({proc.returncode}); log {log}:\n" + "\n".join(tail))


def dynamo_items(settings, segments: bool = False) -> list[dict]:
    """The user items of the live version ordered by user id, or its cold-start segment items."""
    table = dynamodb(settings).Table(settings.recs_table)
    items = versions.items_of(table, versions.live(table)["run_id"])
    if segments:
        return sorted((i for i in items if i["user_id"].startswith("segment#")), key=lambda i: i["user_id"])
    return sorted((i for i in items if i["user_id"].isdigit()), key=lambda i: int(i["user_id"]))


def live_run_id(settings) -> str:
    """The model run whose recommendations are live (the pointer readers resolve)."""
    return versions.live(dynamodb(settings).Table(settings.recs_table))["run_id"]

"""Airflow's components on this machine, started the way a deployment starts them.

The API server comes first and the scheduler only once it answers, so the first task
of a run never fails for want of the execution API. Everything binds to 127.0.0.1 on
the port of :attr:`Settings.ui_port`; the workers' log servers are not started (the
API server reads the task logs from ``$AIRFLOW_HOME/logs`` on this machine). Each
component writes its output to ``<state>/airflow/components/<name>.log``.

:func:`follow_run` is what ``make demo`` shows: one DAG run, scheduled and executed by
the real scheduler, with its progress printed until it ends.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from recsys.local.services import answers
from recsys.settings import Settings

AIRFLOW = str(Path(sys.executable).parent / "airflow")
# name -> command; the API server is started (and awaited) before the others.
COMPONENTS = {
    "api-server": ["api-server"],
    "dag-processor": ["dag-processor"],
    "scheduler": ["scheduler", "--skip-serve-logs"],
    "triggerer": ["triggerer", "--skip-serve-logs"],
}
FINISHED = {"success", "failed"}


class AirflowError(RuntimeError):
    """A component did not start, or a run could not be followed."""


def _folder(settings: Settings) -> Path:
    folder = settings.state_dir / "airflow" / "components"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def api_healthy(settings: Settings) -> bool:
    """True when the API server answers its health endpoint."""
    return answers(f"{settings.ui_url}/api/v2/monitor/health")


def _running(pidfile: Path) -> bool:
    if not pidfile.exists():
        return False
    pid = int(pidfile.read_text())
    try:  # our own child that exited is a zombie until reaped: reap it
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # started by another process (e.g. `make ui` in another shell)
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def _start(settings: Settings, name: str) -> None:
    folder = _folder(settings)
    pidfile = folder / f"{name}.pid"
    if _running(pidfile):
        return
    with open(folder / f"{name}.log", "ab") as log:
        proc = subprocess.Popen([AIRFLOW, *COMPONENTS[name]], stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    pidfile.write_text(str(proc.pid))
    print(f"    {name} started (pid {proc.pid}, log {folder / f'{name}.log'})", flush=True)


def start(settings: Settings, timeout: float = 180) -> None:
    """Start the API server, wait until it answers, then start the scheduler, DAG processor and triggerer."""
    _start(settings, "api-server")
    deadline = time.monotonic() + timeout
    while not api_healthy(settings):
        if time.monotonic() > deadline or not _running(_folder(settings) / "api-server.pid"):
            raise AirflowError(f"the API server did not answer on {settings.ui_url} within {timeout:.0f}s; "
                               f"see {_folder(settings) / 'api-server.log'}")
        time.sleep(1)
    for name in COMPONENTS:
        _start(settings, name)


def stop(settings: Settings, timeout: float = 30) -> None:
    """Stop every component started by :func:`start` (their process groups, children included)."""
    folder = _folder(settings)
    for name in reversed(list(COMPONENTS)):
        pidfile = folder / f"{name}.pid"
        if not _running(pidfile):
            pidfile.unlink(missing_ok=True)
            continue
        pid = int(pidfile.read_text())
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _running(pidfile) and time.monotonic() < deadline:
            time.sleep(0.5)
        if _running(pidfile):
            os.killpg(pid, signal.SIGKILL)
        pidfile.unlink(missing_ok=True)


def _airflow(*args: str) -> None:
    proc = subprocess.run([AIRFLOW, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise AirflowError(f"airflow {' '.join(args)} failed: {proc.stderr.strip()[-2000:]}")


def _find_run(dag_id: str, logical_date: datetime):
    from sqlalchemy import select

    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.logical_date == logical_date))
        if run is None:
            return None, {}
        states = {ti.task_id: str(ti.state or "none") for ti in run.get_task_instances(session=session)}
        return (run.run_id, str(run.state)), states


def _dag_parsed(dag_id: str) -> bool:
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session

    with create_session() as session:
        return session.get(DagModel, dag_id) is not None


def follow_run(settings: Settings, dag_id: str, ds: str, timeout: float = 3600) -> str:
    """Have the scheduler run ``dag_id`` for ``ds`` and print its progress until it ends; return its state.

    The DAG's own schedule creates today's run as soon as the scheduler sees the DAG; any
    other ds is triggered here. A run of the ds that already ended is cleared and runs again.
    """
    logical_date = datetime.fromisoformat(ds).replace(tzinfo=timezone.utc)
    deadline = time.monotonic() + timeout
    while not _dag_parsed(dag_id):
        if time.monotonic() > deadline:
            raise AirflowError(f"{dag_id} was not parsed; see {_folder(settings) / 'dag-processor.log'}")
        time.sleep(2)
    _airflow("dags", "unpause", dag_id)
    if logical_date.date() == datetime.now(timezone.utc).date():  # the schedule's own run: give it a minute
        wait_until = time.monotonic() + 60
        while _find_run(dag_id, logical_date)[0] is None and time.monotonic() < wait_until:
            time.sleep(2)
    run, _ = _find_run(dag_id, logical_date)
    if run is None:
        _airflow("dags", "trigger", dag_id, "--logical-date", logical_date.isoformat())
    elif run[1] in FINISHED:
        print(f"==> {dag_id} already ran for ds={ds} ({run[1]}): clearing it to run again", flush=True)
        _airflow("tasks", "clear", dag_id, "--start-date", ds, "--end-date", ds, "--yes")
    shown = None
    while time.monotonic() < deadline:
        run, states = _find_run(dag_id, logical_date)
        if run is not None:
            done = sum(s in ("success", "skipped", "failed", "upstream_failed") for s in states.values())
            running = sorted(t for t, s in states.items() if s == "running")
            line = f"    [{done}/{len(states)} tasks done] run {run[0]}: {run[1]}" + (
                f"; running: {', '.join(running)}" if running else "")
            if line != shown:
                print(line, flush=True)
                shown = line
            if run[1] in FINISHED:
                failed = sorted(t for t, s in states.items() if s == "failed")
                if failed:
                    print(f"    failed: {', '.join(failed)} (logs: {settings.ui_url}, or "
                          f"{Path(os.environ.get('AIRFLOW_HOME', '.')) / 'logs'})", flush=True)
                return run[1]
        time.sleep(3)
    raise AirflowError(f"{dag_id} ds={ds} did not finish within {timeout:.0f}s")

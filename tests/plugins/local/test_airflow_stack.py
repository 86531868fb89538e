"""Airflow's components start API server first, without log servers on all interfaces."""
from __future__ import annotations

from recsys.local import airflow_stack
from recsys.settings import get_settings


def test_the_scheduler_starts_only_once_the_api_server_answers(monkeypatch, tmp_path):
    events, answers = [], iter([False, False, True])
    monkeypatch.setattr(airflow_stack, "_start", lambda settings, name: events.append(f"start {name}"))
    monkeypatch.setattr(airflow_stack, "_running", lambda pidfile: True)
    monkeypatch.setattr(airflow_stack, "api_healthy", lambda settings: events.append("health") or next(answers))
    monkeypatch.setattr(airflow_stack.time, "sleep", lambda seconds: None)
    airflow_stack.start(get_settings())
    assert events[:4] == ["start api-server", "health", "health", "health"]
    assert events.index("start scheduler") > events.index("health")
    assert {"start dag-processor", "start scheduler", "start triggerer"} <= set(events)


def test_no_component_serves_logs_on_all_interfaces():
    for name in ("scheduler", "triggerer"):
        assert "--skip-serve-logs" in airflow_stack.COMPONENTS[name]

"""docker-compose.yaml describes the same stack (no Docker engine runs here, so parse it)."""
from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")
PROJECT_DIRS = ("dags", "plugins", "dbt", "spark", "training")


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())


def test_services_of_the_stack_are_defined():
    services = compose()["services"]
    assert set(AIRFLOW_SERVICES) | {"airflow-init", "airflow-db", "warehouse", "moto"} <= set(services)
    for name in ("airflow-db", "warehouse", "moto"):
        assert "healthcheck" in services[name], name


def test_airflow_components_mount_the_project_folders_that_exist():
    services = compose()["services"]
    for name in AIRFLOW_SERVICES:
        mounts = {v.split(":")[0] for v in services[name]["volumes"]}
        assert {f"./{d}" for d in PROJECT_DIRS} <= mounts, name
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
    for d in PROJECT_DIRS:
        assert (ROOT / d).is_dir()


def test_airflow_uses_the_compose_services_through_connections():
    env = compose()["services"]["airflow-scheduler"]["environment"]
    assert "moto:5000" in env["AIRFLOW_CONN_AWS_DEFAULT"]
    assert "@warehouse:5432/warehouse" in env["AIRFLOW_CONN_RECSYS_WAREHOUSE"]
    assert env["AIRFLOW__CORE__DAGS_FOLDER"].endswith("/dags") and env["RECSYS_PG_EMBEDDED"] == "0"
    assert (ROOT / "Dockerfile").read_text().startswith("#") and "FROM apache/airflow:3.3.2" in (ROOT / "Dockerfile").read_text()


def test_published_ports_are_on_loopback_and_components_wait_for_the_api_server():
    services = compose()["services"]
    published = [p for s in services.values() for p in s.get("ports", [])]
    assert published and all(p.startswith("127.0.0.1:") for p in published), published
    for name in AIRFLOW_SERVICES[1:]:
        assert services[name]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy", name

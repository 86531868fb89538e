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


SECRETS = ("AIRFLOW_DB_PASSWORD", "RECSYS_PG_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET",
           "AIRFLOW_API_SECRET_KEY", "RECSYS_MODEL_SIGNING_KEY")


def test_secrets_come_from_an_uncommitted_env_file_and_compose_fails_fast_without_them():
    text = (ROOT / "docker-compose.yaml").read_text()
    for name in SECRETS:
        assert f"${{{name}:?" in text, f"{name} must be required, not defaulted"
        assert f"${{{name}:-" not in text and f"${{{name}}}" not in text, name
    example = (ROOT / ".env.example").read_text()
    assert all(f"\n{name}=\n" in example for name in SECRETS), "the example lists every secret, empty"
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    env = compose()["x-airflow-common"]["environment"]
    assert env["AIRFLOW__CORE__FERNET_KEY"].startswith("${AIRFLOW_FERNET_KEY:?")
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"].startswith("${AIRFLOW_JWT_SECRET:?")

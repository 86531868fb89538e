"""Local Airflow environment derived from settings."""
from __future__ import annotations

import dataclasses
import json

from airflow.models.connection import Connection

from recsys.local.env import airflow_env
from recsys.settings import get_settings


def test_connections_point_at_the_configured_ports():
    settings = dataclasses.replace(get_settings(), moto_port=6001, pg_port=6002, pg_password="p@ss/word")
    env = airflow_env(settings)
    aws = json.loads(env["AIRFLOW_CONN_AWS_DEFAULT"])
    assert aws["extra"]["endpoint_url"] == "http://127.0.0.1:6001"
    wh = Connection(conn_id="w", uri=env["AIRFLOW_CONN_RECSYS_WAREHOUSE"])
    assert (wh.host, wh.port, wh.login, wh.password, wh.schema) == (
        "127.0.0.1", 6002, settings.pg_user, "p@ss/word", settings.pg_database)


def test_all_state_lives_under_the_state_dir():
    settings = get_settings()
    env = airflow_env(settings)
    for key in ("AIRFLOW_HOME", "AIRFLOW__COSMOS__CACHE_DIR"):
        assert env[key].startswith(str(settings.state_dir)), key
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"


def test_one_setting_moves_the_ui_and_everything_that_must_follow_it(monkeypatch):
    monkeypatch.setenv("RECSYS_UI_PORT", "8090")
    env = airflow_env(get_settings())
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["AIRFLOW__API__PORT"] == "8090"
    assert env["AIRFLOW__API__BASE_URL"] == "http://127.0.0.1:8090"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8090/execution/"

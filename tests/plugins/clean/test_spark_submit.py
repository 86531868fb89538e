"""spark-submit gets the s3a connector pointed at the Airflow AWS connection."""
from __future__ import annotations

import json

import pytest

from recsys.settings import get_settings
from recsys.clean.spark_submit import S3A_JARS, s3a_conf, spark_submit_command


def test_s3a_settings_come_from_the_aws_connection(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_LAKE_TEST", json.dumps({
        "conn_type": "aws", "login": "key-id", "password": "secret-key",
        "extra": {"endpoint_url": "http://127.0.0.1:7777", "region_name": "eu-west-1"}}))
    conf = s3a_conf("lake_test")
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "http://127.0.0.1:7777"
    assert conf["spark.hadoop.fs.s3a.access.key"] == "key-id"
    assert conf["spark.hadoop.fs.s3a.secret.key"] == "secret-key"
    assert conf["spark.hadoop.fs.s3a.path.style.access"] == "true"
    assert conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "false"


def test_command_carries_jars_conf_and_job_arguments(tmp_path, monkeypatch):
    for jar in S3A_JARS:
        (tmp_path / jar).write_bytes(b"")
    monkeypatch.setenv("RECSYS_JARS_DIR", str(tmp_path))
    settings = get_settings()
    cmd = spark_submit_command(settings, tmp_path / "job.py", ["--ds", "2026-01-01"], {"spark.x": "1"})
    assert cmd[0].endswith("spark-submit") and cmd[-3:] == [str(tmp_path / "job.py"), "--ds", "2026-01-01"]
    assert cmd[cmd.index("--master") + 1] == settings.spark_master
    assert cmd[cmd.index("--jars") + 1] == ",".join(str(tmp_path / j) for j in S3A_JARS)
    assert "spark.x=1" in cmd


def test_missing_jars_say_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("RECSYS_JARS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="bootstrap"):
        spark_submit_command(get_settings(), tmp_path / "job.py", [], {})

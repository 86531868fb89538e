"""spark-submit gets the s3a connector pointed at the Airflow AWS connection."""
from __future__ import annotations

import json

import pytest

from recsys import stages
from recsys.backends import lake_hook
from recsys.clean.spark_submit import S3A_JARS, run_spark_job, s3a_settings, spark_submit_command
from recsys.settings import get_settings


def test_s3a_settings_come_from_the_aws_connection_with_secrets_only_in_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_LAKE_TEST", json.dumps({
        "conn_type": "aws", "login": "key-id", "password": "secret-key",
        "extra": {"endpoint_url": "http://127.0.0.1:7777", "region_name": "eu-west-1",
                  "aws_session_token": "session-token"}}))
    conf, env = s3a_settings("lake_test")
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "http://127.0.0.1:7777"
    assert conf["spark.hadoop.fs.s3a.path.style.access"] == "true"
    assert conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "false"
    assert env == {"AWS_ACCESS_KEY_ID": "key-id", "AWS_SECRET_ACCESS_KEY": "secret-key",
                   "AWS_SESSION_TOKEN": "session-token"}
    for jar in S3A_JARS:
        (tmp_path / jar).write_bytes(b"")
    monkeypatch.setenv("RECSYS_JARS_DIR", str(tmp_path))
    command_line = " ".join(spark_submit_command(get_settings(), tmp_path / "job.py", [], conf))
    assert "key-id" not in command_line and "secret-key" not in command_line  # ps shows the command line


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


@pytest.mark.integration
def test_a_job_refusing_its_input_fails_for_good_and_other_failures_keep_their_retries(local_stack, tmp_path):
    """Real spark-submit: the clean job on a ds that was never ingested exits with the bad-input code."""
    from airflow.sdk.exceptions import AirflowFailException

    settings = local_stack
    lake_hook(settings)  # the lake exists; this ds was never ingested into it
    with pytest.raises(AirflowFailException, match=r"(?s)BadInputError: .*no ingest manifest; run ingest_raw"):
        stages.clean(settings, "1999-01-01", "sample-movielens", "sample-goodbooks", 0.05)
    flaky = tmp_path / "flaky.py"
    flaky.write_text("raise ConnectionRefusedError('warehouse not up yet')\n")
    with pytest.raises(RuntimeError, match="exit code 1") as failure:
        run_spark_job(settings, flaky, [])
    assert type(failure.value) is RuntimeError  # neither BadInputError nor a fail-for-good: Airflow retries

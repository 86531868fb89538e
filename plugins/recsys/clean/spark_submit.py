"""Run a job from spark/jobs/ with spark-submit against the lake (local mode).

In AWS the same script runs as a Glue job; here the s3a connector is pointed at
the endpoint and credentials of the Airflow AWS connection (the moto server).
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from recsys.settings import PROJECT_ROOT, Settings
from spark.cleaning.accounting import BAD_INPUT_EXIT_CODE

log = logging.getLogger(__name__)

S3A_JARS = ("hadoop-aws-3.3.1.jar", "aws-java-sdk-bundle-1.11.901.jar")
# Spark is chatty at INFO; these prefixes are what a person wants to see.
_KEEP = (" WARN ", " ERROR ", " clean_sources: ", "Traceback", "Error:", "  File ")


class BadInputError(RuntimeError):
    """The Spark job refused its input; retrying will not help."""


def s3a_settings(aws_conn_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """Hadoop s3a settings (endpoint) and the environment that carries the Airflow AWS connection's
    credentials, session token included: secrets go to the job's environment, never its command line."""
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    hook = AwsBaseHook(aws_conn_id=aws_conn_id, client_type="s3")
    creds = hook.get_credentials()
    conf = {
        "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3a.aws.credentials.provider": "com.amazonaws.auth.EnvironmentVariableCredentialsProvider",
        "spark.hadoop.fs.s3a.fast.upload": "true",
    }
    env = {"AWS_ACCESS_KEY_ID": creds.access_key, "AWS_SECRET_ACCESS_KEY": creds.secret_key}
    if creds.token:
        env["AWS_SESSION_TOKEN"] = creds.token
    endpoint = hook.conn_config.endpoint_url
    if endpoint:
        conf.update({
            "spark.hadoop.fs.s3a.endpoint": endpoint,
            "spark.hadoop.fs.s3a.path.style.access": "true",
            "spark.hadoop.fs.s3a.connection.ssl.enabled": str(endpoint.startswith("https")).lower(),
        })
    return conf, env


def spark_submit_command(settings: Settings, script: Path, args: list[str], conf: dict[str, str]) -> list[str]:
    """The spark-submit command line for ``script`` with its arguments."""
    import pyspark

    jars = [settings.jars_dir / j for j in S3A_JARS]
    missing = [str(j) for j in jars if not j.exists()]
    if missing:
        raise FileNotFoundError(f"s3a jars missing: {missing}; run scripts/bootstrap.sh")
    cmd = [str(Path(pyspark.__file__).parent / "bin" / "spark-submit"),
           "--master", settings.spark_master,
           "--driver-memory", settings.spark_driver_memory,
           "--jars", ",".join(str(j) for j in jars),
           "--conf", "spark.sql.session.timeZone=UTC",
           "--conf", "spark.sql.shuffle.partitions=4",
           "--conf", "spark.ui.enabled=false"]
    for key, value in conf.items():
        cmd += ["--conf", f"{key}={value}"]
    return cmd + [str(script), *args]


def run_spark_job(settings: Settings, script: Path, args: list[str]) -> None:
    """spark-submit ``script`` and stream its useful log lines; raise :class:`BadInputError` when the job
    refused its input, RuntimeError on any other failure."""
    conf, credentials = s3a_settings(settings.aws_conn_id)
    cmd = spark_submit_command(settings, script, args, conf)
    env = {**os.environ, **credentials, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
    log.info("spark-submit %s %s", script.name, " ".join(args))
    tail: list[str] = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                          cwd=PROJECT_ROOT) as proc:
        for line in proc.stdout:
            line = line.rstrip()
            tail = (tail + [line])[-40:]
            if any(k in line for k in _KEEP):
                log.info("spark | %s", line)
    if proc.returncode != 0:
        error = BadInputError if proc.returncode == BAD_INPUT_EXIT_CODE else RuntimeError
        raise error(f"{script.name} failed with exit code {proc.returncode}; last output:\n" + "\n".join(tail))

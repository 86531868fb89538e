"""Environment for running Airflow, dbt and Spark against the local stack.

The single source of the local Airflow configuration: the Makefile, the tests and
docker users (through their own values) get the same variable names.
"""
from __future__ import annotations

import json
import os
from urllib.parse import quote

from recsys.local.services import airflow_home
from recsys.settings import PROJECT_ROOT, Settings

# moto accepts any credentials; long enough that Airflow's secret masker does not warn.
LOCAL_AWS_KEY, LOCAL_AWS_SECRET = "recsys-local", "recsys-local-secret"


def aws_connection_uri(settings: Settings) -> str:
    """``aws_default`` as JSON: moto endpoint locally; in AWS leave it unset (IAM role)."""
    return json.dumps({
        "conn_type": "aws",
        "login": os.environ.get("AWS_ACCESS_KEY_ID", LOCAL_AWS_KEY),
        "password": os.environ.get("AWS_SECRET_ACCESS_KEY", LOCAL_AWS_SECRET),
        "extra": {"endpoint_url": settings.moto_endpoint, "region_name": settings.aws_region},
    })


def warehouse_connection_uri(settings: Settings) -> str:
    """``recsys_warehouse`` as a postgres:// URI built from the RECSYS_PG_* settings."""
    user, password, db = (quote(v, safe="") for v in (settings.pg_user, settings.pg_password, settings.pg_database))
    return f"postgres://{user}:{password}@{settings.pg_host}:{settings.pg_port}/{db}"


def app_db_connection_uri(settings: Settings) -> str:
    """``recsys_app_db``: the application's database on the same embedded server, same role."""
    return warehouse_connection_uri(settings).rsplit("/", 1)[0] + "/" + quote(settings.app_db_name, safe="")


def airflow_env(settings: Settings) -> dict[str, str]:
    """Environment variables for Airflow processes running on the local stack."""
    return {
        "AIRFLOW_HOME": str(airflow_home(settings)),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # The UI/API server, for this machine only; the workers reach the execution API through it.
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(settings.ui_port),
        "AIRFLOW__API__BASE_URL": settings.ui_url,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{settings.ui_url}/execution/",
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "2",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "60",
        "AIRFLOW__COSMOS__CACHE_DIR": str(settings.state_dir / "cosmos"),
        "AIRFLOW__COSMOS__ENABLE_CACHE_DBT_LS": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DO_NOT_TRACK": "1",
        "AIRFLOW_CONN_AWS_DEFAULT": aws_connection_uri(settings),
        "AIRFLOW_CONN_RECSYS_WAREHOUSE": warehouse_connection_uri(settings),
        "AIRFLOW_CONN_RECSYS_APP_DB": app_db_connection_uri(settings),
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", LOCAL_AWS_KEY),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", LOCAL_AWS_SECRET),
        "AWS_DEFAULT_REGION": settings.aws_region,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), str(PROJECT_ROOT / "plugins")]),
        # dbt profile (dbt/profiles.yml reads these; cosmos builds its own from the connection)
        "RECSYS_PG_HOST": settings.pg_host,
        "RECSYS_PG_PORT": str(settings.pg_port),
        "RECSYS_PG_USER": settings.pg_user,
        "RECSYS_PG_PASSWORD": settings.pg_password,
        "RECSYS_PG_DATABASE": settings.pg_database,
        "RECSYS_STATE_DIR": str(settings.state_dir),
        "RECSYS_DATASET": settings.dataset,
        "RECSYS_MOTO_PORT": str(settings.moto_port),
        "RECSYS_UI_PORT": str(settings.ui_port),
        "RECSYS_DBT_DOCS_PORT": str(settings.dbt_docs_port),
        "RECSYS_DASHBOARDS_PORT": str(settings.dashboards_port),
    }

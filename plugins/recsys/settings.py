"""All configuration in one place: environment variables with local defaults.

Every name here is the same locally and in AWS; only the values change. Airflow
connections (``aws_default``, ``recsys_warehouse``) are derived from these values
for the local stack by :func:`recsys.local.env.airflow_env`.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _default_state_dir() -> Path:
    return Path(_env("RECSYS_STATE_DIR", str(PROJECT_ROOT / ".state"))).resolve()


@dataclass(frozen=True)
class Settings:
    """Platform settings, read from the environment once per process."""

    state_dir: Path = field(
        default_factory=lambda: _default_state_dir())
    # Object store (moto server locally, S3 in AWS).
    lake_bucket: str = field(default_factory=lambda: _env("RECSYS_LAKE_BUCKET", "recsys-lake"))
    aws_region: str = field(default_factory=lambda: _env("AWS_DEFAULT_REGION", "us-east-1"))
    moto_host: str = field(default_factory=lambda: _env("RECSYS_MOTO_HOST", "127.0.0.1"))
    moto_port: int = field(default_factory=lambda: int(_env("RECSYS_MOTO_PORT", "5055")))
    # Warehouse (embedded PostgreSQL locally, Redshift in AWS).
    pg_host: str = field(default_factory=lambda: _env("RECSYS_PG_HOST", "127.0.0.1"))
    pg_port: int = field(default_factory=lambda: int(_env("RECSYS_PG_PORT", "5499")))
    pg_user: str = field(default_factory=lambda: _env("RECSYS_PG_USER", "recsys"))
    pg_password: str = field(default_factory=lambda: _env("RECSYS_PG_PASSWORD", "recsys"))
    pg_database: str = field(default_factory=lambda: _env("RECSYS_PG_DATABASE", "warehouse"))
    # Set RECSYS_PG_EMBEDDED=0 to use an existing PostgreSQL at the host/port above.
    pg_embedded: bool = field(default_factory=lambda: _env("RECSYS_PG_EMBEDDED", "1") == "1")
    # The movies dataset the daily DAG reads unless a run says otherwise (its `dataset` param); with app-db the
    # API also writes new users to the application's database.
    dataset: str = field(default_factory=lambda: _env("RECSYS_DATASET", "sample-movielens"))
    # The application's operational database (dataset app-db): a database of the embedded PostgreSQL locally,
    # RDS (or any PostgreSQL) through the recsys_app_db connection in AWS.
    app_db_name: str = field(default_factory=lambda: _env("RECSYS_APP_DB_DATABASE", "app"))
    app_db_conn_id: str = field(default_factory=lambda: _env("RECSYS_APP_DB_CONN_ID", "recsys_app_db"))
    # "postgres" (COPY FROM STDIN, dbt target local) or "redshift" (COPY FROM S3, dbt target prod);
    # the recsys_warehouse connection must be of the same kind.
    warehouse_type: str = field(default_factory=lambda: _env("RECSYS_WAREHOUSE_TYPE", "postgres"))
    # IAM role Redshift assumes to read the lake during COPY (Redshift only).
    redshift_copy_role: str = field(default_factory=lambda: _env("RECSYS_REDSHIFT_COPY_ROLE", ""))
    # Serving store.
    recs_table: str = field(default_factory=lambda: _env("RECSYS_RECS_TABLE", "recsys-recommendations"))
    # a published version's items expire (DynamoDB TTL) this many days after its publish
    recs_retention_days: int = field(default_factory=lambda: int(_env("RECSYS_RECS_RETENTION_DAYS", "30")))
    # concurrent BatchWriteItem calls of a publish (each a thread; DynamoDB on demand takes many)
    publish_writers: int = field(default_factory=lambda: int(_env("RECSYS_PUBLISH_WRITERS", "4")))
    api_keys_table: str = field(default_factory=lambda: _env("RECSYS_API_KEYS_TABLE", "recsys-api-keys"))
    api_port: int = field(default_factory=lambda: int(_env("RECSYS_API_PORT", "8000")))
    notify_topic: str = field(default_factory=lambda: _env("RECSYS_NOTIFY_TOPIC", "recsys-runs"))
    # Airflow connection ids.
    aws_conn_id: str = field(default_factory=lambda: _env("RECSYS_AWS_CONN_ID", "aws_default"))
    warehouse_conn_id: str = field(default_factory=lambda: _env("RECSYS_WAREHOUSE_CONN_ID", "recsys_warehouse"))
    # Bundled sample data.
    sample_scale: float = field(default_factory=lambda: float(_env("RECSYS_SAMPLE_SCALE", "1.0")))
    sample_seed: int = field(default_factory=lambda: int(_env("RECSYS_SAMPLE_SEED", "42")))
    # Downloaded datasets (verified archives and their files), reused across runs.
    cache_dir: Path = field(
        default_factory=lambda: Path(_env("RECSYS_CACHE_DIR", str(PROJECT_ROOT / ".state" / "cache"))).resolve()
    )
    # Where a run's dataset_uri / books_uri may point (comma-separated): local folders, and URI prefixes
    # such as s3://bucket/landing/ or https://files.example.org/. Anything else is refused.
    source_roots: tuple[str, ...] = field(default_factory=lambda: tuple(
        r.strip() for r in _env("RECSYS_SOURCE_ROOTS", f"{_default_state_dir() / 'sources'},s3://,https://")
        .split(",") if r.strip()))
    # Where the clean job runs: "spark" (spark-submit in the worker) or "glue" (AWS Glue 5 job).
    clean_engine: str = field(default_factory=lambda: _env("RECSYS_CLEAN_ENGINE", "spark"))
    glue_job_name: str = field(default_factory=lambda: _env("RECSYS_GLUE_JOB_NAME", "recsys-clean-sources"))
    glue_iam_role: str = field(default_factory=lambda: _env("RECSYS_GLUE_IAM_ROLE", "recsys-glue"))
    glue_worker_type: str = field(default_factory=lambda: _env("RECSYS_GLUE_WORKER_TYPE", "G.1X"))
    glue_workers: int = field(default_factory=lambda: int(_env("RECSYS_GLUE_WORKERS", "2")))
    # Glue Data Catalog database the clean tables are registered in.
    catalog_database: str = field(default_factory=lambda: _env("RECSYS_CATALOG_DATABASE", "recsys_clean"))
    # Local web UIs (bound to 127.0.0.1): the Airflow UI/API server and dbt docs.
    ui_port: int = field(default_factory=lambda: int(_env("RECSYS_UI_PORT", "8080")))
    dbt_docs_port: int = field(default_factory=lambda: int(_env("RECSYS_DBT_DOCS_PORT", "8081")))
    dashboards_port: int = field(default_factory=lambda: int(_env("RECSYS_DASHBOARDS_PORT", "8082")))
    # BLAS threads of the train task and of publish's fold-in solves (dense products, EASE): the same lists for
    # the same count, and these tasks run alone, so every CPU by default (OPENBLAS_NUM_THREADS=1 elsewhere).
    # LightFM's own threads are the DAG param lightfm_threads.
    blas_threads: int = field(default_factory=lambda: int(_env("RECSYS_BLAS_THREADS", str(os.cpu_count() or 1))))
    # Spark.
    spark_master: str = field(default_factory=lambda: _env("RECSYS_SPARK_MASTER", "local[2]"))
    spark_driver_memory: str = field(default_factory=lambda: _env("RECSYS_SPARK_DRIVER_MEMORY", "2g"))

    @property
    def moto_endpoint(self) -> str:
        return f"http://{self.moto_host}:{self.moto_port}"

    @property
    def pg_runtime_dir(self) -> Path:
        """Where the embedded PostgreSQL keeps its data (and, as root, its binaries): a folder its system user
        can reach even when the project sits in a home only root may enter."""
        default = (Path("/var/lib/recsys-pg") / hashlib.sha256(str(self.state_dir).encode()).hexdigest()[:12]
                   if os.geteuid() == 0 else self.state_dir / "pg")
        return Path(_env("RECSYS_PG_RUNTIME_DIR", str(default)))

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.ui_port}"

    @property
    def sample_dir(self) -> Path:
        """Generated sample files; one folder per (scale, seed) so a new size is never stale."""
        return self.state_dir / f"sample-scale{self.sample_scale:g}-seed{self.sample_seed}"

    @property
    def jars_dir(self) -> Path:
        """Where bootstrap puts the hadoop-aws jars (inside the venv, survives a wipe)."""
        return Path(_env("RECSYS_JARS_DIR", str(PROJECT_ROOT / ".venv" / "share" / "recsys-jars")))

    @property
    def dbt_project_dir(self) -> Path:
        return PROJECT_ROOT / "dbt"


def get_settings() -> Settings:
    """Return settings read from the current environment."""
    return Settings()


def local_secret(settings: Settings, name: str) -> str:
    """A random secret generated once into ``<state>/secrets/<name>`` (folder 0700, file 0600) and read back
    afterwards: the local stand-in for a secrets manager."""
    return secret_file(settings.state_dir / "secrets" / name)


def secret_file(path: Path) -> str:
    """The random secret kept in ``path``: generated on first use (folder 0700, file 0600), read back after."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32))
    return path.read_text().strip()

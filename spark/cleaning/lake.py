"""The lake layout: every key of the lake bucket, in one place.

Plain Python (no pyspark): the Airflow tasks, the Spark job (shipped to Glue with it)
and the tests build every path with these functions. Keys are relative to the bucket;
:func:`uri` puts a root such as ``s3://bucket`` or ``s3a://bucket`` in front.

    raw/<source>/ds=<ds>/                  untouched source files + manifest.json
    clean/<table>/ds=<ds>/                 typed Parquet of each clean table
    quarantine/<table>/ds=<ds>/            rejected rows with their reason
    manifests/clean/ds=<ds>/               the clean job's row accounting (one JSON part); status
                                           "complete" once the day's clean tables are in place
    staging/ds=<ds>/<final prefix>         the clean job's output until it is complete
    manifests/redshift/<table>/ds=<ds>/    Redshift COPY manifests
    models/<run_id>/                       one model run: model, params, metrics, report
    models/ds=<ds>/<run_id>.json           the model runs of one day (newest name last)
    models/published.json                  the run whose recommendations are live
    recs/ds=<ds>/                          scored recommendations (JSON lines)
    published/ds=<ds>/                     what was published, flattened for the warehouse
    metrics/clean/ds=<ds>/                 the clean job's row accounting, one row per table (Parquet)
    metrics/models/ds=<ds>/                every metric of the day's model runs, one row each (Parquet)
    glue/                                  the clean job's code for AWS Glue
    state/app-db/watermark.json            where the next extract of the application's database starts
    state/app-db/<table>/ds=<ds>/          the application's tables after the day's changes, with tombstones
    clean/feedback/ds=<ds>/                app-db: every current feedback event (rating, like, watch)
    clean/deleted_users/ds=<ds>/           app-db: every user deleted so far, purged from history downstream
"""
from __future__ import annotations

# The canonical tables the clean job writes, in load order.
CLEAN_TABLES = ("users", "movies", "movie_genres", "ratings", "books", "book_genres")
# Written by ingest next to the raw files; lists them. No leading "_": Spark skips such files.
RAW_MANIFEST = "manifest.json"
PUBLISHED_POINTER = "models/published.json"
GLUE_CODE_PREFIX = "glue/"


def uri(root: str, key: str) -> str:
    """``key`` under a lake root such as ``s3://bucket`` or ``file:///tmp/lake``."""
    return f"{root.rstrip('/')}/{key}"


def raw_prefix(source: str, ds: str) -> str:
    """Prefix of the untouched source files of one source and day."""
    return f"raw/{source}/ds={ds}/"


def raw_manifest_key(source: str, ds: str) -> str:
    """The ingest manifest of one source and day: which files, their sizes and digests."""
    return raw_prefix(source, ds) + RAW_MANIFEST


def clean_table_prefix(table: str) -> str:
    """Prefix of every day of one clean table (the Glue table's location)."""
    return f"clean/{table}/"


def clean_prefix(table: str, ds: str) -> str:
    """Prefix of the typed Parquet of one clean table and day."""
    return f"{clean_table_prefix(table)}ds={ds}/"


# The clean tables only a change-data source (app-db) writes: every current feedback event, every deleted user.
FEEDBACK, DELETED_USERS = "feedback", "deleted_users"
CHANGE_TABLES = (FEEDBACK, DELETED_USERS)


def quarantine_prefix(table: str, ds: str) -> str:
    """Prefix of the rejected rows (with reasons) of one table and day."""
    return f"quarantine/{table}/ds={ds}/"


def staging_prefix(ds: str, final_prefix: str = "") -> str:
    """Where the clean job writes ``final_prefix`` of ``ds`` until the whole job has succeeded."""
    return f"staging/ds={ds}/{final_prefix}"


def clean_manifest_prefix(ds: str) -> str:
    """Prefix of the cleaning job's row accounting of one day."""
    return f"manifests/clean/ds={ds}/"


def redshift_manifest_key(table: str, ds: str, index: int) -> str:
    """The COPY manifest of one source of a warehouse table's partition."""
    return f"manifests/redshift/{table}/ds={ds}/source-{index}.manifest"


def model_prefix(run_id: str) -> str:
    """Prefix of one model run's artefacts (model, params, metrics, report)."""
    return f"models/{run_id}/"


def model_key(run_id: str, name: str) -> str:
    """One file of a model run (model.pkl, params.json, metrics.json, report.md, ...)."""
    return model_prefix(run_id) + name


def model_runs_prefix(ds: str) -> str:
    """Prefix of the index of the model runs trained for one day."""
    return f"models/ds={ds}/"


def model_run_index_key(ds: str, run_id: str) -> str:
    """The index entry of one model run under its day."""
    return f"{model_runs_prefix(ds)}{run_id}.json"


def scored_keys(ds: str) -> tuple[str, str]:
    """The day's scored recommendations: per user, then per cold-start segment."""
    return recs_key(ds), segment_recs_key(ds)


def recs_key(ds: str) -> str:
    """Key of the scored recommendations of one day (JSON lines, one per user)."""
    return f"recs/ds={ds}/recommendations.jsonl"


def segment_recs_key(ds: str) -> str:
    """Key of the cold-start recommendations of one day (JSON lines, one per demographic segment)."""
    return f"recs/ds={ds}/segments.jsonl"


def published_prefix(ds: str) -> str:
    """Prefix of what the run of one day published, flattened for the warehouse (Parquet)."""
    return f"published/ds={ds}/"


def published_key(ds: str) -> str:
    """The Parquet file of what the run of one day published."""
    return published_prefix(ds) + "recommendations.parquet"


def clean_counts_prefix(ds: str) -> str:
    """The clean job's row accounting of one day, one row per input table, for the warehouse (Parquet)."""
    return f"metrics/clean/ds={ds}/"


def model_metrics_prefix(ds: str) -> str:
    """Every metric of the model runs of one day, one row per (run, protocol, model, metric) (Parquet)."""
    return f"metrics/models/ds={ds}/"


def catalogue_key(run_id: str) -> str:
    """The movie catalogue and answer vocabularies published with one model run (JSON, read by the API)."""
    return f"published/catalogue/{run_id}.json"


def foldin_key(run_id: str) -> str:
    """The item-item weights new users' ratings are folded into, published with one model run (.npz arrays)."""
    return f"published/foldin/{run_id}.npz"


def feedback_key(day: str, feedback_id: str) -> str:
    """One new user's answers and ratings, as the API received them (JSON)."""
    return f"feedback/ds={day}/{feedback_id}.json"


def app_db_watermark_key() -> str:
    """The application database's last complete extract: its ds and where the next one starts."""
    return "state/app-db/watermark.json"


def app_state_prefix(table: str, ds: str) -> str:
    """One application table's state after the changes of ``ds`` (latest version per key, tombstones kept)."""
    return f"state/app-db/{table}/ds={ds}/"

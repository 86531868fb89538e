"""Where things live in the lake bucket. Every path is keyed by ``ds``."""
from __future__ import annotations

from spark.cleaning.datasets import RAW_MANIFEST  # noqa: F401 - shared with the Spark job


def raw_prefix(source: str, ds: str) -> str:
    """Prefix of the untouched source files of one source and day."""
    return f"raw/{source}/ds={ds}/"


def clean_prefix(table: str, ds: str) -> str:
    """Prefix of the typed Parquet of one clean table and day."""
    return f"clean/{table}/ds={ds}/"


def quarantine_prefix(table: str, ds: str) -> str:
    """Prefix of the rejected rows (with reasons) of one table and day."""
    return f"quarantine/{table}/ds={ds}/"


def clean_manifest_prefix(ds: str) -> str:
    """Prefix of the cleaning job's row accounting of one day."""
    return f"manifests/clean/ds={ds}/"


def model_prefix(run_id: str) -> str:
    """Prefix of one model run's artefacts (model, params, metrics)."""
    return f"models/{run_id}/"


PUBLISHED_POINTER = "models/published.json"


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
    return published_prefix(ds) + "recommendations.parquet"

"""Model runs in the lake: ``models/<run_id>/`` holds model, params and metrics;
``models/published.json`` points at the run whose recommendations are live."""
from __future__ import annotations

import io
import json
import pickle

from airflow.providers.amazon.aws.hooks.s3 import S3Hook

from recsys import lake


def model_run_id(ds: str) -> str:
    """Run id of the model trained for ``ds`` (one per day: a retry overwrites it)."""
    return f"lightfm-{ds}"


def save_run(hook: S3Hook, bucket: str, run_id: str, artefacts: object, params: dict, metrics: dict,
             files: dict[str, bytes] | None = None) -> None:
    """Write model artefacts (pickled), params.json, ``files`` (the report) and metrics.json; metrics last =
    run complete."""
    prefix = lake.model_prefix(run_id)
    for name, body in (files or {}).items():
        hook.load_bytes(body, key=prefix + name, bucket_name=bucket, replace=True)
    hook.load_bytes(pickle.dumps(artefacts), key=prefix + "model.pkl", bucket_name=bucket, replace=True)
    hook.load_string(json.dumps(params, indent=2), key=prefix + "params.json", bucket_name=bucket, replace=True)
    hook.load_string(json.dumps(metrics, indent=2), key=prefix + "metrics.json", bucket_name=bucket,
                     replace=True)


def load_metrics(hook: S3Hook, bucket: str, run_id: str) -> dict:
    return json.loads(hook.read_key(lake.model_prefix(run_id) + "metrics.json", bucket_name=bucket))


def load_artefacts(hook: S3Hook, bucket: str, run_id: str) -> object:
    body = hook.get_key(lake.model_prefix(run_id) + "model.pkl", bucket_name=bucket).get()["Body"].read()
    return pickle.load(io.BytesIO(body))


def mark_published(hook: S3Hook, bucket: str, run_id: str, ds: str) -> None:
    """Point ``models/published.json`` at ``run_id``."""
    hook.load_string(json.dumps({"run_id": run_id, "ds": ds}), key=lake.PUBLISHED_POINTER, bucket_name=bucket,
                     replace=True)


def published_run(hook: S3Hook, bucket: str) -> dict | None:
    """The pointer to the last published run, or None before the first publish."""
    if not hook.check_for_key(lake.PUBLISHED_POINTER, bucket_name=bucket):
        return None
    return json.loads(hook.read_key(lake.PUBLISHED_POINTER, bucket_name=bucket))


def published_metrics(hook: S3Hook, bucket: str) -> dict | None:
    """Metrics of the last published run; None before the first publish or for a run stored
    before the two-protocol evaluation (nothing comparable to hold the new run to)."""
    pointer = published_run(hook, bucket)
    if pointer is None:
        return None
    metrics = load_metrics(hook, bucket, pointer["run_id"])
    return metrics if "protocols" in metrics else None

"""Model runs in the lake.

``models/<run_id>/`` holds a run's model, params, metrics and report; ``models/ds=<ds>/``
indexes the runs of each day; ``models/published.json`` points at the run whose
recommendations are live. Run ids are unique per DAG run, so two runs of the same day
never overwrite each other's model; the ds is kept beside each run.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import pickle

import pyarrow as pa

from recsys.lake_io import read_parquet, write_parquet
from spark.cleaning import lake
from training.data import TrainingData

TRAINING_TABLES = tuple(f.name for f in dataclasses.fields(TrainingData))


def model_run_id(ds: str, dag_run_id: str) -> str:
    """The model run id of one DAG run: its ds and a digest of the DAG run id (stable across retries)."""
    return f"model-{ds}-{hashlib.sha256(dag_run_id.encode()).hexdigest()[:10]}"


def save_run(hook, bucket: str, run_id: str, artefacts: object, params: dict, metrics: dict,
             files: dict[str, bytes] | None = None) -> None:
    """Write model artefacts (pickled), params.json, ``files`` (the report), metrics.json, then index the
    run under its ds; metrics.json present = run complete."""
    for name, body in (files or {}).items():
        hook.load_bytes(body, key=lake.model_key(run_id, name), bucket_name=bucket, replace=True)
    hook.load_bytes(pickle.dumps(artefacts), key=lake.model_key(run_id, "model.pkl"), bucket_name=bucket,
                    replace=True)
    hook.load_string(json.dumps(params, indent=2), key=lake.model_key(run_id, "params.json"), bucket_name=bucket,
                     replace=True)
    hook.load_string(json.dumps(metrics, indent=2), key=lake.model_key(run_id, "metrics.json"), bucket_name=bucket,
                     replace=True)
    hook.load_string(json.dumps({"run_id": run_id, "ds": metrics["ds"]}),
                     key=lake.model_run_index_key(metrics["ds"], run_id), bucket_name=bucket, replace=True)


def save_training_data(hook, bucket: str, run_id: str, data: TrainingData) -> None:
    """Keep what the run was trained on beside it (one Parquet file per table), so scoring the run again,
    on any later day, reads the data of its own ds and never the warehouse's newer state."""
    for name in TRAINING_TABLES:
        write_parquet(hook, bucket, lake.model_key(run_id, f"data/{name}.parquet"),
                      pa.Table.from_pandas(getattr(data, name), preserve_index=False))


def load_training_data(hook, bucket: str, run_id: str) -> TrainingData:
    """The training data a run was trained on (see :func:`save_training_data`)."""
    return TrainingData(**{name: read_parquet(hook, bucket, lake.model_key(run_id, f"data/{name}.parquet"))
                           .to_pandas() for name in TRAINING_TABLES})


def load_metrics(hook, bucket: str, run_id: str) -> dict:
    """The metrics of a stored run."""
    return json.loads(hook.read_key(lake.model_key(run_id, "metrics.json"), bucket_name=bucket))


def load_artefacts(hook, bucket: str, run_id: str) -> object:
    """The trained model of a stored run."""
    body = hook.get_key(lake.model_key(run_id, "model.pkl"), bucket_name=bucket).get()["Body"].read()
    return pickle.load(io.BytesIO(body))


def runs_of_day(hook, bucket: str, ds: str) -> list[str]:
    """Run ids of the complete model runs trained for ``ds``, oldest first."""
    keys = hook.list_keys(bucket_name=bucket, prefix=lake.model_runs_prefix(ds)) or []
    runs = [json.loads(hook.read_key(k, bucket_name=bucket))["run_id"] for k in keys]
    trained = {r: load_metrics(hook, bucket, r).get("trained_at", "") for r in runs}
    return sorted(runs, key=lambda r: (trained[r], r))


def mark_published(hook, bucket: str, run_id: str, ds: str) -> None:
    """Point ``models/published.json`` at ``run_id``."""
    hook.load_string(json.dumps({"run_id": run_id, "ds": ds}), key=lake.PUBLISHED_POINTER, bucket_name=bucket,
                     replace=True)


def published_run(hook, bucket: str) -> dict | None:
    """The pointer to the last published run, or None before the first publish."""
    if not hook.check_for_key(lake.PUBLISHED_POINTER, bucket_name=bucket):
        return None
    return json.loads(hook.read_key(lake.PUBLISHED_POINTER, bucket_name=bucket))


def published_metrics(hook, bucket: str) -> dict | None:
    """Metrics of the last published run; None before the first publish or for a run stored
    before the two-protocol evaluation (nothing comparable to hold the new run to)."""
    pointer = published_run(hook, bucket)
    if pointer is None:
        return None
    metrics = load_metrics(hook, bucket, pointer["run_id"])
    return metrics if "protocols" in metrics else None

"""Model runs in the lake.

``models/<run_id>/`` holds a run's model, params, metrics, report and training data, signed
(:mod:`recsys.serving.signing`); ``models/ds=<ds>/``
indexes the runs of each day; ``models/published.json`` points at the run whose
recommendations are live. Run ids are unique per DAG run, so two runs of the same day
never overwrite each other's model; the ds is kept beside each run.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import pickle

import pyarrow as pa
import pyarrow.parquet as pq

from recsys.lake_io import parquet_bytes
from recsys.serving import signing
from spark.cleaning import lake
from training.data import TrainingData

log = logging.getLogger(__name__)
TRAINING_TABLES = tuple(f.name for f in dataclasses.fields(TrainingData))
SIGNATURES = "signatures.json"


def model_run_id(ds: str, dag_run_id: str) -> str:
    """The model run id of one DAG run: its ds and a digest of the DAG run id (stable across retries)."""
    return f"model-{ds}-{hashlib.sha256(dag_run_id.encode()).hexdigest()[:10]}"


def save_run(hook, bucket: str, key: bytes, run_id: str, artefacts: object, params: dict, metrics: dict,
             data: TrainingData, files: dict[str, bytes] | None = None) -> None:
    """Write the run's training data (one Parquet file per table: scoring the run again, on any later day,
    reads the data of its own ds), ``files`` (the report), the model artefacts (pickled), params.json,
    metrics.json and signatures.json (an HMAC of each under ``key``), then index the run under its ds."""
    bodies = {**(files or {}), **{f"data/{name}.parquet": parquet_bytes(pa.Table.from_pandas(
        getattr(data, name), preserve_index=False)) for name in TRAINING_TABLES}}
    bodies.update({"model.pkl": pickle.dumps(artefacts), "params.json": json.dumps(params, indent=2).encode(),
                   "metrics.json": json.dumps(metrics, indent=2).encode()})
    for name, body in bodies.items():
        hook.load_bytes(body, key=lake.model_key(run_id, name), bucket_name=bucket, replace=True)
    signatures = {name: signing.sign(key, f"{run_id}/{name}", body) for name, body in bodies.items()}
    hook.load_string(json.dumps(signatures, indent=2), key=lake.model_key(run_id, SIGNATURES), bucket_name=bucket,
                     replace=True)
    hook.load_string(json.dumps({"run_id": run_id, "ds": metrics["ds"]}),
                     key=lake.model_run_index_key(metrics["ds"], run_id), bucket_name=bucket, replace=True)


def _verified(hook, bucket: str, key: bytes, run_id: str, name: str) -> bytes:
    """A file of a run, after checking its HMAC against the run's signatures."""
    signatures_key = lake.model_key(run_id, SIGNATURES)
    signatures = (json.loads(hook.read_key(signatures_key, bucket_name=bucket))
                  if hook.check_for_key(signatures_key, bucket_name=bucket) else {})
    body = hook.get_key(lake.model_key(run_id, name), bucket_name=bucket).get()["Body"].read()
    return signing.verify(key, f"{run_id}/{name}", body, signatures.get(name),
                          f"s3://{bucket}/{lake.model_key(run_id, name)}")


def load_training_data(hook, bucket: str, key: bytes, run_id: str) -> TrainingData:
    """The training data a run was trained on, verified."""
    return TrainingData(**{name: pq.read_table(io.BytesIO(_verified(hook, bucket, key, run_id,
                                                                    f"data/{name}.parquet"))).to_pandas()
                           for name in TRAINING_TABLES})


def load_metrics(hook, bucket: str, key: bytes, run_id: str) -> dict:
    """The metrics of a stored run, verified."""
    return json.loads(_verified(hook, bucket, key, run_id, "metrics.json"))


def load_artefacts(hook, bucket: str, key: bytes, run_id: str) -> object:
    """The trained model of a stored run; unpickled only after its signature is verified."""
    # Security review: this unpickles only bytes whose HMAC-SHA256 (bound to "<run_id>/model.pkl",
    # compared in constant time) verifies under RECSYS_MODEL_SIGNING_KEY, a key that never lives in the
    # lake: a writer of the bucket cannot forge or swap model.pkl, and an unsigned or altered file is
    # refused before any byte is unpickled (tests/plugins/test_stages.py::
    # test_a_model_file_or_metrics_written_by_someone_else_are_never_loaded plants an exploit and sees it
    # refused). Pickle stays because the artefacts are third-party model objects (LightFM, implicit ALS,
    # scipy sparse matrices) with no portable format; only the Airflow workers holding the key load them,
    # and the API never does (it reads DynamoDB and fold-in's .npz, without pickle).
    return pickle.loads(_verified(hook, bucket, key, run_id, "model.pkl"))  # noqa: S301 - verified above


def metrics_of_day(hook, bucket: str, key: bytes, ds: str) -> list[dict]:
    """The verified metrics of the complete model runs trained for ``ds``, oldest first. A run indexed under
    the day whose metrics do not verify (not written under this deployment's key) is left out with an error
    in the log: it is never trusted, and it does not fail the run that lists the day after its own training."""
    runs = []
    for index_key in hook.list_keys(bucket_name=bucket, prefix=lake.model_runs_prefix(ds)) or []:
        run_id = json.loads(hook.read_key(index_key, bucket_name=bucket))["run_id"]
        try:
            runs.append(load_metrics(hook, bucket, key, run_id))
        except signing.UntrustedArtefactError as untrusted:
            log.error("model run %s of ds=%s left out: %s", run_id, ds, untrusted)
    return sorted(runs, key=lambda m: (m.get("trained_at", ""), m["run_id"]))


def runs_of_day(hook, bucket: str, key: bytes, ds: str) -> list[str]:
    """Run ids of the complete model runs trained for ``ds``, oldest first."""
    return [m["run_id"] for m in metrics_of_day(hook, bucket, key, ds)]


def mark_published(hook, bucket: str, run_id: str, ds: str) -> None:
    """Point ``models/published.json`` at ``run_id``."""
    hook.load_string(json.dumps({"run_id": run_id, "ds": ds}), key=lake.PUBLISHED_POINTER, bucket_name=bucket,
                     replace=True)


def published_run(hook, bucket: str) -> dict | None:
    """The pointer to the last published run, or None before the first publish."""
    if not hook.check_for_key(lake.PUBLISHED_POINTER, bucket_name=bucket):
        return None
    return json.loads(hook.read_key(lake.PUBLISHED_POINTER, bucket_name=bucket))


def published_metrics(hook, bucket: str, key: bytes) -> dict | None:
    """Metrics of the last published run; None before the first publish or for a run stored
    before the two-protocol evaluation (nothing comparable to hold the new run to)."""
    pointer = published_run(hook, bucket)
    if pointer is None:
        return None
    metrics = load_metrics(hook, bucket, key, pointer["run_id"])
    return metrics if "protocols" in metrics else None

"""One function per DAG task: build the hooks from settings and call the library code.

Each is idempotent for its ``ds``: it overwrites its own outputs and nothing else.
The DAG file imports this module, so heavy imports (provider hooks, pyarrow, Spark
helpers, training) happen inside the functions, at run time, not at every DAG parse.
"""
from __future__ import annotations

import json
import logging

from recsys import lake
from recsys.settings import Settings

log = logging.getLogger(__name__)


def _s3(settings: Settings):
    from recsys.aws import s3_hook

    return s3_hook(settings)


def _warehouse(settings: Settings):
    """A DB-API hook on the warehouse connection: Redshift or PostgreSQL."""
    if settings.warehouse_type == "redshift":
        from airflow.providers.amazon.aws.hooks.redshift_sql import RedshiftSQLHook

        return RedshiftSQLHook(redshift_conn_id=settings.warehouse_conn_id)
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    return PostgresHook(postgres_conn_id=settings.warehouse_conn_id)


def _loader(settings: Settings, s3):
    """The warehouse loader: Redshift COPY from S3, or PostgreSQL COPY through the worker."""
    if settings.warehouse_type == "redshift":
        from recsys.redshift_load import RedshiftCopyLoader

        return RedshiftCopyLoader(_warehouse(settings), s3, settings.lake_bucket, settings.redshift_copy_role)
    from recsys.pg_load import PostgresCopyLoader

    return PostgresCopyLoader(_warehouse(settings), s3, settings.lake_bucket)


def ingest_raw(settings: Settings, ds: str, datasets: dict[str, str]) -> dict:
    """Copy each dataset's files into the raw zone; ``datasets`` maps a dataset name to its URI ("" = default)."""
    from recsys import ingest
    from recsys.aws import ensure_bucket
    from spark.cleaning.datasets import get_dataset

    hook = _s3(settings)
    ensure_bucket(hook, settings.lake_bucket)
    manifests = {}
    for name, uri in datasets.items():
        spec = get_dataset(name)
        manifests[name] = ingest.ingest_dataset(hook, settings.lake_bucket, spec,
                                                ingest.fetch(settings, spec, uri, hook), ds)
    return manifests


def clean(settings: Settings, ds: str, movies_dataset: str, books_dataset: str,
          max_quarantine_fraction: float) -> dict:
    """Run the Spark cleaning job for ``ds`` with spark-submit; return its manifest."""
    from recsys import cleaning

    return cleaning.clean(settings, _s3(settings), ds, movies_dataset, books_dataset, max_quarantine_fraction)


def upload_glue_code(settings: Settings) -> dict:
    """Upload the clean job and its helpers for the Glue engine."""
    from recsys import glue

    return glue.upload_code(_s3(settings), settings.lake_bucket)


def register_catalog(settings: Settings, ds: str, max_quarantine_fraction: float) -> dict:
    """Check the clean job's accounting, then register the ds's clean tables in the Glue Data Catalog."""
    from airflow.providers.amazon.aws.hooks.glue_catalog import GlueCatalogHook

    from recsys import catalog, cleaning

    hook = _s3(settings)
    cleaning.check_manifest(hook, settings.lake_bucket, ds, max_quarantine_fraction)
    return catalog.register_ds(GlueCatalogHook(aws_conn_id=settings.aws_conn_id), hook, settings.lake_bucket,
                               settings.catalog_database, ds)


def load_warehouse(settings: Settings, ds: str) -> dict:
    """Replace the ``ds`` partition of every raw warehouse table."""
    from recsys import warehouse

    s3 = _s3(settings)
    return warehouse.load_ds(_loader(settings, s3), s3, settings.lake_bucket, ds)


def train(settings: Settings, ds: str, dataset: str, tuning_trials: int = 0) -> dict:
    """Train and evaluate on the training marts (loaded from ``dataset``); store the run and its report in
    the registry. With ``tuning_trials`` > 0, search the hyperparameters first and train with the best."""
    from training import registry, report, tuning
    from training.config import ModelParams
    from training.data import load_training_data
    from training.pipeline import train_and_evaluate

    data = load_training_data(_warehouse(settings))
    log.info("training data: %d interactions, %d users, %d movies, %d book candidates",
             len(data.interactions), len(data.users), len(data.items), len(data.book_candidates))
    params, files = ModelParams(), {}
    if tuning_trials > 0:
        params, trials = tuning.tune(data, params, tuning_trials)
        files["tuning.json"] = json.dumps(trials, indent=2).encode()
    trained, metrics = train_and_evaluate(data, params)
    run_id = registry.model_run_id(ds)
    metrics = {"run_id": run_id, "ds": ds, "dataset": dataset, "tuning_trials": tuning_trials, **metrics}
    registry.save_run(_s3(settings), settings.lake_bucket, run_id, trained, params.as_dict(), metrics,
                      files={**files, **report.build(metrics)})
    log.info("model run %s stored with its report in s3://%s/%sreport.md", run_id, settings.lake_bucket,
             lake.model_prefix(run_id))
    return metrics


def quality_gate(settings: Settings, run_id: str) -> dict:
    """Fail (no retry) unless the run's model beats global popularity and holds the last published level."""
    from airflow.sdk.exceptions import AirflowFailException

    from training import gate, registry

    hook = _s3(settings)
    metrics = registry.load_metrics(hook, settings.lake_bucket, run_id)
    previous = registry.published_metrics(hook, settings.lake_bucket)
    try:
        verdict = gate.check(metrics, previous)
    except gate.GateRefused as refused:
        raise AirflowFailException(f"model run {run_id} refused: {refused}; the previously published "
                                   f"recommendations stay live") from None
    log.info("model run %s passes the gate: %s", run_id, verdict)
    return {"run_id": run_id, **verdict}


def score(settings: Settings, run_id: str, ds: str) -> dict:
    """Score every user and every demographic segment (cold start) with the run's models;
    write JSON lines to ``recs/ds=<ds>/``."""
    from training import registry
    from training.data import load_training_data
    from training.pipeline import score as score_users
    from training.pipeline import score_segments

    hook = _s3(settings)
    trained = registry.load_artefacts(hook, settings.lake_bucket, run_id)
    cold_model = registry.load_metrics(hook, settings.lake_bucket, run_id)["cold_start"]["model"]
    data = load_training_data(_warehouse(settings))
    written = {}
    for key, records in ((lake.recs_key(ds), score_users(trained, data)),
                         (lake.segment_recs_key(ds), score_segments(trained, data, cold_model))):
        body = "\n".join(json.dumps(r, sort_keys=True) for r in records)
        hook.load_string(body, key=key, bucket_name=settings.lake_bucket, replace=True)
        written[key] = len(records)
    return {"written": written, "cold_start_model": cold_model}


def _scored(hook, settings: Settings, key: str) -> list[dict]:
    lines = hook.read_key(key, bucket_name=settings.lake_bucket).splitlines()
    return [json.loads(line) for line in lines if line]


def publish_recs(settings: Settings, run_id: str, ds: str, generated_at: str) -> dict:
    """Write the recommendations of ``ds`` (users, and ``segment#...`` items for new users) to DynamoDB
    and mark the run published."""
    from airflow.providers.amazon.aws.hooks.dynamodb import DynamoDBHook

    from recsys import publish
    from training import registry

    hook = _s3(settings)
    records = [{**r, "model_run_id": run_id, "ds": ds, "generated_at": generated_at}
               for key in (lake.recs_key(ds), lake.segment_recs_key(ds)) for r in _scored(hook, settings, key)]
    dynamo = DynamoDBHook(aws_conn_id=settings.aws_conn_id, table_name=settings.recs_table,
                          table_keys=[publish.KEY])
    publish.ensure_table(dynamo, settings.recs_table)
    n = publish.publish(dynamo, records)
    registry.mark_published(hook, settings.lake_bucket, run_id, ds)
    return {"items": n, "table": settings.recs_table}


def load_published_recs(settings: Settings, run_id: str, ds: str) -> dict:
    """Load what ``run_id`` published into the warehouse (``raw.published_recommendations``, ds partition)."""
    from recsys import warehouse

    hook = _s3(settings)
    rows = warehouse.load_published(_loader(settings, hook), hook, settings.lake_bucket,
                                    _scored(hook, settings, lake.recs_key(ds)), run_id, ds)
    return {"rows": rows, "model_run_id": run_id}

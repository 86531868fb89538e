"""One function per DAG task: build the hooks (:mod:`recsys.backends`), make one call.

Each is idempotent for its ``ds``: it overwrites its own outputs and nothing else.
The DAG file imports this module, so the stage modules (provider hooks, pyarrow,
Spark helpers, training) are imported inside the functions, at run time, not at
every DAG parse.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import datetime, timezone

from recsys import backends
from recsys.settings import Settings
from spark.cleaning import lake
from training.schedule import FULL_EVERY_DAYS

log = logging.getLogger(__name__)


def require_ds(ds: str | None) -> str:
    """The run's ds; a run triggered without a logical date (ds=None) fails here for good (no retry),
    before anything is written."""
    from airflow.sdk.exceptions import AirflowFailException

    if not ds:
        raise AirflowFailException("this DAG run has no logical date, so it has no ds to write under; trigger "
                                   "it with a logical date (UI: the Trigger form's date; REST API: "
                                   "\"logical_date\"; CLI: airflow dags trigger -l YYYY-MM-DD)")
    return ds


@contextmanager
def fail_for_good(*errors: type[Exception]):
    """Turn ``errors`` (bad input, refused sources, broken accounting: a retry would fail the same way) into
    AirflowFailException, which fails the task without its retries; anything else keeps its retries."""
    from airflow.sdk.exceptions import AirflowFailException

    try:
        yield
    except errors as exc:
        raise AirflowFailException(f"{type(exc).__name__}: {exc}") from exc


def ingest_raw(settings: Settings, ds: str, datasets: dict[str, str]) -> dict:
    """Copy each dataset's files into the raw zone; ``datasets`` maps a dataset name to its URI ("" = default)."""
    from recsys.ingest.fetch import SourceError
    from recsys.ingest.raw import ingest_datasets

    with fail_for_good(SourceError):
        return ingest_datasets(settings, backends.lake_hook(settings), datasets, ds, backends.app_db_hook(settings))


def clean(settings: Settings, ds: str, movies_dataset: str, books_dataset: str,
          max_quarantine_fraction: float) -> dict:
    """Run the Spark clean job for ``ds`` with spark-submit; return its manifest."""
    from recsys.clean.job import clean as run_clean
    from recsys.clean.spark_submit import BadInputError

    with fail_for_good(BadInputError):
        return run_clean(settings, backends.s3_hook(settings), ds, movies_dataset, books_dataset,
                         max_quarantine_fraction)


def upload_glue_code(settings: Settings) -> dict:
    """Upload the clean job and its helpers for the Glue engine."""
    from recsys.clean.glue import upload_code

    return upload_code(backends.lake_hook(settings), settings.lake_bucket)


def register_catalog(settings: Settings, ds: str) -> dict:
    """Register the ds's clean tables in the Glue Data Catalog."""
    from recsys.clean.catalog import register_ds
    from recsys.lake_io import RefusedDayError, read_clean_manifest

    s3 = backends.s3_hook(settings)
    with fail_for_good(RefusedDayError):
        read_clean_manifest(s3, settings.lake_bucket, ds)  # only a day the clean job put in place whole
    return register_ds(backends.glue_catalog_hook(settings), s3, settings.lake_bucket, settings.catalog_database, ds)


def load_warehouse(settings: Settings, ds: str) -> dict:
    """Replace the ``ds`` partition of every raw warehouse table."""
    from recsys.lake_io import RefusedDayError
    from recsys.warehouse.load import load_ds

    s3 = backends.s3_hook(settings)
    with fail_for_good(RefusedDayError):
        return load_ds(backends.warehouse_loader(settings, s3), s3, settings.lake_bucket, ds)


def prepare_warehouse_build(settings: Settings, ds: str) -> dict:
    """Fresh ``_next`` schemas for dbt to build the day into, with the incremental models' history; a source
    with deletions (app-db) has its deleted users purged from that history and the raw tables' older days."""
    import json

    from recsys.warehouse.swap import incremental_models, prepare_build

    from recsys.lake_io import read_clean_manifest
    from recsys.warehouse.purge import purge_deleted_users

    manifest = json.loads((settings.dbt_project_dir / "target" / "manifest.json").read_text())
    hook = backends.warehouse_hook(settings)
    prepared = prepare_build(hook, ds, incremental_models(manifest))
    if lake.DELETED_USERS in read_clean_manifest(backends.s3_hook(settings), settings.lake_bucket, ds).get(
            "change_tables", {}):
        prepared["purged"] = purge_deleted_users(hook, ds, prepared["carried"])
    return prepared


def swap_warehouse(settings: Settings, ds: str) -> dict:
    """Make the marts built for ``ds`` live in one step (unless a newer ds is live already)."""
    from recsys.warehouse.swap import swap_in

    return swap_in(backends.warehouse_hook(settings), ds)


def train(settings: Settings, ds: str, dag_run_id: str, dataset: str, tuning_trials: int = 0,
          lightfm_threads: int = 1, full_evaluation_every_days: int = FULL_EVERY_DAYS) -> dict:
    """Train and evaluate on the training marts (loaded from ``dataset``); store the run and its report in
    the registry. The live run's model (of the same dataset) stays unless validation clearly prefers another.
    Within ``full_evaluation_every_days`` of the live run's full evaluation, the run refits its settings and
    choices instead (:mod:`training.schedule`).
    With ``tuning_trials`` > 0, search the hyperparameters first and train with the best;
    ``lightfm_threads`` > 1 trains LightFM faster, but a rerun then matches in quality, not list for list."""
    from threadpoolctl import threadpool_limits

    from recsys.serving import registry
    from recsys.serving.signing import UntrustedArtefactError, signing_key
    from recsys.warehouse.load import load_model_metrics
    from recsys.warehouse.marts import MARTS_SCHEMA, read_training_data
    from recsys.warehouse.swap import training_schema
    from training.config import ModelParams
    from training.gate import live_configuration
    from training.pipeline import Timer, train_run
    from training.schedule import carried_evaluation

    s3, key = backends.s3_hook(settings), signing_key(settings)
    with fail_for_good(UntrustedArtefactError):
        live = registry.published_metrics(s3, settings.lake_bucket, key)
    incumbent = live_configuration(live, dataset)
    carried = carried_evaluation(live, ds, dataset, full_evaluation_every_days, tuning_trials)
    warehouse = backends.warehouse_hook(settings)
    timer = Timer()
    data = timer.timed("read the training marts", read_training_data, warehouse,
                       training_schema(warehouse, ds, MARTS_SCHEMA))
    log.info("training data: %d interactions, %d users, %d movies, %d book candidates",
             len(data.interactions), len(data.users), len(data.items), len(data.book_candidates))
    run = {"run_id": registry.model_run_id(ds, dag_run_id), "ds": ds, "dag_run_id": dag_run_id,
           "dataset": dataset, "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    with threadpool_limits(settings.blas_threads, "blas"):
        trained, metrics, files, params = train_run(data, ModelParams(num_threads=lightfm_threads), run,
                                                    tuning_trials, incumbent, timer, carried)
    registry.save_run(s3, settings.lake_bucket, key, run["run_id"], trained, params.as_dict(), metrics, data, files)
    load_model_metrics(backends.warehouse_loader(settings, s3), s3, settings.lake_bucket,
                       registry.metrics_of_day(s3, settings.lake_bucket, key, ds), ds)
    log.info("model run %s stored with its report in s3://%s/%s", run["run_id"], settings.lake_bucket,
             lake.model_key(run["run_id"], "report.md"))
    return metrics


def quality_gate(settings: Settings, run_id: str, rule: str = "clearly_below") -> dict:
    """Fail (no retry) when the run's model is worse (by ``rule``, :data:`training.gate.RULES`) than a baseline
    of its run, or clearly worse than the live configuration, both measured in this run."""
    from airflow.sdk.exceptions import AirflowFailException

    from recsys.serving import registry
    from recsys.serving.signing import UntrustedArtefactError, signing_key
    from training import gate

    hook, key = backends.s3_hook(settings), signing_key(settings)
    try:
        with fail_for_good(UntrustedArtefactError):
            verdict = gate.check(registry.load_metrics(hook, settings.lake_bucket, key, run_id),
                                 registry.published_metrics(hook, settings.lake_bucket, key), rule)
    except gate.GateRefused as refused:
        raise AirflowFailException(f"model run {run_id} refused: {refused}; the previously published "
                                   f"recommendations stay live") from None
    log.info("model run %s passes the gate: %s", run_id, verdict)
    return {"run_id": run_id, **verdict}


def score(settings: Settings, run_id: str, ds: str, exploration: float = 0.0) -> dict:
    """Score every user and every demographic segment (cold start) with the run's models, on the data the
    run was trained on (so a rerun of any past ds reproduces that day), re-ranked by ``exploration``;
    write JSON lines to ``recs/ds=<ds>/``."""
    from recsys.lake_io import write_jsonl
    from recsys.serving import registry
    from recsys.serving.signing import UntrustedArtefactError, signing_key
    from training.pipeline import score as score_users
    from training.pipeline import score_segments

    hook, key = backends.s3_hook(settings), signing_key(settings)
    with fail_for_good(UntrustedArtefactError):
        trained = registry.load_artefacts(hook, settings.lake_bucket, key, run_id)
        data = registry.load_training_data(hook, settings.lake_bucket, key, run_id)
    written = {}
    for object_key, records in zip(lake.scored_keys(ds), (score_users(trained, data, exploration=exploration),
                                                          score_segments(trained, data, exploration=exploration))):
        write_jsonl(hook, settings.lake_bucket, object_key, records)
        written[object_key] = len(records)
    return {"written": written, "warm_model": trained.warm.name, "cold_start_model": trained.cold.name,
            "exploration": exploration}


def publish_recs(settings: Settings, run_id: str, ds: str, generated_at: str) -> dict:
    """Write the recommendations of ``ds`` (users, and ``segment#...`` items for new users) to DynamoDB as
    version ``run_id`` with its catalogue, point readers at it, and notify; skipped (nothing written) when a
    newer ds is already live, so a backfill or a cleared old run never replaces newer recommendations."""
    from airflow.sdk.exceptions import AirflowSkipException
    from threadpoolctl import threadpool_limits

    from recsys.lake_io import iter_jsonl
    from recsys.serving import notify, publish, registry, versions
    from recsys.serving.catalogue import write_api_files
    from recsys.serving.signing import UntrustedArtefactError, signing_key

    hook, key = backends.s3_hook(settings), signing_key(settings)
    dynamodb = backends.dynamodb(settings)
    table = publish.ensure_table(dynamodb, settings.recs_table)
    live = versions.live(table)
    if live and live["ds"] > ds:
        raise AirflowSkipException(f"ds={ds} is older than the live recommendations (run {live['run_id']} of "
                                   f"ds={live['ds']}); they stay live. Its recommendations are in "
                                   f"s3://{settings.lake_bucket}/{lake.recs_key(ds)}")
    with fail_for_good(UntrustedArtefactError):
        data = registry.load_training_data(hook, settings.lake_bucket, key, run_id)
        metrics = registry.load_metrics(hook, settings.lake_bucket, key, run_id)
    with threadpool_limits(settings.blas_threads, "blas"):  # the fold-in's EASE solves
        write_api_files(hook, settings.lake_bucket, run_id, data, metrics)

    def scored():  # streamed from the lake twice, counted and then written, so never held whole
        return (r for object_key in lake.scored_keys(ds) for r in iter_jsonl(hook, settings.lake_bucket, object_key))

    version = publish.publish_version(dynamodb, settings.recs_table, publish.stamped(scored(), run_id, ds, generated_at),
                                      run_id, ds, settings.recs_retention_days, settings.publish_writers,
                                      count=sum(1 for _ in scored()))
    with fail_for_good(versions.VersionError):
        pointer = versions.switch_live(table, run_id)
    registry.mark_published(hook, settings.lake_bucket, run_id, ds)  # the gate compares with the live run
    unpublish_deleted_users(settings, hook, table, ds)
    if not version.get("notified_at"):  # a retry after the message went out sends no second one
        notify.send(settings, f"recsys: published {run_id}", notify.published_message(run_id, pointer, version, metrics))
        versions.mark_notified(table, run_id)
    return {"items": int(version["items"]), "table": settings.recs_table, "previous": pointer.get("previous")}


def unpublish_deleted_users(settings: Settings, hook, table, ds: str) -> int:
    """Remove the users the application deleted (up to ``ds``) from every published version."""
    from recsys.lake_io import read_parquet
    from recsys.serving import versions

    prefix = lake.clean_prefix(lake.DELETED_USERS, ds)
    if not hook.list_keys(bucket_name=settings.lake_bucket, prefix=prefix):  # a source without deletions
        return 0
    deleted = read_parquet(hook, settings.lake_bucket, prefix).column("user_id")
    removed = versions.delete_users(table, deleted.to_pylist())
    log.info("%d deleted users: %d items removed from every published version", len(deleted), removed)
    return removed


def rollback(settings: Settings, to_run_id: str | None = None) -> dict:
    """Point readers back at ``to_run_id`` (default: the version published before the live one)."""
    from recsys.serving import notify, publish, registry, versions

    table = publish.ensure_table(backends.dynamodb(settings), settings.recs_table)
    with fail_for_good(versions.VersionError):
        pointer = versions.rollback(table, to_run_id)
    registry.mark_published(backends.s3_hook(settings), settings.lake_bucket, pointer["run_id"], pointer["ds"])
    notify.send(settings, f"recsys: rolled back to {pointer['run_id']}", {"event": "rolled_back", **pointer})
    return pointer


def load_published_recs(settings: Settings, run_id: str, ds: str) -> dict:
    """Load what ``run_id`` published into the warehouse (``raw.published_recommendations``, ds partition)."""
    from recsys.lake_io import read_jsonl
    from recsys.warehouse.load import load_published

    hook = backends.s3_hook(settings)
    rows = load_published(backends.warehouse_loader(settings, hook), hook, settings.lake_bucket,
                          read_jsonl(hook, settings.lake_bucket, lake.recs_key(ds)), run_id, ds)
    return {"rows": rows, "model_run_id": run_id}

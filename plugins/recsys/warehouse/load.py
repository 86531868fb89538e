"""Load lake Parquet into the warehouse ``raw`` schema, one partition per ds.

Every raw table carries ``loaded_at`` (what dbt source freshness reads) and ``ds``.
A load replaces its ds in one transaction, so a rerun never duplicates a partition.
Two loaders implement :class:`Loader`: :mod:`recsys.warehouse.postgres` (PostgreSQL
``COPY FROM STDIN``) and :mod:`recsys.warehouse.redshift` (Redshift ``COPY ... FORMAT AS
PARQUET`` from S3); :mod:`recsys.backends` picks one.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Protocol

import pyarrow as pa

from recsys.lake_io import read_clean_manifest, write_parquet
from recsys.warehouse.schema import RAW_SCHEMA, PartitionSource, create_table_sql, parquet_columns, table_columns
from spark.cleaning import lake

log = logging.getLogger(__name__)

PUBLISHED_TABLE = "published_recommendations"
CLEAN_COUNTS_TABLE = "clean_counts"
MODEL_METRICS_TABLE = "model_run_metrics"
METRICS_FILE = "part-00000.parquet"
CLEAN_COUNTS_SCHEMA = pa.schema([("source_table", pa.string()), ("rows_in", pa.int64()), ("rows_clean", pa.int64()),
                                 ("rows_quarantined", pa.int64()), ("rows_deduplicated", pa.int64()),
                                 ("rows_state", pa.int64()), ("top_reason", pa.string()),
                                 ("top_reason_rows", pa.int64())])
MODEL_METRICS_SCHEMA = pa.schema([("model_run_id", pa.string()), ("dataset", pa.string()),
                                  ("trained_at", pa.timestamp("us")), ("protocol", pa.string()),
                                  ("model", pa.string()), ("role", pa.string()), ("metric", pa.string()),
                                  ("metric_value", pa.float64())])
FEEDBACK_SCHEMA = pa.schema([("feedback_id", pa.int64()), ("user_id", pa.int32()), ("movie_id", pa.int32()),
                             ("event_type", pa.string()), ("value", pa.float64()), ("occurred_at", pa.timestamp("us"))])
PUBLISHED_SCHEMA = pa.schema([("model_run_id", pa.string()), ("user_id", pa.int64()), ("item_type", pa.string()),
                              ("rec_rank", pa.int32()), ("item_id", pa.int64()), ("score", pa.float64())])


class Loader(Protocol):
    hook: object      # the warehouse's DB-API hook
    redshift: bool    # column types for Redshift

    def replace_partitions(self, partitions: dict[str, list[PartitionSource]], ds: str) -> dict[str, int]:
        """Replace the ``ds`` rows of each ``raw.<name>`` with the rows of its sources in one transaction;
        return rows loaded per table."""

    def replace_partition(self, name: str, sources: list[PartitionSource], ds: str) -> int:
        """Replace the ``ds`` rows of ``raw.<name>`` with the rows of ``sources``; return rows loaded."""


def ensure_table(loader: Loader, name: str, schema: pa.Schema) -> None:
    """Create ``raw.<name>`` empty unless it exists, so models reading it build before its first load."""
    columns = table_columns(parquet_columns(schema, loader.redshift), {})
    loader.hook.run([f"create schema if not exists {RAW_SCHEMA}", create_table_sql(name, columns)])


def load_ds(loader: Loader, s3, bucket: str, ds: str) -> dict[str, int]:
    """Load every clean table and the quarantine of ``ds`` in one transaction (readers see the whole new
    day or the old one, never a mix); return rows per warehouse table."""
    manifest = read_clean_manifest(s3, bucket, ds)  # present only when the clean job succeeded
    accounted = manifest["tables"]
    ensure_table(loader, PUBLISHED_TABLE, PUBLISHED_SCHEMA)
    ensure_table(loader, lake.FEEDBACK, FEEDBACK_SCHEMA)  # dbt reads it whatever the source
    ensure_table(loader, MODEL_METRICS_TABLE, MODEL_METRICS_SCHEMA)  # loaded by train, after the first dbt build
    partitions = {name: [PartitionSource(lake.clean_prefix(name, ds))] for name in lake.CLEAN_TABLES}
    for name in set(manifest.get("change_tables", {})) & set(lake.CHANGE_TABLES):  # app-db: events, deletions
        partitions[name] = [PartitionSource(lake.clean_prefix(name, ds))]
    partitions["quarantine"] = [PartitionSource(lake.quarantine_prefix(t, ds), {"source_table": t})
                                for t in accounted]
    write_parquet(s3, bucket, lake.clean_counts_prefix(ds) + METRICS_FILE, clean_count_rows(accounted))
    partitions[CLEAN_COUNTS_TABLE] = [PartitionSource(lake.clean_counts_prefix(ds))]
    return loader.replace_partitions(partitions, ds)


def clean_count_rows(accounted: dict[str, dict]) -> pa.Table:
    """The clean manifest's row accounting, one row per input table, with its most frequent quarantine reason."""
    rows = []
    for table, counts in sorted(accounted.items()):
        reason, n = max(counts.get("top_reasons", {}).items(), key=lambda r: (r[1], r[0]), default=(None, None))
        rows.append({"source_table": table, **{name: counts.get(name) for name in CLEAN_COUNTS_SCHEMA.names[1:6]},
                     "top_reason": reason, "top_reason_rows": n})
    return pa.Table.from_pylist(rows, schema=CLEAN_COUNTS_SCHEMA)


def model_metric_rows(runs: list[dict]) -> pa.Table:
    """Every number of each run's metrics.json, long: one row per (protocol, model, metric), role ``served``
    (the published warm model on protocol A, the cold-start model on B), ``baseline`` or ``peer``; and each
    training step's cost as protocol ``cost``, role ``step``, metrics ``seconds`` and ``peak_mb`` (its memory
    high-water mark)."""
    rows = []
    for run in runs:
        head = {"model_run_id": run["run_id"], "dataset": run.get("dataset"),
                "trained_at": datetime.fromisoformat(run["trained_at"]).astimezone(timezone.utc).replace(tzinfo=None)}
        served = {"A": run["published_model"], "B": run["cold_start"]["model"]}
        for protocol, served_model in served.items():
            for model, values in run["protocols"].get(protocol, {}).items():  # a refit day has no protocol B
                role = ("served" if model == served_model else
                        "baseline" if model in run.get("baselines", ()) else "peer")
                rows += [{**head, "protocol": protocol, "model": model, "role": role, "metric": metric,
                          "metric_value": float(value)} for metric, value in values.items()]
        rows += [{**head, "protocol": "cost", "model": step, "role": "step", "metric": metric,
                  "metric_value": float(value)}
                 for metric in ("seconds", "peak_mb") for step, value in run.get(metric, {}).items()]
    return pa.Table.from_pylist(rows, schema=MODEL_METRICS_SCHEMA)


def load_model_metrics(loader: Loader, s3, bucket: str, runs: list[dict], ds: str) -> int:
    """Replace ``raw.model_run_metrics`` of ``ds`` with the metrics of ``runs`` (every model run of the day)."""
    write_parquet(s3, bucket, lake.model_metrics_prefix(ds) + METRICS_FILE, model_metric_rows(runs))
    loaded = loader.replace_partition(MODEL_METRICS_TABLE, [PartitionSource(lake.model_metrics_prefix(ds))], ds)
    log.info("raw.%s ds=%s: %d rows of %d model runs", MODEL_METRICS_TABLE, ds, loaded, len(runs))
    return loaded


def published_rows(records: list[dict], run_id: str) -> pa.Table:
    """Published records (one per user, with movie and book lists) as one row per recommendation."""
    rows = {name: [] for name in PUBLISHED_SCHEMA.names}
    for rec in records:
        for item_type, key in (("movie", "movies"), ("book", "books")):
            for rank, item in enumerate(rec.get(key, []), 1):
                rows["model_run_id"].append(run_id)
                rows["user_id"].append(int(rec["user_id"]))
                rows["item_type"].append(item_type)
                rows["rec_rank"].append(rank)
                rows["item_id"].append(int(item[f"{item_type}_id"]))
                rows["score"].append(float(item["score"]))
    return pa.table(rows, schema=PUBLISHED_SCHEMA)


def load_published(loader: Loader, s3, bucket: str, records: list[dict], run_id: str, ds: str) -> int:
    """Write what ``run_id`` published to the lake as Parquet and load it into ``raw.published_recommendations``."""
    write_parquet(s3, bucket, lake.published_key(ds), published_rows(records, run_id))
    loaded = loader.replace_partition(PUBLISHED_TABLE, [PartitionSource(lake.published_prefix(ds))], ds)
    log.info("raw.%s ds=%s: %d rows of model run %s", PUBLISHED_TABLE, ds, loaded, run_id)
    return loaded

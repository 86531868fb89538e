"""Load lake Parquet into the warehouse ``raw`` schema, one partition per ds.

Every raw table carries ``loaded_at`` (what dbt source freshness reads) and ``ds``.
A load replaces its ds in one transaction, so a rerun never duplicates a partition.
Two loaders share this module: :mod:`recsys.pg_load` (PostgreSQL ``COPY FROM STDIN``)
and :mod:`recsys.redshift_load` (Redshift ``COPY ... FORMAT AS PARQUET`` from S3).
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq
from airflow.providers.amazon.aws.hooks.s3 import S3Hook

from recsys import lake
from recsys.spark_job import read_json_part

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
CLEAN_TABLES = ("users", "movies", "movie_genres", "ratings", "books", "book_genres")
PUBLISHED_TABLE = "published_recommendations"
# Columns every raw table ends with, after the Parquet columns and any constants.
LOAD_COLUMNS = (("loaded_at", "timestamp"), ("ds", "date"))


def _info_schema_type(sql: str) -> str:
    """How information_schema.columns spells a column type of :func:`sql_type`."""
    if sql.startswith("varchar"):
        return "character varying"
    return "timestamp without time zone" if sql == "timestamp" else sql


@dataclass(frozen=True)
class PartitionSource:
    """Parquet parts under one lake prefix, plus constant text columns to add (e.g. ``source_table``)."""

    prefix: str
    constants: dict[str, str] = field(default_factory=dict)


class Loader(Protocol):
    hook: object      # the warehouse's DB-API hook
    redshift: bool    # column types for Redshift

    def replace_partition(self, name: str, sources: list[PartitionSource], ds: str) -> int:
        """Replace the ``ds`` rows of ``raw.<name>`` with the rows of ``sources``; return rows loaded."""


def parquet_keys(hook: S3Hook, bucket: str, prefix: str) -> list[str]:
    """The Parquet parts under ``prefix`` (Spark's ``_SUCCESS`` and friends left out)."""
    keys = sorted(k for k in hook.list_keys(bucket_name=bucket, prefix=prefix) or [] if k.endswith(".parquet"))
    if not keys:
        raise FileNotFoundError(f"no Parquet under s3://{bucket}/{prefix}")
    return keys


def read_parquet_prefix(hook: S3Hook, bucket: str, prefix: str) -> pa.Table:
    """All Parquet parts under ``prefix`` as one Arrow table."""
    parts = [pq.read_table(io.BytesIO(hook.get_key(k, bucket_name=bucket).get()["Body"].read()))
             for k in parquet_keys(hook, bucket, prefix)]
    return pa.concat_tables(parts)


def sql_type(arrow_type: pa.DataType, redshift: bool = False) -> str:
    """Warehouse column type for an Arrow type (the PostgreSQL/Redshift common subset).

    List columns become pipe-separated text on PostgreSQL and SUPER on Redshift (its
    Parquet COPY loads nested data only into SUPER); models use the bridge tables instead.
    """
    if pa.types.is_int32(arrow_type) or pa.types.is_int16(arrow_type):
        return "integer"
    if pa.types.is_integer(arrow_type):
        return "bigint"
    if pa.types.is_floating(arrow_type):
        return "double precision"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_list(arrow_type) and redshift:
        return "super"
    return "varchar(65535)"


def parquet_columns(schema: pa.Schema, redshift: bool = False) -> list[tuple[str, str]]:
    """(name, warehouse type) of each Parquet column."""
    return [(f.name, sql_type(f.type, redshift)) for f in schema]


def table_columns(columns: list[tuple[str, str]], constants: dict[str, str]) -> list[tuple[str, str]]:
    """(name, type) of a raw table: the Parquet columns, the constants, then loaded_at and ds."""
    return [*columns, *((name, "varchar(256)") for name in constants), *LOAD_COLUMNS]


def column_defs(columns: list[tuple[str, str]]) -> str:
    """``"name" type, ...`` for a CREATE TABLE."""
    return ", ".join(f'"{c}" {t}' for c, t in columns)


def create_table_sql(name: str, columns: list[tuple[str, str]]) -> str:
    return f"create table if not exists {RAW_SCHEMA}.{name} ({column_defs(columns)})"


def drop_if_columns_changed(cur, name: str, columns: list[tuple[str, str]]) -> None:
    """Drop ``raw.<name>`` when its columns no longer match (earlier partitions reload from the lake)."""
    cur.execute("select column_name, data_type from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position", (RAW_SCHEMA, name))
    existing = [tuple(r) for r in cur.fetchall()]
    expected = [(c, _info_schema_type(t)) for c, t in columns]
    if existing and existing != expected:
        log.warning("raw.%s columns changed from %s to %s: recreating it (earlier ds partitions must be "
                    "reloaded from the lake)", name, existing, expected)
        cur.execute(f"drop table {RAW_SCHEMA}.{name} cascade")


def load_time() -> datetime:
    """The ``loaded_at`` of one load (UTC, naive: the column is a plain timestamp)."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def ensure_table(loader: Loader, name: str, schema: pa.Schema) -> None:
    """Create ``raw.<name>`` empty unless it exists, so models reading it build before its first load."""
    columns = table_columns(parquet_columns(schema, loader.redshift), {})
    loader.hook.run([f"create schema if not exists {RAW_SCHEMA}", create_table_sql(name, columns)])


def load_ds(loader: Loader, s3: S3Hook, bucket: str, ds: str) -> dict[str, int]:
    """Load every clean table and the quarantine of ``ds``; return rows per warehouse table."""
    ensure_table(loader, PUBLISHED_TABLE, PUBLISHED_SCHEMA)
    loaded = {}
    for i, name in enumerate(CLEAN_TABLES, 1):
        loaded[name] = loader.replace_partition(name, [PartitionSource(lake.clean_prefix(name, ds))], ds)
        log.info("[%d/%d] raw.%s ds=%s: %d rows", i, len(CLEAN_TABLES), name, ds, loaded[name])
    accounted = read_json_part(s3, bucket, lake.clean_manifest_prefix(ds))["tables"]
    quarantine = [PartitionSource(lake.quarantine_prefix(t, ds), {"source_table": t}) for t in accounted]
    loaded["quarantine"] = loader.replace_partition("quarantine", quarantine, ds)
    log.info("raw.quarantine ds=%s: %d rows", ds, loaded["quarantine"])
    return loaded


PUBLISHED_SCHEMA = pa.schema([("model_run_id", pa.string()), ("user_id", pa.int64()), ("item_type", pa.string()),
                              ("rec_rank", pa.int32()), ("item_id", pa.int64()), ("score", pa.float64())])


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


def load_published(loader: Loader, s3: S3Hook, bucket: str, records: list[dict], run_id: str, ds: str) -> int:
    """Write what ``run_id`` published to the lake as Parquet and load it into ``raw.published_recommendations``."""
    buf = io.BytesIO()
    pq.write_table(published_rows(records, run_id), buf)
    s3.load_bytes(buf.getvalue(), key=lake.published_key(ds), bucket_name=bucket, replace=True)
    loaded = loader.replace_partition(PUBLISHED_TABLE, [PartitionSource(lake.published_prefix(ds))], ds)
    log.info("raw.%s ds=%s: %d rows of model run %s", PUBLISHED_TABLE, ds, loaded, run_id)
    return loaded

"""Load clean Parquet from the lake into the warehouse ``raw`` schema.

Each table gets a ``ds`` column; a load deletes that ds and COPYs the new rows in
one transaction, so a rerun replaces the partition and never duplicates it. List
columns (genres) are stored pipe-separated, which Redshift and PostgreSQL both read.
"""
from __future__ import annotations

import io
import logging

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.postgres.hooks.postgres import PostgresHook

from recsys import lake
from recsys.spark_job import read_json_part

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
CLEAN_TABLES = ("users", "movies", "movie_genres", "ratings", "books", "book_genres")


def read_parquet_prefix(hook: S3Hook, bucket: str, prefix: str) -> pa.Table:
    """All Parquet parts under ``prefix`` as one Arrow table."""
    keys = sorted(k for k in hook.list_keys(bucket_name=bucket, prefix=prefix) or [] if k.endswith(".parquet"))
    if not keys:
        raise FileNotFoundError(f"no Parquet under s3://{bucket}/{prefix}")
    parts = [pq.read_table(io.BytesIO(hook.get_key(k, bucket_name=bucket).get()["Body"].read())) for k in keys]
    return pa.concat_tables(parts)


def _flatten_lists(table: pa.Table) -> pa.Table:
    for i, field in enumerate(table.schema):
        if pa.types.is_list(field.type):
            table = table.set_column(i, field.name, pc.binary_join(table.column(i).cast(pa.list_(pa.string())), "|"))
    return table


def sql_type(arrow_type: pa.DataType) -> str:
    """Warehouse column type for an Arrow type (portable PostgreSQL/Redshift subset)."""
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
    return "varchar(65535)"


_INFO_SCHEMA_TYPES = {"varchar(65535)": "character varying", "timestamp": "timestamp without time zone"}


def create_table_sql(name: str, table: pa.Table) -> str:
    cols = ", ".join(f'"{f.name}" {sql_type(f.type)}' for f in table.schema)
    return f"create table if not exists {RAW_SCHEMA}.{name} ({cols}, ds date not null)"


def _recreate_if_schema_changed(cur, name: str, table: pa.Table) -> None:
    """Drop ``raw.<name>`` when its columns no longer match the clean table's (the lake can reload it)."""
    cur.execute("select column_name, data_type from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position", (RAW_SCHEMA, name))
    existing = [tuple(r) for r in cur.fetchall()]
    expected = [(f.name, _INFO_SCHEMA_TYPES.get(sql_type(f.type), sql_type(f.type))) for f in table.schema]
    expected.append(("ds", "date"))
    if existing and existing != expected:
        log.warning("raw.%s columns changed from %s to %s: recreating it (earlier ds partitions must be "
                    "reloaded from the lake)", name, existing, expected)
        cur.execute(f"drop table {RAW_SCHEMA}.{name} cascade")


def _copy_from(cur, statement: str, data: bytes) -> None:
    """COPY FROM STDIN on a psycopg2 or psycopg 3 cursor (PostgresHook picks either)."""
    if hasattr(cur, "copy_expert"):
        cur.copy_expert(statement, io.BytesIO(data))
    else:
        with cur.copy(statement) as copy:
            copy.write(data)


def replace_partition(pg: PostgresHook, name: str, table: pa.Table, ds: str) -> int:
    """Replace the ``ds`` rows of ``raw.<name>`` with ``table`` atomically; return rows loaded."""
    # combine_chunks: pyarrow's CSV writer emits NUL bytes for zero-row chunks of a concatenation
    table = _flatten_lists(table).combine_chunks()
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False))
    cols = ", ".join(f'"{c}"' for c in table.column_names)
    conn = pg.get_conn()
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f"create schema if not exists {RAW_SCHEMA}")
            _recreate_if_schema_changed(cur, name, table)
            cur.execute(create_table_sql(name, table))
            cur.execute(f"delete from {RAW_SCHEMA}.{name} where ds = %s", (ds,))
            cur.execute(f"create temp table _load on commit drop as select {cols} from {RAW_SCHEMA}.{name} with no data")
            _copy_from(cur, f"copy _load ({cols}) from stdin with (format csv)", buf.getvalue())
            cur.execute(f"insert into {RAW_SCHEMA}.{name} ({cols}, ds) select {cols}, %s from _load", (ds,))
            cur.execute(f"select count(*) from {RAW_SCHEMA}.{name} where ds = %s", (ds,))
            loaded = cur.fetchone()[0]
            if loaded != table.num_rows:  # raised inside the transaction: it rolls back
                raise RuntimeError(f"raw.{name} ds={ds}: loaded {loaded} rows, Parquet has {table.num_rows}")
    finally:
        conn.close()
    return loaded


def load_ds(s3: S3Hook, pg: PostgresHook, bucket: str, ds: str) -> dict[str, int]:
    """Load every clean table and the quarantine of ``ds``; return rows per warehouse table."""
    loaded = {}
    for i, name in enumerate(CLEAN_TABLES, 1):
        table = read_parquet_prefix(s3, bucket, lake.clean_prefix(name, ds))
        loaded[name] = replace_partition(pg, name, table, ds)
        log.info("[%d/%d] raw.%s ds=%s: %d rows", i, len(CLEAN_TABLES), name, ds, loaded[name])
    accounted = read_json_part(s3, bucket, lake.clean_manifest_prefix(ds))["tables"]
    quarantine = pa.concat_tables([
        _with_table_name(read_parquet_prefix(s3, bucket, lake.quarantine_prefix(t, ds)), t)
        for t in accounted], promote_options="permissive")
    loaded["quarantine"] = replace_partition(pg, "quarantine", quarantine, ds)
    log.info("raw.quarantine ds=%s: %d rows", ds, loaded["quarantine"])
    return loaded


def _with_table_name(table: pa.Table, name: str) -> pa.Table:
    return table.append_column("source_table", pa.array([name] * table.num_rows, pa.string()))

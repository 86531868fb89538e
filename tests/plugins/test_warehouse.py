"""Loading clean Parquet into the warehouse replaces the ds partition, never duplicates it."""
from __future__ import annotations

import io
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from airflow.providers.postgres.hooks.postgres import PostgresHook

from recsys import lake, warehouse
from recsys.aws import ensure_bucket, s3_hook

pytestmark = pytest.mark.integration


def _put_parquet(hook, bucket, prefix, table):
    buf = io.BytesIO()
    pq.write_table(table, buf)
    hook.load_bytes(buf.getvalue(), key=prefix + "part-00000.parquet", bucket_name=bucket, replace=True)


def test_replace_partition_twice_keeps_one_copy_and_lists_become_pipes(stack_settings):
    s3, bucket = s3_hook(stack_settings), stack_settings.lake_bucket
    ensure_bucket(s3, bucket)
    pg = PostgresHook(postgres_conn_id=stack_settings.warehouse_conn_id)
    table = pa.table({
        "movie_id": pa.array([1, 2], pa.int32()),
        "title": ["Café, \"Noir\"", "Plain"],
        "genres": pa.array([["Crime", "Film-Noir"], []], pa.list_(pa.string())),
        "rated_at": pa.array([datetime(2001, 1, 1), None], pa.timestamp("us")),
    })
    prefix = lake.clean_prefix("wh_test", "2026-01-03")
    _put_parquet(s3, bucket, prefix, table)
    other_day = warehouse.replace_partition(pg, "wh_test", table, "2026-01-04")
    for _ in range(2):
        loaded = warehouse.replace_partition(pg, "wh_test", warehouse.read_parquet_prefix(s3, bucket, prefix),
                                             "2026-01-03")
    assert loaded == other_day == 2
    rows = pg.get_records("select ds::text, movie_id, title, genres, rated_at from raw.wh_test order by ds, movie_id")
    assert [(r[0], r[1]) for r in rows] == [("2026-01-03", 1), ("2026-01-03", 2), ("2026-01-04", 1), ("2026-01-04", 2)]
    assert rows[0][2:4] == ('Café, "Noir"', "Crime|Film-Noir")
    assert rows[1][3] == "" and rows[1][4] is None


def test_missing_partition_is_a_clear_error(stack_settings):
    s3 = s3_hook(stack_settings)
    ensure_bucket(s3, stack_settings.lake_bucket)
    with pytest.raises(FileNotFoundError, match="clean/ratings/ds=1999-01-01"):
        warehouse.read_parquet_prefix(s3, stack_settings.lake_bucket, lake.clean_prefix("ratings", "1999-01-01"))

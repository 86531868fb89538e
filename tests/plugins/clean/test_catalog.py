"""Clean tables are registered in the Glue Data Catalog (moto server), one partition per ds, rerun-safe."""
from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recsys.backends import glue_catalog_hook, lake_hook
from recsys.clean import catalog
from spark.cleaning import lake

pytestmark = pytest.mark.integration


def _put_parquet(hook, bucket, table, ds):
    data = pa.table({"user_id": pa.array([1], pa.int32()), "rating": [4.5], "genres": [["Drama"]],
                     "rated_at": pa.array([0], pa.timestamp("us"))})
    buf = io.BytesIO()
    pq.write_table(data, buf)
    hook.load_bytes(buf.getvalue(), key=lake.clean_prefix(table, ds) + "part-0.parquet", bucket_name=bucket)


def test_register_creates_tables_and_replaces_the_ds_partition(stack_settings):
    hook, bucket, db = lake_hook(stack_settings), stack_settings.lake_bucket, f"db_{stack_settings.lake_bucket[-8:]}"
    for ds in ("2026-01-01", "2026-01-02"):
        for table in lake.CLEAN_TABLES:
            _put_parquet(hook, bucket, table, ds)
    glue = glue_catalog_hook(stack_settings)
    for ds in ("2026-01-01", "2026-01-02", "2026-01-02"):
        catalog.register_ds(glue, hook, bucket, db, ds)
    table = glue.get_table(db, "ratings")
    columns = {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}
    assert columns == {"user_id": "int", "rating": "double", "genres": "array<string>", "rated_at": "timestamp"}
    assert table["PartitionKeys"] == [{"Name": "ds", "Type": "string"}]
    assert glue.get_partitions(db, "ratings") == {("2026-01-01",), ("2026-01-02",)}
    assert glue.get_table_location(db, "ratings") == f"s3://{bucket}/clean/ratings/"

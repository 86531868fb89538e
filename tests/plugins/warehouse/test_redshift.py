"""The Redshift load path: the statements it issues and the manifests it writes.

No Redshift here and moto runs no SQL, so the connection is a recorder of what
would be sent; the S3 side (Parquet footers, COPY manifests) is the real moto server.
"""
from __future__ import annotations

import json

import pyarrow as pa
import pytest

from recsys.backends import lake_hook
from recsys.warehouse.redshift import (RedshiftCopyLoader, StagedSource, copy_manifest, copy_statement,
                                       partition_statements)
from recsys.warehouse.schema import PartitionSource, sql_type
from spark.cleaning import lake
from tests.plugins.warehouse.test_load import put_parquet

ROLE = "recsys-copy-role-arn"  # any IAM role ARN; only passed through


def test_copy_reads_parquet_through_a_manifest_with_the_iam_role():
    assert copy_statement("_load", "s3://lake/m.manifest", ROLE) == (
        f"copy _load from 's3://lake/m.manifest' iam_role '{ROLE}' format as parquet serializetojson manifest")


def test_manifest_lists_every_part_with_its_length():
    assert copy_manifest("lake", {"clean/r/ds=1/part-1.parquet": 20, "clean/r/ds=1/part-0.parquet": 10}) == {
        "entries": [
            {"url": "s3://lake/clean/r/ds=1/part-0.parquet", "mandatory": True, "meta": {"content_length": 10}},
            {"url": "s3://lake/clean/r/ds=1/part-1.parquet", "mandatory": True, "meta": {"content_length": 20}}]}


def test_partition_statements_delete_the_ds_then_copy_each_source_through_a_temp_table():
    sources = [StagedSource([("source_file", "varchar(65535)"), ("line_number", "bigint")], f"s3://lake/{i}.manifest",
                            {"source_table": table}, 1) for i, table in enumerate(["ratings", "users"])]
    statements = partition_statements("quarantine", sources, "2026-01-03", ROLE, "2026-01-04 05:06:07")
    assert statements == [
        "delete from raw.quarantine where ds = '2026-01-03'",
        'create temp table _load_quarantine_0 ("source_file" varchar(65535), "line_number" bigint)',
        copy_statement("_load_quarantine_0", "s3://lake/0.manifest", ROLE),
        'insert into raw.quarantine ("source_file", "line_number", "source_table", "loaded_at", "ds") '
        "select \"source_file\", \"line_number\", 'ratings', '2026-01-04 05:06:07', '2026-01-03' "
        "from _load_quarantine_0",
        "drop table _load_quarantine_0",
        'create temp table _load_quarantine_1 ("source_file" varchar(65535), "line_number" bigint)',
        copy_statement("_load_quarantine_1", "s3://lake/1.manifest", ROLE),
        'insert into raw.quarantine ("source_file", "line_number", "source_table", "loaded_at", "ds") '
        "select \"source_file\", \"line_number\", 'users', '2026-01-04 05:06:07', '2026-01-03' "
        "from _load_quarantine_1",
        "drop table _load_quarantine_1",
    ]


def test_lists_are_super_on_redshift_and_text_on_postgres():
    genres = pa.list_(pa.string())
    assert sql_type(genres, redshift=True) == "super"
    assert sql_type(genres) == "varchar(65535)"


class RecordingCursor:
    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql, params=None):
        self.conn.sent.append((sql, params))

    def fetchall(self):
        return []  # information_schema: the table does not exist yet

    def fetchone(self):
        return (self.conn.count,)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class RecordingConnection:
    """Stands in for redshift_connector: records statements, commits and rollbacks."""

    def __init__(self, count):
        self.sent, self.count, self.events = [], count, []

    def cursor(self):
        return RecordingCursor(self)

    def commit(self):
        self.events.append("commit")

    def rollback(self):
        self.events.append("rollback")

    def close(self):
        self.events.append("close")


class RecordingHook:
    def __init__(self, count):
        self.conn = RecordingConnection(count)

    def get_conn(self):
        return self.conn


@pytest.mark.integration
@pytest.mark.parametrize("rows_counted, outcome", [(3, "commit"), (2, "rollback")])
def test_loader_writes_manifests_and_commits_only_a_balanced_load(stack_settings, rows_counted, outcome):
    s3 = lake_hook(stack_settings)
    bucket = stack_settings.lake_bucket
    prefix = lake.clean_prefix("movies", "2026-01-03")
    table = pa.table({"movie_id": pa.array([1, 2, 3], pa.int32()),
                      "genres": pa.array([["Crime"], [], ["War"]], pa.list_(pa.string()))})
    put_parquet(s3, bucket, prefix, table.slice(0, 2), part=0)
    put_parquet(s3, bucket, prefix, table.slice(2), part=1)
    s3.load_string("", key=prefix + "_SUCCESS", bucket_name=bucket)
    hook = RecordingHook(rows_counted)
    loader = RedshiftCopyLoader(hook, s3, bucket, ROLE)

    if outcome == "commit":
        assert loader.replace_partition("movies", [PartitionSource(prefix)], "2026-01-03") == 3
    else:
        with pytest.raises(RuntimeError, match="loaded 2 rows, Parquet has 3"):
            loader.replace_partition("movies", [PartitionSource(prefix)], "2026-01-03")

    assert hook.conn.events == [outcome, "close"]
    sql = [s for s, _ in hook.conn.sent]
    assert sql[2] == ('create table if not exists raw.movies ("movie_id" integer, "genres" super, '
                      '"loaded_at" timestamp, "ds" date)')
    manifest_key = lake.redshift_manifest_key("movies", "2026-01-03", 0)
    assert manifest_key == "manifests/redshift/movies/ds=2026-01-03/source-0.manifest"
    assert copy_statement("_load_movies_0", f"s3://{bucket}/{manifest_key}", ROLE) in sql
    manifest = json.loads(s3.read_key(manifest_key, bucket))
    parts = [e["url"] for e in manifest["entries"]]
    assert parts == [f"s3://{bucket}/{prefix}part-00000.parquet", f"s3://{bucket}/{prefix}part-00001.parquet"]
    assert all(e["meta"]["content_length"] > 0 for e in manifest["entries"])


def test_a_redshift_load_without_an_iam_role_is_a_clear_error():
    with pytest.raises(ValueError, match="RECSYS_REDSHIFT_COPY_ROLE"):
        RedshiftCopyLoader(RecordingHook(0), None, "lake", "")

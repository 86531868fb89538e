"""AWS warehouse loads: Redshift ``COPY ... FORMAT AS PARQUET`` straight from the lake.

Redshift reads the Parquet itself, so nothing passes through the worker. A COPY
manifest names the exact parts (Spark leaves ``_SUCCESS`` beside them; Parquet
manifests need each part's ``content_length``). COPY maps Parquet columns by
position, so each source lands in a temporary table shaped like its Parquet and is
then inserted into ``raw.<table>`` with its constants, ``loaded_at`` and ``ds``,
all in one transaction. Untestable against moto (it runs no SQL): the statements
are unit-tested instead.
"""
from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass

import pyarrow.parquet as pq

from recsys.lake_io import parquet_keys
from recsys.warehouse.schema import (RAW_SCHEMA, PartitionSource, column_defs, create_table_sql,
                                     drop_if_columns_changed, load_time, parquet_columns, table_columns)
from recsys.warehouse.transaction import transaction
from spark.cleaning import lake

log = logging.getLogger(__name__)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quoted(names) -> str:
    return ", ".join(f'"{n}"' for n in names)


def parquet_footer(s3, bucket: str, key: str) -> tuple[int, pq.FileMetaData]:
    """A Parquet part's size and metadata (schema, row count), read with two ranged GETs, not the whole file."""
    obj = s3.get_key(key, bucket_name=bucket)
    size = obj.content_length
    tail = obj.get(Range=f"bytes={size - 8}-")["Body"].read()
    footer = obj.get(Range=f"bytes={size - 8 - int.from_bytes(tail[:4], 'little')}-")["Body"].read()
    return size, pq.read_metadata(io.BytesIO(b"PAR1" + footer))


def copy_manifest(bucket: str, parts: dict[str, int]) -> dict:
    """A COPY manifest for Parquet parts given as {key: size in bytes}."""
    return {"entries": [{"url": lake.uri(f"s3://{bucket}", key), "mandatory": True, "meta": {"content_length": size}}
                        for key, size in sorted(parts.items())]}


def copy_statement(target: str, manifest_uri: str, iam_role: str) -> str:
    """``COPY`` of the Parquet parts a manifest lists; list columns go to SUPER as JSON."""
    return (f"copy {target} from {_literal(manifest_uri)} iam_role {_literal(iam_role)} "
            f"format as parquet serializetojson manifest")


@dataclass(frozen=True)
class StagedSource:
    """One source of a partition, ready to COPY: its Parquet columns, manifest and constants."""

    columns: list[tuple[str, str]]
    manifest_uri: str
    constants: dict[str, str]
    num_rows: int


def partition_statements(name: str, sources: list[StagedSource], ds: str, iam_role: str,
                         loaded_at: str) -> list[str]:
    """Statements replacing ``raw.<name>``'s ds rows; run in one transaction once the table exists."""
    statements = [f"delete from {RAW_SCHEMA}.{name} where ds = {_literal(ds)}"]
    for i, source in enumerate(sources):
        temp = f"_load_{name}_{i}"
        names = [c for c, _ in source.columns]
        constants = "".join(f", {_literal(v)}" for v in source.constants.values())
        statements += [
            f"create temp table {temp} ({column_defs(source.columns)})",
            copy_statement(temp, source.manifest_uri, iam_role),
            f"insert into {RAW_SCHEMA}.{name} ({_quoted([*names, *source.constants, 'loaded_at', 'ds'])}) "
            f"select {_quoted(names)}{constants}, {_literal(loaded_at)}, {_literal(ds)} from {temp}",
            f"drop table {temp}",
        ]
    return statements


class RedshiftCopyLoader:
    """Replace ds partitions of ``raw.*`` in Redshift with COPY from S3; the tables of one call in one
    transaction."""

    redshift = True

    def __init__(self, hook, s3, bucket: str, iam_role: str):
        if not iam_role:
            raise ValueError("Redshift loads need RECSYS_REDSHIFT_COPY_ROLE: the IAM role Redshift assumes "
                             "to read the lake")
        self.hook, self.s3, self.bucket, self.iam_role = hook, s3, bucket, iam_role

    def stage(self, name: str, ds: str, index: int, source: PartitionSource) -> StagedSource:
        """Read the source's Parquet footers and write its COPY manifest."""
        parts = {k: parquet_footer(self.s3, self.bucket, k) for k in parquet_keys(self.s3, self.bucket, source.prefix)}
        key = lake.redshift_manifest_key(name, ds, index)
        manifest = copy_manifest(self.bucket, {k: size for k, (size, _) in parts.items()})
        self.s3.load_string(json.dumps(manifest), key=key, bucket_name=self.bucket, replace=True)
        schema = next(iter(parts.values()))[1].schema.to_arrow_schema()
        return StagedSource(parquet_columns(schema, redshift=True), lake.uri(f"s3://{self.bucket}", key),
                            source.constants, sum(meta.num_rows for _, meta in parts.values()))

    def replace_partitions(self, partitions: dict[str, list[PartitionSource]], ds: str) -> dict[str, int]:
        """Replace the ``ds`` rows of each ``raw.<name>`` with the rows of its sources (which share one Parquet
        schema per table), all tables in one transaction: all replaced or none."""
        staged = {name: [self.stage(name, ds, i, s) for i, s in enumerate(sources)]
                  for name, sources in partitions.items()}
        loaded_at = load_time().isoformat(sep=" ")
        loaded = {}
        with transaction(self.hook) as cur:
            cur.execute(f"create schema if not exists {RAW_SCHEMA}")
            for name, sources in staged.items():
                try:
                    loaded[name] = self._replace(cur, name, sources, ds, loaded_at)
                except Exception as exc:
                    exc.add_note(f"while loading raw.{name} ds={ds}: nothing of this load was committed")
                    raise
        return loaded

    def replace_partition(self, name: str, sources: list[PartitionSource], ds: str) -> int:
        """Replace the ``ds`` rows of ``raw.<name>`` with the rows of ``sources``; return rows loaded."""
        return self.replace_partitions({name: sources}, ds)[name]

    def _replace(self, cur, name: str, staged: list[StagedSource], ds: str, loaded_at: str) -> int:
        columns = table_columns(staged[0].columns, staged[0].constants)
        expected = sum(s.num_rows for s in staged)
        drop_if_columns_changed(cur, name, columns)
        cur.execute(create_table_sql(name, columns))
        for statement in partition_statements(name, staged, ds, self.iam_role, loaded_at):
            log.info("redshift: %s", statement.replace(self.iam_role, "<iam role>"))
            cur.execute(statement)
        cur.execute(f"select count(*) from {RAW_SCHEMA}.{name} where ds = %s", (ds,))
        loaded = cur.fetchone()[0]
        if loaded != expected:
            raise RuntimeError(f"raw.{name} ds={ds}: loaded {loaded} rows, Parquet has {expected}")
        return loaded

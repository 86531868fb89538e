"""Local warehouse loads: PostgreSQL ``COPY FROM STDIN`` of the lake's Parquet, read through S3."""
from __future__ import annotations

import io
import logging
from typing import Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from recsys.lake_io import read_parquet
from recsys.warehouse.schema import (RAW_SCHEMA, PartitionSource, create_table_sql, drop_if_columns_changed,
                                     load_time, parquet_columns, table_columns)
from recsys.warehouse.transaction import transaction

log = logging.getLogger(__name__)


def _flatten_lists(table: pa.Table) -> pa.Table:
    for i, f in enumerate(table.schema):
        if pa.types.is_list(f.type):
            table = table.set_column(i, f.name, pc.binary_join(table.column(i).cast(pa.list_(pa.string())), "|"))
    return table


def _with_constants(table: pa.Table, constants: dict[str, str]) -> pa.Table:
    for name, value in constants.items():
        table = table.append_column(name, pa.array([value] * table.num_rows, pa.string()))
    return table


def _copy_from(cur, statement: str, data: bytes) -> None:
    """COPY FROM STDIN on a psycopg2 or psycopg 3 cursor (PostgresHook picks either)."""
    if hasattr(cur, "copy_expert"):
        cur.copy_expert(statement, io.BytesIO(data))
    else:
        with cur.copy(statement) as copy:
            copy.write(data)


class PostgresCopyLoader:
    """Replace ds partitions of ``raw.*`` in PostgreSQL with COPY; the tables of one call in one transaction."""

    redshift = False

    def __init__(self, hook, s3, bucket: str):
        self.hook, self.s3, self.bucket = hook, s3, bucket

    def read(self, sources: list[PartitionSource]) -> pa.Table:
        """The sources' rows as one table, constants added."""
        parts = [_with_constants(read_parquet(self.s3, self.bucket, s.prefix), s.constants) for s in sources]
        return pa.concat_tables(parts, promote_options="permissive")

    def replace_partitions(self, partitions: dict[str, list[PartitionSource]], ds: str) -> dict[str, int]:
        """Replace the ``ds`` rows of each ``raw.<name>`` with the rows of its sources, all tables or none."""
        return self._transaction({name: (lambda sources=sources: self.read(sources))
                                  for name, sources in partitions.items()}, ds)

    def replace_partition(self, name: str, sources: list[PartitionSource], ds: str) -> int:
        """Replace the ``ds`` rows of ``raw.<name>`` with the rows of ``sources``; return rows loaded."""
        return self.replace_partitions({name: sources}, ds)[name]

    def replace_with_table(self, name: str, table: pa.Table, ds: str) -> int:
        """Replace the ``ds`` rows of ``raw.<name>`` with ``table`` atomically; return rows loaded."""
        return self._transaction({name: lambda: table}, ds)[name]

    def _transaction(self, tables: dict[str, Callable[[], pa.Table]], ds: str) -> dict[str, int]:
        loaded = {}
        with transaction(self.hook) as cur:
            cur.execute(f"create schema if not exists {RAW_SCHEMA}")
            for i, (name, read) in enumerate(tables.items(), 1):
                try:
                    loaded[name] = _replace(cur, name, read(), ds)
                except Exception as exc:
                    exc.add_note(f"while loading raw.{name} ds={ds}: nothing of this load was committed")
                    raise
                log.info("[%d/%d] raw.%s ds=%s: %d rows (committed with the others)", i, len(tables), name,
                         ds, loaded[name])
        return loaded


def _replace(cur, name: str, table: pa.Table, ds: str) -> int:
    """Inside the caller's transaction: replace the ``ds`` rows of ``raw.<name>`` with ``table``."""
    columns = table_columns(parquet_columns(table.schema), {})
    # combine_chunks: pyarrow's CSV writer emits NUL bytes for zero-row chunks of a concatenation
    table = _flatten_lists(table).combine_chunks()
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False))
    cols = ", ".join(f'"{c}"' for c in table.column_names)
    drop_if_columns_changed(cur, name, columns)
    cur.execute(create_table_sql(name, columns))
    cur.execute(f"delete from {RAW_SCHEMA}.{name} where ds = %s", (ds,))
    cur.execute(f"create temp table _load on commit drop as select {cols} from {RAW_SCHEMA}.{name} with no data")
    _copy_from(cur, f"copy _load ({cols}) from stdin with (format csv)", buf.getvalue())
    cur.execute(f"insert into {RAW_SCHEMA}.{name} ({cols}, loaded_at, ds) select {cols}, %s, %s from _load",
                (load_time(), ds))
    cur.execute("drop table _load")
    cur.execute(f"select count(*) from {RAW_SCHEMA}.{name} where ds = %s", (ds,))
    loaded = cur.fetchone()[0]
    if loaded != table.num_rows:  # raised inside the transaction: it rolls back
        raise RuntimeError(f"raw.{name} ds={ds}: loaded {loaded} rows, Parquet has {table.num_rows}")
    return loaded

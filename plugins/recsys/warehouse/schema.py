"""The warehouse ``raw`` schema: column types from Parquet, and the DDL both loaders share."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pyarrow as pa

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
# Columns every raw table ends with, after the Parquet columns and any constants.
LOAD_COLUMNS = (("loaded_at", "timestamp"), ("ds", "date"))


@dataclass(frozen=True)
class PartitionSource:
    """Parquet parts under one lake prefix, plus constant text columns to add (e.g. ``source_table``)."""

    prefix: str
    constants: dict[str, str] = field(default_factory=dict)


def _info_schema_type(sql: str) -> str:
    """How information_schema.columns spells a column type of :func:`sql_type`."""
    if sql.startswith("varchar"):
        return "character varying"
    return "timestamp without time zone" if sql == "timestamp" else sql


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
    """``create table if not exists raw.<name> (...)``."""
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

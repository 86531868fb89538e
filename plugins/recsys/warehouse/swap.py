"""Readers see one complete day: dbt builds a ds into ``<schema>_next`` schemas, then one transaction
swaps them in for the live ones.

While a run builds, analysts keep reading yesterday's ``staging``, ``intermediate``,
``marts`` and ``seeds``, all of one day; the swap renames every schema at once
(PostgreSQL and Redshift both rename schemas inside a transaction), so a reader sees
the old day or the new one, never a mix. ``marts.warehouse_as_of`` says which ds the
live schemas hold; written when the build starts, it also tells a task which ds a
``marts_next`` belongs to. A backfill of an older ds builds and trains on its own schemas and
then drops them instead of swapping them in over a newer day.

The recommendations layer (``recs``) is built after publishing, in place: it describes
what was published, one run at a time.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from recsys.warehouse.transaction import transaction

log = logging.getLogger(__name__)

BUILD_SUFFIX = "_next"  # dbt var schema_suffix of the DAG's first dbt group
SWAPPED_SCHEMAS = ("seeds", "staging", "intermediate", "marts")
AS_OF_TABLE = "warehouse_as_of"


def build_schema(schema: str) -> str:
    """Where the running ds builds ``schema`` before the swap."""
    return schema + BUILD_SUFFIX


def _schemas(cur) -> set[str]:
    cur.execute("select nspname from pg_namespace")
    return {r[0] for r in cur.fetchall()}


def _as_of(cur, schema: str) -> str | None:
    """The ds ``schema`` (``marts`` or its build) holds, or None when it has no as-of table."""
    if schema not in _schemas(cur):
        return None
    cur.execute("select count(*) from information_schema.tables where table_schema = %s and table_name = %s",
                (schema, AS_OF_TABLE))
    if not cur.fetchone()[0]:
        return None
    cur.execute(f"select max(ds) from {schema}.{AS_OF_TABLE}")
    found = cur.fetchone()[0]
    return str(found) if found else None


def live_ds(cur) -> str | None:
    """The ds the live schemas hold, or None before the first swap."""
    return _as_of(cur, "marts")


def _check_build_of(cur, ds: str) -> None:
    built = _as_of(cur, build_schema("marts"))
    if built != ds:
        raise RuntimeError(f"{build_schema('marts')} holds ds={built}, not ds={ds}: another run prepared a build "
                           f"since; rerun this ds from prepare_warehouse_build")


def incremental_models(manifest: dict) -> list[tuple[str, str]]:
    """(schema, table) of the dbt models in the swapped schemas that keep history across days (incremental)."""
    return sorted((n["schema"], n["alias"]) for n in manifest["nodes"].values()
                  if n["resource_type"] == "model" and n["config"].get("materialized") == "incremental"
                  and n["schema"] in SWAPPED_SCHEMAS)


def prepare_build(hook, ds: str, carried: list[tuple[str, str]]) -> dict:
    """Empty ``_next`` schemas for building ``ds``, marked with it, with a copy of the live ``carried``
    tables (incremental models add the new ds to their history instead of starting over)."""
    with transaction(hook) as cur:
        live = _schemas(cur)
        for schema in SWAPPED_SCHEMAS:
            cur.execute(f"drop schema if exists {build_schema(schema)} cascade")
            cur.execute(f"create schema {build_schema(schema)}")
        cur.execute(f"create table {build_schema('marts')}.{AS_OF_TABLE} (ds date, build_started_at timestamp)")
        cur.execute(f"insert into {build_schema('marts')}.{AS_OF_TABLE} values (%s, %s)",
                    (ds, datetime.now(timezone.utc).replace(tzinfo=None)))
        copied = []
        for schema, table in carried:
            cur.execute("select count(*) from information_schema.tables where table_schema = %s "
                        "and table_name = %s", (schema, table))
            if schema in live and cur.fetchone()[0]:
                cur.execute(f"create table {build_schema(schema)}.{table} (like {schema}.{table})")
                cur.execute(f"insert into {build_schema(schema)}.{table} select * from {schema}.{table}")
                copied.append(f"{schema}.{table}")
    log.info("warehouse: building ds=%s into %s; carried over %s", ds, [build_schema(s) for s in SWAPPED_SCHEMAS],
             copied or "nothing")
    return {"carried": copied}


def training_schema(hook, ds: str, schema: str = "marts") -> str:
    """Where the training marts of ``ds`` are: its build schema before the swap, the live one after it
    (a retry of training once the day is live)."""
    with transaction(hook) as cur:
        if _as_of(cur, build_schema("marts")) == ds:
            return build_schema(schema)
        if live_ds(cur) == ds:
            return schema
    raise RuntimeError(f"the marts of ds={ds} are neither being built nor live; rerun this ds from "
                       f"prepare_warehouse_build")


def swap_in(hook, ds: str) -> dict:
    """Swap the ``_next`` schemas built for ``ds`` in for the live ones, in one transaction; when the live
    schemas hold a newer ds, drop the ``_next`` schemas instead. Returns what was done."""
    with transaction(hook) as cur:
        missing = [build_schema(s) for s in SWAPPED_SCHEMAS if build_schema(s) not in _schemas(cur)]
        if missing:
            raise RuntimeError(f"ds={ds}: {missing} were not built; run the dbt tasks of this ds first")
        _check_build_of(cur, ds)
        live = live_ds(cur)
        if live and live > ds:
            for schema in SWAPPED_SCHEMAS:
                cur.execute(f"drop schema {build_schema(schema)} cascade")
            outcome = {"swapped": False, "ds": ds, "live_ds": live}
        else:
            for schema in SWAPPED_SCHEMAS:
                cur.execute(f"drop schema if exists {schema} cascade")
                cur.execute(f"alter schema {build_schema(schema)} rename to {schema}")
            outcome = {"swapped": True, "ds": ds, "live_ds": ds}
    log.info("warehouse: %s", f"ds={ds} is live" if outcome["swapped"] else
             f"ds={ds} is older than the live ds={outcome['live_ds']}: its build was dropped, the live day stays")
    return outcome

"""Readers of the warehouse see one complete day: a ds is built beside the live schemas and swapped in at once."""
from __future__ import annotations

import psycopg2
import pytest

from recsys import backends
from recsys.warehouse import swap

pytestmark = pytest.mark.integration


def _build(hook, ds: str) -> None:
    """What the dbt group leaves behind: every swapped schema built for ``ds`` under its _next name."""
    statements = []
    for schema in swap.SWAPPED_SCHEMAS:
        built = swap.build_schema(schema)
        statements += [f"drop schema if exists {built} cascade", f"create schema {built}",
                       f"create table {built}.day as select cast('{ds}' as date) as ds"]
    hook.run(statements + [f"create table marts_next.{swap.AS_OF_TABLE} as select cast('{ds}' as date) as ds"])


def _days_seen(settings) -> set[str]:
    """What an analyst's own connection sees: the ds of every live schema."""
    with psycopg2.connect(host=settings.pg_host, port=settings.pg_port, user=settings.pg_user,
                          password=settings.pg_password, dbname=settings.pg_database) as conn, conn.cursor() as cur:
        cur.execute(" union all ".join(f"select cast(ds as text) from {s}.day" for s in swap.SWAPPED_SCHEMAS))
        return {r[0] for r in cur.fetchall()}


@pytest.fixture
def warehouse(local_stack):
    hook = backends.warehouse_hook(local_stack)
    saved = [f"alter schema {s} rename to {s}_saved" for s in (*swap.SWAPPED_SCHEMAS, "recs")]
    present = {r[0] for r in hook.get_records("select nspname from pg_namespace")}
    hook.run([q for q, s in zip(saved, (*swap.SWAPPED_SCHEMAS, "recs")) if s in present] or ["select 1"])
    yield hook
    hook.run([f"drop schema if exists {s} cascade" for s in swap.SWAPPED_SCHEMAS]
             + [f"drop schema if exists {swap.build_schema(s)} cascade" for s in swap.SWAPPED_SCHEMAS]
             + [f"alter schema {s}_saved rename to {s}" for s in (*swap.SWAPPED_SCHEMAS, "recs") if s in present])


def test_a_day_is_seen_whole_before_and_after_the_swap_and_never_replaced_by_an_older_one(local_stack, warehouse):
    _build(warehouse, "2026-02-01")
    assert swap.swap_in(warehouse, "2026-02-01") == {"swapped": True, "ds": "2026-02-01", "live_ds": "2026-02-01"}
    assert _days_seen(local_stack) == {"2026-02-01"}

    _build(warehouse, "2026-02-02")  # the next run is building: readers still see one whole day
    assert _days_seen(local_stack) == {"2026-02-01"}
    assert swap.training_schema(warehouse, "2026-02-02") == "marts_next"
    swap.swap_in(warehouse, "2026-02-02")
    assert _days_seen(local_stack) == {"2026-02-02"}
    assert swap.training_schema(warehouse, "2026-02-02") == "marts", "a retried train reads the live day"

    _build(warehouse, "2026-02-01")  # a backfill of the older day builds and trains, then steps aside
    assert swap.swap_in(warehouse, "2026-02-01") == {"swapped": False, "ds": "2026-02-01", "live_ds": "2026-02-02"}
    assert _days_seen(local_stack) == {"2026-02-02"}
    remaining = {r[0] for r in warehouse.get_records("select nspname from pg_namespace")}
    assert not remaining & {swap.build_schema(s) for s in swap.SWAPPED_SCHEMAS}


def test_a_partial_build_is_never_swapped_in(local_stack, warehouse):
    _build(warehouse, "2026-02-01")
    swap.swap_in(warehouse, "2026-02-01")
    _build(warehouse, "2026-02-02")
    warehouse.run("drop schema intermediate_next cascade")
    with pytest.raises(RuntimeError, match=r"\['intermediate_next'\] were not built"):
        swap.swap_in(warehouse, "2026-02-02")
    assert _days_seen(local_stack) == {"2026-02-01"}


def test_a_build_belongs_to_the_ds_that_prepared_it(local_stack, warehouse):
    swap.prepare_build(warehouse, "2026-02-01", [])
    _build(warehouse, "2026-02-01")
    swap.swap_in(warehouse, "2026-02-01")
    swap.prepare_build(warehouse, "2026-02-03", [])  # another day's run starts building
    assert swap.training_schema(warehouse, "2026-02-01") == "marts", "a retry of the live day reads it"
    with pytest.raises(RuntimeError, match=r"ds=2026-02-02 are neither being built nor live"):
        swap.training_schema(warehouse, "2026-02-02")
    with pytest.raises(RuntimeError, match=r"marts_next holds ds=2026-02-03, not ds=2026-02-02"):
        swap.swap_in(warehouse, "2026-02-02")
    assert swap.training_schema(warehouse, "2026-02-03") == "marts_next"


def test_a_new_build_starts_empty_but_carries_the_history_of_incremental_models(local_stack, warehouse):
    _build(warehouse, "2026-02-01")
    warehouse.run("create table marts_next.fct_history as select cast('2026-02-01' as date) as ds")
    swap.swap_in(warehouse, "2026-02-01")
    manifest = {"nodes": {
        "model.recsys.fct_history": {"resource_type": "model", "schema": "marts", "alias": "fct_history",
                                     "config": {"materialized": "incremental"}},
        "model.recsys.dim_x": {"resource_type": "model", "schema": "marts", "alias": "dim_x",
                               "config": {"materialized": "table"}}}}
    assert swap.incremental_models(manifest) == [("marts", "fct_history")]
    assert swap.prepare_build(warehouse, "2026-02-02", swap.incremental_models(manifest)) == {
        "carried": ["marts.fct_history"]}
    assert warehouse.get_records("select cast(ds as text) from marts_next.fct_history") == [("2026-02-01",)]
    assert warehouse.get_records("select count(*) from information_schema.tables "
                                 "where table_schema = 'marts_next' and table_name = 'day'") == [(0,)]

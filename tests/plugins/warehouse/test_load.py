"""Local warehouse loads (real PostgreSQL, real S3 API): a ds is replaced, never duplicated."""
from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pytest
from recsys import backends
from recsys.lake_io import write_parquet
from recsys.warehouse import load as warehouse
from recsys.warehouse.postgres import PostgresCopyLoader
from recsys.warehouse.schema import PartitionSource
from spark.cleaning import lake

pytestmark = pytest.mark.integration


def put_parquet(hook, bucket, prefix, table, part=0):
    write_parquet(hook, bucket, f"{prefix}part-{part:05d}.parquet", table)


@pytest.fixture
def loader(stack_settings):
    s3 = backends.lake_hook(stack_settings)
    return PostgresCopyLoader(backends.warehouse_hook(stack_settings), s3, stack_settings.lake_bucket)


MOVIES = pa.table({
    "movie_id": pa.array([1, 2], pa.int32()),
    "title": ["Café, \"Noir\"", "Plain"],
    "genres": pa.array([["Crime", "Film-Noir"], []], pa.list_(pa.string())),
    "rated_at": pa.array([datetime(2001, 1, 1), None], pa.timestamp("us")),
})


def test_replacing_a_partition_twice_keeps_one_copy_and_other_days(loader):
    prefix = lake.clean_prefix("wh_test", "2026-01-03")
    put_parquet(loader.s3, loader.bucket, prefix, MOVIES)
    other_day = loader.replace_with_table("wh_test", MOVIES, "2026-01-04")
    for _ in range(2):
        loaded = loader.replace_partition("wh_test", [PartitionSource(prefix)], "2026-01-03")
    assert loaded == other_day == 2
    rows = loader.hook.get_records(
        "select ds::text, movie_id, title, genres, rated_at, loaded_at from raw.wh_test order by ds, movie_id")
    assert [(r[0], r[1]) for r in rows] == [("2026-01-03", 1), ("2026-01-03", 2), ("2026-01-04", 1), ("2026-01-04", 2)]
    assert rows[0][2:4] == ('Café, "Noir"', "Crime|Film-Noir")  # lists become pipe-separated text
    assert rows[1][3] == "" and rows[1][4] is None
    assert all(r[5] is not None for r in rows)  # loaded_at feeds dbt source freshness


def test_sources_with_constants_land_in_one_partition(loader):
    """The quarantine: one source per clean table, each tagged with its table name."""
    rejected = pa.table({"source_file": ["a.dat"], "line_number": pa.array([3], pa.int64()),
                         "raw_line": ["x"], "reason": ["bad"]})
    sources = []
    for table in ("ratings", "users"):
        prefix = lake.quarantine_prefix(f"wh_{table}", "2026-01-03")
        put_parquet(loader.s3, loader.bucket, prefix, rejected)
        sources.append(PartitionSource(prefix, {"source_table": table}))
    assert loader.replace_partition("wh_quarantine", sources, "2026-01-03") == 2
    assert loader.hook.get_records("select source_table, line_number from raw.wh_quarantine order by 1") == [
        ("ratings", 3), ("users", 3)]


def test_published_records_become_one_row_per_recommendation(loader):
    records = [{"user_id": 7, "movies": [{"movie_id": 3, "title": "A", "score": 0.9},
                                         {"movie_id": 1, "title": "B", "score": 0.5}],
                "books": [{"book_id": 11, "title": "C", "authors": "D", "score": 2.0}]}]
    for _ in range(2):
        rows = warehouse.load_published(loader, loader.s3, loader.bucket, records, "test-run", "1999-01-03")
    assert rows == 3
    try:
        assert loader.hook.get_records(
            "select model_run_id, user_id, item_type, rec_rank, item_id, score from raw.published_recommendations "
            "where ds = '1999-01-03' order by item_type desc, rec_rank") == [
            ("test-run", 7, "movie", 1, 3, 0.9), ("test-run", 7, "movie", 2, 1, 0.5), ("test-run", 7, "book", 1, 11, 2.0)]
    finally:  # the DAG tests build marts over every published run in this warehouse
        loader.hook.run("delete from raw.published_recommendations where ds = '1999-01-03'")


def test_changed_columns_recreate_the_table(loader):
    loader.replace_with_table("wh_changing", MOVIES, "2026-01-03")
    narrower = MOVIES.drop_columns(["genres"])
    assert loader.replace_with_table("wh_changing", narrower, "2026-01-04") == 2
    columns = [r[0] for r in loader.hook.get_records(
        "select column_name from information_schema.columns where table_schema = 'raw' "
        "and table_name = 'wh_changing' order by ordinal_position")]
    assert columns == ["movie_id", "title", "rated_at", "loaded_at", "ds"]


def test_missing_partition_is_a_clear_error(loader):
    with pytest.raises(FileNotFoundError, match="clean/ratings/ds=1999-01-01"):
        loader.replace_partition("ratings", [PartitionSource(lake.clean_prefix("ratings", "1999-01-01"))],
                                 "1999-01-01")


def test_a_load_of_several_tables_replaces_all_or_none(loader):
    """A failure in the second table leaves the first table's earlier copy of the day as it was."""
    ds = "2026-01-05"
    loader.replace_with_table("wh_first", MOVIES, ds)
    prefix = lake.clean_prefix("wh_first", ds)
    put_parquet(loader.s3, loader.bucket, prefix, MOVIES.slice(0, 1))
    with pytest.raises(FileNotFoundError, match="clean/wh_missing/ds=2026-01-05") as failure:
        loader.replace_partitions({"wh_first": [PartitionSource(prefix)],
                                   "wh_missing": [PartitionSource(lake.clean_prefix("wh_missing", ds))]}, ds)
    assert "while loading raw.wh_missing ds=2026-01-05: nothing of this load was committed" in failure.value.__notes__
    assert loader.hook.get_records(f"select count(*) from raw.wh_first where ds = '{ds}'") == [(2,)]
    assert loader.replace_partitions({"wh_first": [PartitionSource(prefix)]}, ds) == {"wh_first": 1}


def _run_metrics(run_id: str, trained_at: str) -> dict:
    """A metrics.json as train_run writes it, cut down to what the warehouse keeps."""
    return {"run_id": run_id, "ds": "1999-01-05", "dataset": "sample-movielens", "trained_at": trained_at,
            "published_model": "blend", "baselines": ["popularity"], "cold_start": {"model": "naive-bayes"},
            "protocols": {"A": {"blend": {"ndcg@10": 0.21, "n_test_users": 900},
                                "popularity": {"ndcg@10": 0.12, "n_test_users": 900},
                                "ease": {"ndcg@10": 0.2, "n_test_users": 900}},
                          "B": {"naive-bayes": {"ndcg@10": 0.09}, "popularity": {"ndcg@10": 0.08}}},
            "seconds": {"features": 1.5, "validation: ease": 3.25}, "peak_mb": {"features": 210.0}}


def test_model_runs_of_a_day_become_long_metric_rows_and_a_rerun_replaces_them(loader):
    refit = _run_metrics("model-a", "1999-01-05T01:00:00+00:00")
    del refit["protocols"]["B"]  # a refit day judges on protocol A only
    runs = [refit, _run_metrics("model-b", "1999-01-05T03:00:00+01:00")]
    try:
        for _ in range(2):
            loaded = warehouse.load_model_metrics(loader, loader.s3, loader.bucket, runs, "1999-01-05")
        assert loaded == (6 + 3) + (6 + 2 + 3)  # A: 3 models x 2 metrics, B: 2 x 1, cost: 2 steps' seconds, 1 peak
        rows = loader.hook.get_records(
            "select model_run_id, trained_at::text, protocol, model, role, metric, metric_value "
            "from raw.model_run_metrics where ds = '1999-01-05' and model_run_id = 'model-b' "
            "and metric in ('ndcg@10', 'seconds', 'peak_mb') order by protocol, model, metric")
        assert rows == [
            ("model-b", "1999-01-05 02:00:00", "A", "blend", "served", "ndcg@10", 0.21),  # trained_at in UTC
            ("model-b", "1999-01-05 02:00:00", "A", "ease", "peer", "ndcg@10", 0.2),
            ("model-b", "1999-01-05 02:00:00", "A", "popularity", "baseline", "ndcg@10", 0.12),
            ("model-b", "1999-01-05 02:00:00", "B", "naive-bayes", "served", "ndcg@10", 0.09),
            ("model-b", "1999-01-05 02:00:00", "B", "popularity", "baseline", "ndcg@10", 0.08),
            ("model-b", "1999-01-05 02:00:00", "cost", "features", "step", "peak_mb", 210.0),
            ("model-b", "1999-01-05 02:00:00", "cost", "features", "step", "seconds", 1.5),
            ("model-b", "1999-01-05 02:00:00", "cost", "validation: ease", "step", "seconds", 3.25)]
    finally:  # the DAG tests build marts over every model run in this warehouse
        loader.hook.run("delete from raw.model_run_metrics where ds = '1999-01-05'")


def test_the_clean_accounting_is_one_row_per_table_with_its_top_reason():
    rows = warehouse.clean_count_rows({
        "users": {"rows_in": 10, "rows_clean": 9, "rows_quarantined": 1, "rows_deduplicated": 0,
                  "top_reasons": {"bad age": 1}},
        "feedback": {"rows_in": 7, "rows_clean": 4, "rows_quarantined": 2, "rows_deduplicated": 1, "rows_state": 40,
                     "top_reasons": {"unknown event type": 1, "value outside the event type's range": 1}},
    }).to_pylist()
    assert rows == [
        {"source_table": "feedback", "rows_in": 7, "rows_clean": 4, "rows_quarantined": 2, "rows_deduplicated": 1,
         "rows_state": 40, "top_reason": "value outside the event type's range", "top_reason_rows": 1},
        {"source_table": "users", "rows_in": 10, "rows_clean": 9, "rows_quarantined": 1, "rows_deduplicated": 0,
         "rows_state": None, "top_reason": "bad age", "top_reason_rows": 1}]

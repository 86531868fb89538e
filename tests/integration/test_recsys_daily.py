"""The whole daily DAG on the real local services, run twice for the same ds: first as `make demo`
runs it (the DAG's own schedule, executed by the real scheduler), then again with `airflow dags test`.

Expected values are computed here from the raw sample files with plain Python,
independently of the Spark job and the dbt models.
"""
from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg2
import pyarrow.parquet as pq
import pytest

from recsys import stages
from recsys.backends import s3_hook
from recsys.lake_io import read_clean_manifest
from recsys.local import airflow_stack, dashboards
from recsys.serving import registry
from recsys.serving.signing import signing_key
from recsys.settings import PROJECT_ROOT
from spark.cleaning import lake
from tests.integration.conftest import airflow, dynamo_items, live_run_id
from tests.integration.marts_check import (check_analyst_marts, check_fact_and_dimensions, check_operator_marts,
                                          check_recommendation_marts, query)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DS = datetime.now(timezone.utc).date().isoformat()  # today: the run the @daily schedule creates


def _expected_from_raw(sample: Path) -> dict:
    ml = sample / "movielens"
    users = {int(line.split("::")[0]) for line in (ml / "users.dat").read_text("latin-1").splitlines()}
    movie_genres = {int(f[0]): f[2].split("|") for f in
                    (line.split("::") for line in (ml / "movies.dat").read_text("latin-1").splitlines())}
    latest: dict[tuple[int, int], int] = {}
    for line in (ml / "ratings.dat").read_text("latin-1").splitlines():
        f = line.split("::")
        if len(f) != 4 or not all(x.isdigit() and len(x) <= 10 for x in f) or not 1 <= int(f[2]) <= 5:
            continue
        u, m = int(f[0]), int(f[1])
        if u in users and m in movie_genres:
            latest[(u, m)] = max(latest.get((u, m), 0), int(f[3]))
    rated: dict[int, set] = {}
    for u, m in latest:
        rated.setdefault(u, set()).add(m)
    genres = {g for m in {m for _, m in latest} for g in movie_genres[m]}
    return {"users": users, "movies": len(movie_genres), "ratings": len(latest), "rated": rated,
            "genres_rated": len(genres)}


@pytest.fixture(scope="module")
def two_runs(local_stack, tmp_path_factory):
    logs = tmp_path_factory.mktemp("airflow-logs")
    airflow("db", "migrate", log=logs / "migrate.log")
    airflow_stack.start(local_stack)
    try:
        state = airflow_stack.follow_run(local_stack, "recsys_daily", DS, timeout=1200)
    finally:
        airflow_stack.stop(local_stack)
    assert state == "success", f"see the task logs under {os.environ['AIRFLOW_HOME']}/logs"
    first = dynamo_items(local_stack), live_run_id(local_stack)
    airflow("dags", "test", "recsys_daily", DS, log=logs / "run2.log")
    return first, (dynamo_items(local_stack), live_run_id(local_stack))


def test_every_user_gets_ten_unrated_movies_and_five_books(local_stack, two_runs):
    (items, run_id), _ = two_runs
    expected = _expected_from_raw(local_stack.sample_dir)
    assert {int(i["user_id"]) for i in items} == expected["users"]
    for item in items:
        movies = [int(m["movie_id"]) for m in item["movies"]]
        assert len(set(movies)) == 10, item["user_id"]
        assert not set(movies) & expected["rated"].get(int(item["user_id"]), set()), item["user_id"]
        assert len({int(b["book_id"]) for b in item["books"]}) == 5
        assert all(b["title"] and b["authors"] for b in item["books"])
        assert item["ds"] == DS and item["model_run_id"] == run_id


def test_new_users_get_recommendations_for_their_demographic_segment(local_stack, two_runs):
    segments = dynamo_items(local_stack, segments=True)
    assert segments and len(segments) == len({s["user_id"] for s in segments})
    for item in segments:
        answers = [None if a == "*" else a for a in item["user_id"].removeprefix("segment#").split("|")]
        assert item["segment"] == dict(zip(("gender", "age_bucket", "occupation"), answers))
        assert len({m["movie_id"] for m in item["movies"]}) == 10 and item["books"]
        assert item["cold_start_model"] in {"segment_pop", "naive_bayes", "lightfm_hybrid"} and item["ds"] == DS


def test_rerunning_the_same_ds_gives_the_same_recommendations_from_its_own_model_run(two_runs):
    (first, first_run), (second, second_run) = two_runs
    assert first_run.startswith(f"model-{DS}-") and second_run.startswith(f"model-{DS}-")
    assert first_run != second_run, "each DAG run stores its own model run; neither overwrites the other"
    run_bound = {"model_run_id": None, "version": None, "expires_at": None}  # the run's id, its version's expiry
    assert [{**i, **run_bound} for i in first] == [{**i, **run_bound} for i in second]


def test_marts_hold_the_expected_row_counts(local_stack, two_runs):
    expected = _expected_from_raw(local_stack.sample_dir)
    s = local_stack
    conn = psycopg2.connect(host=s.pg_host, port=s.pg_port, user=s.pg_user, password=s.pg_password,
                            dbname=s.pg_database)
    with conn.cursor() as cur:
        def count(sql: str) -> int:
            cur.execute(sql)
            return cur.fetchone()[0]

        assert count("select count(*) from marts.mart_training__user_features") == len(expected["users"])
        assert count("select count(*) from marts.mart_training__item_features") == expected["movies"]
        assert count("select count(*) from marts.mart_training__interactions") == expected["ratings"]
        assert count("select count(*) from marts.mart_analytics__genre_popularity") == expected["genres_rated"]
        assert count("select sum(n_ratings) from marts.mart_analytics__genre_popularity") >= expected["ratings"]
        # rerunning replaced the ds partition instead of appending to it
        assert count(f"select count(*) from raw.ratings where ds = '{DS}'") == expected["ratings"]
        assert count(f"select count(*) from raw.quarantine where ds = '{DS}'") == 6  # NUL and 70k chars too
    conn.close()


def test_analyst_marts_match_the_clean_parquet(local_stack, two_runs):
    check_fact_and_dimensions(local_stack, DS)  # two runs of the ds: still one snapshot
    check_analyst_marts(local_stack, DS)


def test_recommendation_marts_describe_what_was_published(local_stack, two_runs):
    _, (items, run_id) = two_runs
    check_recommendation_marts(local_stack, run_id, items)


def test_operator_marts_hold_the_days_accounting_and_both_model_runs(local_stack, two_runs):
    (_, first_run), (_, second_run) = two_runs
    check_operator_marts(local_stack, DS, [first_run, second_run], published_run_id=second_run)


def test_every_task_of_the_scheduled_run_recorded_its_duration(local_stack, two_runs):
    tasks = query(local_stack, f"select task_id, state, n_tries, seconds from recs.mart_recs__task_durations "
                               f"where ds = '{DS}' and dag_run_id like 'scheduled__%'")
    stages_run = {"ingest_raw", "clean", "register_catalog", "load_warehouse", "prepare_warehouse_build", "train",
                  "swap_warehouse", "quality_gate", "score", "publish", "load_published_recs"}
    assert stages_run <= set(tasks["task_id"])
    assert any(t.startswith("dbt.") for t in tasks["task_id"]) and any(t.startswith("dbt_published.")
                                                                      for t in tasks["task_id"])
    assert set(tasks["state"]) == {"success"} and (tasks["seconds"] >= 0).all()
    assert tasks.set_index("task_id").loc["train", "seconds"] > 1


# url path -> Vega-Lite charts the page draws on the sample's day
DASHBOARD_CHARTS = {"": 0, "ratings": 3, "audience": 1, "genres": 2, "movies": 1, "data-quality": 2, "model": 5,
                    "published": 4, "tasks": 2}


def test_every_dashboard_shows_the_days_data_in_a_browser(local_stack, two_runs, browser):
    """The Streamlit dashboards on the DAG's warehouse, in Debian's chromium: every page has its title, its
    charts and no error, and shows numbers computed here from the raw files, the lake and DynamoDB; a
    screenshot of each is kept in .state/test/artifacts/dashboards/."""
    _, (items, run_id) = two_runs
    expected = _expected_from_raw(local_stack.sample_dir)
    hook, key = s3_hook(local_stack), signing_key(local_stack)
    metrics = registry.load_metrics(hook, local_stack.lake_bucket, key, run_id)
    rows_in = sum(c["rows_in"] for c in read_clean_manifest(hook, local_stack.lake_bucket, DS)["tables"].values())
    served_ndcg = f"{metrics['protocols']['A'][metrics['published_model']]['ndcg@10']:.4f}"
    values = {"": [f"{expected['ratings']:,}", f"{len(expected['rated']):,}", served_ndcg, DS],
              "ratings": [f"{expected['ratings']:,}"],
              "data-quality": [f"The latest run: {DS}", f"{rows_in:,}"],
              "model": [metrics["published_model"], served_ndcg],
              "published": [f"{sum(1 for i in items if i['model_run_id'] == run_id):,}"]}
    assert set(DASHBOARD_CHARTS) == set(dashboards.PAGES)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = dashboards.start(local_stack, port, local_stack.state_dir / "dashboards.log")
    try:
        for path, title in dashboards.PAGES.items():
            page = dashboards.open_page(browser, f"http://127.0.0.1:{port}", path)
            assert page.inner_text("h1") == title, path
            assert not page.query_selector_all("[data-testid=stException], [data-testid=stAlert]"), (
                f"/{path}: " + page.inner_text("[data-testid=stMain]")[:2000])
            charts = page.query_selector_all("[data-testid=stVegaLiteChart]")
            assert len(charts) == DASHBOARD_CHARTS[path], path
            assert all(chart.query_selector("canvas, svg") for chart in charts), f"/{path}: a chart did not draw"
            text = page.inner_text("[data-testid=stMain]")
            for value in values.get(path, []):
                assert value in text, f"/{path} does not show {value!r}"
            page.close()
        dashboards.screenshots(browser, f"http://127.0.0.1:{port}", local_stack.state_dir / "artifacts" / "dashboards")
    finally:
        dashboards.stop(server)


def dbt(*args: str, target_path: Path) -> subprocess.CompletedProcess:
    """Run the dbt CLI in dbt/ on the test warehouse; its output stays in ``target_path``."""
    return subprocess.run([str(Path(sys.executable).parent / "dbt"), *args, "--profiles-dir", ".",
                           "--target-path", str(target_path)], cwd=PROJECT_ROOT / "dbt", capture_output=True,
                          text=True, env=os.environ.copy())


def test_dbt_build_docs_and_source_freshness_work_on_the_loaded_warehouse(two_runs, tmp_path):
    build = dbt("build", "--vars", f"{{ds: '{DS}'}}", target_path=tmp_path)
    assert build.returncode == 0, build.stdout[-3000:]
    docs = dbt("docs", "generate", target_path=tmp_path)
    assert docs.returncode == 0, docs.stdout[-3000:]
    catalog = json.loads((tmp_path / "catalog.json").read_text())
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    models = {k for k, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    assert models and models <= set(catalog["nodes"]), "every model is in the docs catalog"
    freshness = dbt("source", "freshness", target_path=tmp_path)
    assert freshness.returncode == 0, freshness.stdout[-3000:]
    results = json.loads((tmp_path / "sources.json").read_text())["results"]
    assert results and {r["status"] for r in results} == {"pass"}


def test_summary_reports_every_stage_of_the_ds_asked_for(two_runs):
    """What `make demo` prints at the end, read back from the lake, warehouse and DynamoDB."""
    (_, first_run), (_, second_run) = two_runs
    proc = subprocess.run([sys.executable, "-m", "recsys.local.cli", "summary", "--ds", DS], env=os.environ.copy(),
                          capture_output=True, text=True, check=True)
    out = proc.stdout
    assert "ratings" in out and "rating outside 1-5" in out
    assert "marts.mart_analytics__genre_popularity" in out
    assert f"2 model runs for ds={DS}: {first_run}, {second_run}" in out
    assert f"model run {second_run}, protocol A" in out and f"model run {second_run}, protocol B" in out
    assert f"live now (models/published.json): {second_run} of ds {DS} - this run" in out
    noise = (proc.stdout + proc.stderr).lower()
    assert "warning" not in noise and "openlineage" not in noise
    assert "global_pop" in out and "known users served:" in out and "new users served:" in out
    assert out.count("\n  movie ") == 10 and out.count("\n  book ") == 5


DS_OLD = (datetime.fromisoformat(DS) - timedelta(days=1)).date().isoformat()
REMOVED_USERS = set(range(1, 11))


@pytest.fixture(scope="module")
def older_snapshot(local_stack, tmp_path_factory) -> Path:
    """The sample with users 1-10 gone: what an older day of the source looked like."""
    folder = tmp_path_factory.mktemp("older-snapshot")
    sample = local_stack.sample_dir / "movielens"
    for name in ("users.dat", "movies.dat", "ratings.dat"):
        lines = (sample / name).read_bytes().split(b"\n")
        if name != "movies.dat":
            removed = {str(u).encode() for u in REMOVED_USERS}
            lines = [line for line in lines if line.split(b"::")[0] not in removed]
        (folder / name).write_bytes(b"\n".join(lines))
    return folder


def day_files(settings, ds: str) -> dict[str, object]:
    """Every lake object of one day (raw, clean, quarantine, manifests, recommendations): bytes, or for Parquet
    its rows in a fixed order (Spark's part file names and row order vary between runs, the data must not);
    model runs and their metrics are kept apart (a rerun is a new model run)."""
    hook = s3_hook(settings)
    keys = [k for k in hook.list_keys(bucket_name=settings.lake_bucket) if f"ds={ds}/" in k
            and not k.startswith(("models/", "metrics/models/")) and not k.endswith("_SUCCESS")]
    files: dict[str, object] = {}
    for key in sorted(keys):
        body = hook.get_key(key, settings.lake_bucket).get()["Body"].read()
        name = re.sub(r"part-\d+-[0-9a-f-]+", "part", key)
        if key.endswith(".parquet"):  # a table's parts pooled, its rows sorted
            rows = [json.dumps(r, sort_keys=True, default=str) for r in pq.read_table(io.BytesIO(body)).to_pylist()]
            files[name] = sorted([*files.get(name, []), *rows])
        else:
            files[name] = body
    return files


@pytest.fixture(scope="module")
def backfill(local_stack, two_runs, older_snapshot, tmp_path_factory):
    """After today's runs, an older ds runs on other data (users 1-10 gone), as a backfill or a cleared old
    run does; returns its model run id and the bytes of its recommendations."""
    airflow("dags", "test", "recsys_daily", DS_OLD, "--conf", json.dumps({"dataset_uri": str(older_snapshot)}),
            log=tmp_path_factory.mktemp("airflow-backfill") / "run.log")
    hook = s3_hook(local_stack)
    run_id = registry.runs_of_day(hook, local_stack.lake_bucket, signing_key(local_stack), DS_OLD)[-1]
    return run_id, hook.read_key(lake.recs_key(DS_OLD), bucket_name=local_stack.lake_bucket)


def test_an_older_ds_never_replaces_the_live_day(local_stack, two_runs, backfill):
    _, (items, live_run) = two_runs
    assert dynamo_items(local_stack) == items and live_run_id(local_stack) == live_run
    s = local_stack
    with psycopg2.connect(host=s.pg_host, port=s.pg_port, user=s.pg_user, password=s.pg_password,
                          dbname=s.pg_database) as conn, conn.cursor() as cur:
        cur.execute("select cast(ds as text) from marts.warehouse_as_of")
        assert cur.fetchall() == [(DS,)], "the warehouse still shows the live day"
        cur.execute("select count(*) from pg_namespace where nspname like '%\\_next'")
        assert cur.fetchone()[0] == 0, "the older day's build was dropped"


def test_rerunning_an_old_ds_reproduces_that_day_from_its_own_data(local_stack, backfill):
    from airflow.sdk.exceptions import AirflowSkipException

    run_id, recs = backfill
    users = {json.loads(line)["user_id"] for line in recs.splitlines()}
    assert users and not users & REMOVED_USERS, "the older day scored its own users"
    stages.score(local_stack, run_id, DS_OLD)  # the warehouse now holds the newer day, with users 1-10
    hook = s3_hook(local_stack)
    assert hook.read_key(lake.recs_key(DS_OLD), bucket_name=local_stack.lake_bucket) == recs
    pointer = registry.published_run(hook, local_stack.lake_bucket)
    with pytest.raises(AirflowSkipException, match=f"ds={DS_OLD} is older than the live recommendations"):
        stages.publish_recs(local_stack, run_id, DS_OLD, f"{DS_OLD}T00:00:00+00:00")
    assert registry.published_run(hook, local_stack.lake_bucket) == pointer


def test_clearing_the_older_day_and_running_it_again_reproduces_it_and_the_newer_day_stays_live(
        local_stack, two_runs, backfill, older_snapshot, tmp_path):
    """What an operator does from the UI: clear a whole old run and let it run again."""
    _, (items, live_run) = two_runs
    before = day_files(local_stack, DS_OLD)
    airflow("dags", "test", "recsys_daily", DS_OLD, "--conf", json.dumps({"dataset_uri": str(older_snapshot)}),
            log=tmp_path / "rerun.log")
    after = day_files(local_stack, DS_OLD)
    assert sorted(after) == sorted(before) and any(k.startswith("clean/") for k in after)
    changed = [k for k in before if after[k] != before[k]]
    assert not changed, f"the older day's files changed on its rerun: {changed}"
    assert live_run_id(local_stack) == live_run and dynamo_items(local_stack) == items, "the newer day stays live"

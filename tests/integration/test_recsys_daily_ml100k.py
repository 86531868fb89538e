"""The whole DAG on the real ML-100K and goodbooks-10k from ../shared/data, to DynamoDB.

Skipped, with the reason, when the shared data is absent. Expected values are
computed here from the raw files with plain Python.
"""
from __future__ import annotations

import json

import psycopg2
import pytest

from recsys.settings import PROJECT_ROOT
from tests.integration.conftest import airflow, dynamo_items, live_run_id
from tests.integration.marts_check import check_analyst_marts, check_fact_and_dimensions, check_recommendation_marts
from tests.integration.test_recsys_daily import dbt

SHARED = PROJECT_ROOT.parent / "shared" / "data"
DS = "2026-03-02"
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.real_data,
              pytest.mark.skipif(not (SHARED / "ml-100k" / "u.data").exists()
                                 or not (SHARED / "goodbooks-10k" / "books.csv").exists(),
                                 reason=f"real data not found under {SHARED}")]


@pytest.fixture(scope="module")
def run(local_stack, tmp_path_factory):
    logs = tmp_path_factory.mktemp("airflow-ml100k")
    conf = {"dataset": "ml-100k", "dataset_uri": str(SHARED / "ml-100k"),
            "books_dataset": "goodbooks-10k", "books_uri": f"file://{SHARED / 'goodbooks-10k'}"}
    airflow("db", "migrate", log=logs / "migrate.log")
    airflow("dags", "test", "recsys_daily", DS, "--conf", json.dumps(conf), log=logs / "run.log")
    return dynamo_items(local_stack)


def test_every_ml100k_user_gets_unrated_movies_and_books(run):
    rated: dict[int, set] = {}
    for line in (SHARED / "ml-100k" / "u.data").read_text().splitlines():
        user, movie = map(int, line.split("\t")[:2])
        rated.setdefault(user, set()).add(movie)
    items = [i for i in run if i["ds"] == DS]
    assert {int(i["user_id"]) for i in items} == set(range(1, 944))
    for item in items:
        movies = {int(m["movie_id"]) for m in item["movies"]}
        assert len(movies) == 10 and not movies & rated[int(item["user_id"])]
        assert len({int(b["book_id"]) for b in item["books"]}) == 5


def test_marts_hold_ml100k(local_stack, run):
    s = local_stack
    with psycopg2.connect(host=s.pg_host, port=s.pg_port, user=s.pg_user, password=s.pg_password,
                          dbname=s.pg_database) as conn, conn.cursor() as cur:
        cur.execute("select count(*), count(distinct user_id), count(distinct movie_id) "
                    "from marts.mart_training__interactions")
        assert cur.fetchone() == (100_000, 943, 1_682)
        cur.execute("select count(*), count(distinct occupation) from marts.mart_training__user_features")
        assert cur.fetchone() == (943, 21)
        cur.execute(f"select count(*) from raw.books where ds = '{DS}'")
        assert cur.fetchone()[0] == 10_000


def test_analyst_marts_match_the_clean_ml100k(local_stack, run):
    check_fact_and_dimensions(local_stack, DS)
    check_analyst_marts(local_stack, DS)
    check_recommendation_marts(local_stack, live_run_id(local_stack), run)


def test_dbt_build_passes_on_ml100k(run, tmp_path):
    build = dbt("build", "--vars", f"{{ds: '{DS}'}}", target_path=tmp_path)
    assert build.returncode == 0, build.stdout[-3000:]

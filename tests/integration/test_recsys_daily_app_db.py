"""The loop, end to end: the daily DAG on the application's database for three days, with a sign-up through
the API, a deletion and updates in between; the warehouse, the model and DynamoDB follow each day's state.

Runs after test_recsys_daily.py (file order) in a lake, recommendations table and warehouse database of its
own, on days after today, so that neither run's "newer day is live" rules see the other's days.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, timedelta

import psycopg2
import pytest
from fastapi.testclient import TestClient
from psycopg2 import sql

from recsys.api import keys
from recsys.api.service import build_app
from recsys.backends import dynamodb, s3_hook
from recsys.local import services
from recsys.local.app_db_seed import connect, seed
from recsys.local.env import warehouse_connection_uri
from recsys.local.sample_data import generate_sample, is_current_sample
from recsys.serving import registry, versions
from recsys.serving.signing import signing_key
from tests.integration.conftest import airflow

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DAY1, DAY2, DAY3 = (str(date.today() + timedelta(days=d)) for d in (1, 2, 3))


def _fresh_database(settings) -> None:
    conn = psycopg2.connect(host=settings.pg_host, port=settings.pg_port, user="postgres", dbname="postgres",
                            password=services.pg_superuser_password(settings))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(settings.pg_database)))
        cur.execute(sql.SQL("create database {} owner {}").format(sql.Identifier(settings.pg_database),
                                                                  sql.Identifier(settings.pg_user)))
    conn.close()


def _app_db(settings, statement: str, params: tuple = ()) -> list[tuple]:
    conn = connect(settings)
    with conn, conn.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall() if cur.description else []
    conn.close()
    return rows


def _warehouse(settings, statement: str) -> list[tuple]:
    conn = psycopg2.connect(host=settings.pg_host, port=settings.pg_port, user=settings.pg_user,
                            password=settings.pg_password, dbname=settings.pg_database)
    with conn.cursor() as cur:
        cur.execute(statement)
        rows = cur.fetchall()
    conn.close()
    return rows


def _live(settings) -> tuple[object, dict]:
    table = dynamodb(settings).Table(settings.recs_table)
    return table, versions.live(table)


@pytest.fixture(scope="module")
def app_stack(local_stack, tmp_path_factory):
    """Settings and Airflow environment of this module's own lake, table and warehouse, the app database seeded."""
    s = dataclasses.replace(local_stack, lake_bucket="app-db-lake", recs_table="app-db-recs",
                            pg_database="app_db_warehouse", dataset="app-db")
    _fresh_database(s)
    _app_db(s, "drop schema if exists app cascade")  # seed creates it again, empty
    if not is_current_sample(s.sample_dir):
        generate_sample(s.sample_dir, scale=s.sample_scale, seed=s.sample_seed)
    assert seed(s, s.sample_dir / "movielens")["ratings"] > 1000
    env = {"RECSYS_LAKE_BUCKET": s.lake_bucket, "RECSYS_RECS_TABLE": s.recs_table, "RECSYS_DATASET": "app-db",
           "RECSYS_PG_DATABASE": s.pg_database, "AIRFLOW_CONN_RECSYS_WAREHOUSE": warehouse_connection_uri(s)}
    logs = tmp_path_factory.mktemp("app-db-logs")
    airflow("db", "migrate", log=logs / "migrate.log")
    return s, lambda ds: airflow("dags", "test", "recsys_daily", ds, log=logs / f"{ds}.log", env=env)


@pytest.fixture(scope="module")
def day1(app_stack):
    s, run = app_stack
    run(DAY1)
    return _live(s)


@pytest.fixture(scope="module")
def signup_and_deletion(app_stack, day1):
    """Between day 1 and day 2: a new user signs up through the API with five ratings, a known user is deleted
    and a movie renamed in the application database."""
    s, _ = app_stack
    table, live = day1
    key = keys.create_key(keys.ensure_table(dynamodb(s), s.api_keys_table), "loop-test", 600)
    client = TestClient(build_app(s, endpoint_url=s.moto_endpoint), headers={"X-API-Key": key})
    popular = [m["movie_id"] for m in client.get("/v1/movies", params={"limit": 5}).json()["movies"]]
    answer = client.post("/v1/recommendations", json={"gender": "F", "age": 29, "occupation": "writer", "zip": "10001",
                                                      "ratings": [{"movie_id": m, "rating": 5} for m in popular]})
    assert answer.status_code == 200, answer.text
    user_id = answer.json()["user_id"]
    assert versions.get_recommendations(table, str(user_id), live["run_id"]) is None, "unknown on day 1"
    deleted = min(int(i["user_id"]) for i in versions.items_of(table, live["run_id"]) if i["user_id"].isdigit())
    _app_db(s, "delete from app.users where user_id = %s", (deleted,))
    _app_db(s, "update app.movies set title = 'Renamed on day 2' where movie_id = %s", (popular[0],))
    return user_id, set(popular), deleted


@pytest.fixture(scope="module")
def day2(app_stack, signup_and_deletion):
    s, run = app_stack
    run(DAY2)
    return _live(s)


def test_day1_publishes_every_seeded_user_with_ratings(app_stack, day1):
    s, _ = app_stack
    table, live = day1
    assert live["ds"] == DAY1
    raters = {u for (u,) in _app_db(s, "select distinct user_id from app.feedback where event_type = 'rating'")}
    published = {int(i["user_id"]) for i in versions.items_of(table, live["run_id"]) if i["user_id"].isdigit()}
    assert raters <= published
    ((rated, off_scale),) = _app_db(s, "select count(distinct (user_id, movie_id)) filter (where value between 1 "
                                       "and 5), count(*) filter (where value not between 1 and 5) "
                                       "from app.feedback where event_type = 'rating'")
    assert off_scale == 1, "the sample's out-of-range rating made it into the application's table"
    # a re-rating of the same movie is another event: the latest one is the rating (the others are deduplicated)
    assert _warehouse(s, f"select count(*) from raw.ratings where ds = '{DAY1}'") == [(rated,)]
    assert _warehouse(s, f"select source_table, reason from raw.quarantine where ds = '{DAY1}'") == [
        ("feedback", "value outside the event type's range")], "rows in = rows out + rows quarantined"


def test_a_user_who_signed_up_gets_a_personal_list_the_next_day(app_stack, signup_and_deletion, day2):
    s, _ = app_stack
    user_id, rated, _ = signup_and_deletion
    table, live = day2
    assert live["ds"] == DAY2
    item = versions.get_recommendations(table, str(user_id), live["run_id"])
    assert item is not None, "the new user is published"
    served_by = Counter(i["served_by"] for i in versions.items_of(table, live["run_id"]) if i["user_id"].isdigit())
    assert item["served_by"] == served_by.most_common(1)[0][0], "served like most known users, not as a new one"
    assert not rated & {int(m["movie_id"]) for m in item["movies"]}, "the movies they rated are not recommended"
    assert _warehouse(s, f"select gender, age_bucket, occupation from raw.users where ds = '{DAY2}' "
                         f"and user_id = {user_id}") == [("F", "25-34", "writer")]
    evaluation = registry.load_metrics(s3_hook(s), s.lake_bucket, signing_key(s), live["run_id"])["evaluation"]
    assert (evaluation["kind"], evaluation["ds"]) == ("refit", DAY1), "day 2 refits day 1's evaluated choices"


def test_a_deleted_user_leaves_the_clean_tables_the_marts_and_the_published_version(app_stack, signup_and_deletion,
                                                                                    day2):
    s, _ = app_stack
    _, _, deleted = signup_and_deletion
    table, live = day2
    assert live["previous"] and versions.get_recommendations(table, str(deleted), live["previous"]) is None, \
        "gone from the day-1 version too: a rollback cannot serve them"
    assert versions.get_recommendations(table, str(deleted), live["run_id"]) is None
    for relation in ("raw.users", "raw.ratings", "raw.published_recommendations", "marts.fct_ratings",
                     "marts.mart_training__interactions", "marts.mart_training__user_features"):
        assert _warehouse(s, f"select count(*) from {relation} where user_id = {deleted}") == [(0,)], \
            f"{relation}: no day of it keeps the deleted user"
    assert _warehouse(s, f"select count(*) from marts.fct_ratings where ds = '{DAY1}'")[0][0] > 0, "history kept"


def test_day3_with_updates_only_follows_the_database(app_stack, signup_and_deletion, day2):
    s, run = app_stack
    user_id, rated, _ = signup_and_deletion
    first = sorted(rated)[0]
    _app_db(s, "update app.feedback set value = 1 where user_id = %s and movie_id = %s", (user_id, first))
    _app_db(s, "update app.users set occupation = 'doctor' where user_id = %s", (user_id,))
    unrated = [m for (m,) in _app_db(s, "select movie_id from app.movies where movie_id not in "
                                        "(select movie_id from app.feedback where user_id = %s) order by movie_id "
                                        "limit 2", (user_id,))]
    _app_db(s, "insert into app.feedback (user_id, movie_id, event_type, value) values (%s, %s, 'like', 1), "
               "(%s, %s, 'watch', 0.3)", (user_id, unrated[0], user_id, unrated[1]))
    run(DAY3)
    table, live = _live(s)
    assert live["ds"] == DAY3 and versions.get_recommendations(table, str(user_id), live["run_id"]) is not None
    assert _warehouse(s, f"select rating from raw.ratings where ds = '{DAY3}' and user_id = {user_id} "
                         f"and movie_id = {first}") == [(1.0,)]
    assert _warehouse(s, f"select occupation from raw.users where ds = '{DAY3}' and user_id = {user_id}") == [("doctor",)]
    assert _warehouse(s, f"select movie_id, rating, weight from marts.mart_training__interactions where user_id = "
                         f"{user_id} and movie_id in ({unrated[0]}, {unrated[1]}) order by movie_id") == [
        (unrated[0], None, 1.0), (unrated[1], None, 0.0)], "a like is a positive; a third of a watch is not"
    (renamed,) = _app_db(s, "select movie_id from app.movies where title = 'Renamed on day 2'")
    assert _warehouse(s, f"select title from marts.dim_movies where movie_id = {renamed[0]}") == [("Renamed on day 2",)]

"""The clean job on the application database's change files (AWS DMS format): a full load, then days of
changes merged onto the day before, with every change applied, quarantined or superseded."""
from __future__ import annotations

import json

import pytest

from spark.cleaning import lake
from spark.cleaning.changes import APP_TABLES
from spark.cleaning.readers import SourceFileError
from spark.jobs import clean_sources
from tests.spark.conftest import stage_raw
from tests.spark.test_bad_inputs import GOOD

DAY1, DAY2, DAY3 = "2026-03-01", "2026-03-02", "2026-03-03"
HEADERS = {t.name: ",".join(t.header()) for t in APP_TABLES}
LOAD = "2026-03-01 06:00:00.000000"


def _file(table: str, *rows: str) -> bytes:
    return "\n".join([HEADERS[table], *rows, ""]).encode()


FULL_LOAD = {
    "app/users/LOAD00000001.csv": _file(
        "users", f"I,{LOAD},,1,M,,25-34,writer,85711", f"I,{LOAD},,2,F,41,,,94043",
        f"I,{LOAD},,3,M,,18-24,,", f"I,{LOAD},,5,X,,,,"),  # user 5: not a gender -> quarantined
    "app/movies/LOAD00000001.csv": _file(
        "movies", f"I,{LOAD},,10,Toy Story,1995,Animation|Children's", f'I,{LOAD},,20,"Heat, the sequel",,Crime'),
    "app/feedback/LOAD00000001.csv": _file(
        "feedback", f"I,{LOAD},,100,1,10,rating,5,2026-02-01 10:00:00.000000",
        f"I,{LOAD},,101,2,10,rating,4,2026-02-01 11:00:00.000000",
        f"I,{LOAD},,102,3,20,rating,2,2026-02-02 10:00:00.000000",
        f"I,{LOAD},,103,1,20,like,1,2026-02-03 10:00:00.000000",
        f"I,{LOAD},,106,5,10,like,1,2026-02-03 11:00:00.000000"),  # of user 5, whose row is quarantined
}
T = "2026-03-01 12:00:{:02d}.000000"
CHANGES = {
    # two files of one day, the later one first in name order would not matter: commit time orders changes
    "app/users/20260301-120000000.csv": _file(
        "users", f"U,{T.format(1)},11,1,M,,25-34,writer,10001",      # user 1 moves
        f"D,{T.format(2)},12,3,,,,,",                                   # user 3 asks to be deleted
        f"I,{T.format(3)},13,4,F,30,,doctor,60601",                     # a new user
        f"U,{T.format(4)},14,9,M,,56+,retired,",                        # update of a row never inserted: upsert
        f"U,2026-02-28 23:00:00.000000,1,2,M,,,,",                      # late: older than the full load's version
        f"X,{T.format(5)},15,2,F,,,,"),                                 # not an operation -> quarantined
    "app/feedback/20260301-120000000.csv": _file(
        "feedback", f"D,{T.format(2)},16,102,,,,,",                     # user 3's rating, deleted with them
        f"I,{T.format(3)},17,104,4,20,rating,5,2026-03-01 11:59:00.000000",
        f"U,{T.format(6)},18,101,2,10,rating,2,2026-03-01 12:00:06.000000",
        f"U,{T.format(6)},18,101,2,10,rating,2,2026-03-01 12:00:06.000000",  # delivered twice
        f"D,{T.format(7)},19,999,,,,,",                                 # delete of a row never seen: a tombstone
        f"I,{T.format(8)},20,105,1,10,rating,9,2026-03-01 12:00:08.000000"),  # 9 stars -> quarantined
}
DAY3_CHANGES = {
    "app/feedback/20260302-120000000.csv": _file(
        "feedback", f"U,2026-03-02 12:00:01.000000,21,103,1,20,rating,3,2026-03-02 12:00:01.000000"),
    "app/users/20260302-120000000.csv": _file(
        "users", f"U,2026-03-01 12:00:00.500000,5,3,M,,18-24,,"),       # late update after the delete: stays deleted
}


def _stage(lake_dir, ds: str, files: dict[str, bytes], base: str | None) -> None:
    folder = stage_raw(lake_dir, "app-db", ds, files)
    manifest = json.loads((folder / lake.RAW_MANIFEST).read_text())
    (folder / lake.RAW_MANIFEST).write_text(json.dumps({**manifest, "base_ds": base}))
    stage_raw(lake_dir, "goodbooks-10k", ds, {n: b.encode() for n, b in GOOD["goodbooks-10k"].items()})


def _run(spark, lake_dir, ds: str) -> dict:
    return clean_sources.run(spark, f"file://{lake_dir}", ds, "app-db", "goodbooks-10k", 1.0)


def _rows(spark, lake_dir, table: str, ds: str) -> list[dict]:
    key = next(c for c in ("feedback_id", "user_id", "movie_id") if c in spark.read.parquet(
        f"file://{lake_dir}/{lake.clean_prefix(table, ds)}").columns)
    frame = spark.read.parquet(f"file://{lake_dir}/{lake.clean_prefix(table, ds)}")
    return [r.asDict() for r in frame.orderBy(key, *[c for c in ("movie_id",) if c != key and c in frame.columns]).collect()]


@pytest.fixture(scope="module")
def three_days(spark, tmp_path_factory):
    lake_dir = tmp_path_factory.mktemp("app-db-lake")
    _stage(lake_dir, DAY1, FULL_LOAD, None)
    _stage(lake_dir, DAY2, CHANGES, DAY1)
    _stage(lake_dir, DAY3, DAY3_CHANGES, DAY2)
    return lake_dir, [_run(spark, lake_dir, ds) for ds in (DAY1, DAY2, DAY3)]


def test_the_full_load_becomes_the_first_days_tables(spark, three_days):
    lake_dir, (day1, _, _) = three_days
    users = _rows(spark, lake_dir, "users", DAY1)
    assert [u["user_id"] for u in users] == [1, 2, 3]
    assert users[1] == {"user_id": 2, "gender": "F", "age": 41, "age_bucket": "35-44", "occupation": None,
                        "zip_code": "94043", "zip_region": "9"}, "an exact age gets its bucket; a missing answer is null"
    assert day1["tables"]["users"]["top_reasons"] == {"gender is not M or F": 1}
    assert [(m["movie_id"], m["title"], m["genres"]) for m in _rows(spark, lake_dir, "movies", DAY1)] == [
        (10, "Toy Story", ["Animation", "Children's"]), (20, "Heat, the sequel", ["Crime"])]
    ratings = _rows(spark, lake_dir, "ratings", DAY1)
    assert [(r["user_id"], r["movie_id"], r["rating"]) for r in ratings] == [(1, 10, 5.0), (2, 10, 4.0), (3, 20, 2.0)], \
        "only rating events are ratings (user 1's like of movie 20 is not)"


def test_changes_upsert_delete_and_ignore_late_and_duplicate_ones(spark, three_days):
    lake_dir, (_, day2, _) = three_days
    users = {u["user_id"]: u for u in _rows(spark, lake_dir, "users", DAY2)}
    assert sorted(users) == [1, 2, 4, 9]
    assert users[1]["zip_code"] == "10001", "the update is applied"
    assert users[2]["gender"] == "F", "a late update older than the state's version is superseded"
    assert users[9]["age_bucket"] == "56+", "an update for a row never inserted is an upsert"
    ratings = [(r["user_id"], r["movie_id"], r["rating"]) for r in _rows(spark, lake_dir, "ratings", DAY2)]
    assert ratings == [(1, 10, 5.0), (2, 10, 2.0), (4, 20, 5.0)], "user 3 and their rating are gone"
    feedback = day2["tables"]["feedback"]
    assert (feedback["rows_in"], feedback["rows_clean"], feedback["rows_quarantined"],
            feedback["rows_deduplicated"]) == (6, 4, 1, 1), "in = applied + quarantined + superseded (the duplicate)"
    assert feedback["top_reasons"] == {"value outside the event type's range": 1}
    deleted = spark.read.parquet(f"file://{lake_dir}/{lake.clean_prefix(lake.DELETED_USERS, DAY2)}").collect()
    assert [r["user_id"] for r in deleted] == [3], "for the purge downstream"
    assert day2["change_tables"] == {lake.FEEDBACK: 4, lake.DELETED_USERS: 1, "feedback_waiting_for_user_or_movie": 1}, \
        "the like of user 5 waits in the state until their user row is clean"
    users_counts = day2["tables"]["users"]
    assert (users_counts["rows_in"], users_counts["rows_clean"], users_counts["rows_quarantined"],
            users_counts["rows_deduplicated"], users_counts["rows_state"]) == (6, 4, 1, 1, 4)


def test_a_table_without_changes_keeps_its_state_and_a_deleted_user_stays_deleted(spark, three_days):
    lake_dir, (_, _, day3) = three_days
    assert [m["movie_id"] for m in _rows(spark, lake_dir, "movies", DAY3)] == [10, 20]
    assert "movies" not in day3["tables"], "no change files: nothing to account"
    assert [u["user_id"] for u in _rows(spark, lake_dir, "users", DAY3)] == [1, 2, 4, 9], \
        "a late update of a deleted user does not bring them back"
    assert day3["tables"]["users"]["rows_deduplicated"] == 1
    ratings = [(r["user_id"], r["movie_id"], r["rating"]) for r in _rows(spark, lake_dir, "ratings", DAY3)]
    assert ratings == [(1, 10, 5.0), (1, 20, 3.0), (2, 10, 2.0), (4, 20, 5.0)], "a like that became a rating"


def test_rerunning_a_day_gives_the_same_tables(spark, three_days):
    lake_dir, (_, day2, _) = three_days
    before = {t: _rows(spark, lake_dir, t, DAY2) for t in ("users", "movies", "ratings")}
    assert _run(spark, lake_dir, DAY2)["tables"] == day2["tables"]
    assert {t: _rows(spark, lake_dir, t, DAY2) for t in ("users", "movies", "ratings")} == before


def test_changes_onto_a_day_that_was_never_cleaned_are_refused(spark, tmp_path):
    _stage(tmp_path, DAY2, CHANGES, DAY1)
    with pytest.raises(SourceFileError, match=f"onto ds={DAY1}, which is not cleaned"):
        _run(spark, tmp_path, DAY2)

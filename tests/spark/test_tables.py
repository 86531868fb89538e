"""Cleaning rules on small hand-written inputs: clean rows, quarantine reasons, accounting."""
from __future__ import annotations

import datetime as dt

import pytest

from spark.cleaning import tables
from spark.cleaning.accounting import AccountingError, TableCounts

NOT_AFTER = int(dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc).timestamp())


def lines(spark, *rows):
    return spark.createDataFrame([(r,) for r in rows], "line string")


def reasons(quarantine):
    return sorted(r["reason"] for r in quarantine.collect())


def test_users_are_typed_and_bad_rows_quarantined_with_reasons(spark):
    raw = lines(spark, "1::F::1::10::48067", "2::M::56::16::70072-1234", "3::M::25::15::T8H1N",
                "4::X::25::15::55455", "5::M::30::15::55455", "6::M::25::99::55455", "x::M::25::1::1",
                "7::M::25", "8::F::18::3::10001", "8::F::18::3::10001")
    clean, quarantine = tables.clean_users(raw)
    rows = {r["user_id"]: r.asDict() for r in clean.collect()}
    assert rows[1] == {"user_id": 1, "gender": "F", "age": 1, "age_bucket": "Under 18", "occupation": 10,
                       "zip_code": "48067", "zip_region": "4"}
    assert rows[2]["zip_region"] == "7" and rows[3]["zip_region"] == "other"
    assert reasons(quarantine) == sorted([
        "gender is not M or F", "age is not a MovieLens age code", "occupation is not a code 0-20",
        "user_id is not an integer", "wrong number of fields", "duplicate user_id", "duplicate user_id"])
    assert raw.count() == clean.count() + quarantine.count()


def test_movies_split_title_and_year_and_genres(spark):
    raw = lines(spark, "1::Toy Story (1995)::Animation|Children's|Comedy", "2::Amélie (2001)::Comedy|Romance",
                "3::No Year::Drama", "4::Bad (1999)::Cartoon", "5::Broken")
    clean, movie_genres, quarantine = tables.clean_movies(raw)
    rows = {r["movie_id"]: r.asDict() for r in clean.collect()}
    assert rows[1] == {"movie_id": 1, "title": "Toy Story", "release_year": 1995,
                       "genres": ["Animation", "Children's", "Comedy"]}
    assert rows[2]["title"] == "Amélie" and rows[3] == {"movie_id": 3, "title": "No Year", "release_year": None,
                                                        "genres": ["Drama"]}
    assert movie_genres.count() == 6
    assert reasons(quarantine) == ["unknown genre", "wrong number of fields"]


def test_ratings_range_future_unknown_and_duplicates_balance(spark):
    users, _ = tables.clean_users(lines(spark, "1::F::1::10::48067", "2::M::25::1::10001"))
    movies, _, _ = tables.clean_movies(lines(spark, "10::A (1990)::Drama", "11::B (1991)::Comedy"))
    raw = lines(spark,
                "1::10::5::978300760", "1::10::3::978300900",   # re-rating: the later (3) wins
                "1::11::4::978300760", "2::10::0::978300760",   # out of range
                f"2::11::4::{NOT_AFTER + 10}",                   # in the future
                "3::10::4::978300760", "2::99::4::978300760",   # unknown user, unknown movie
                "2::10::4", "2::ten::4::978300760")             # malformed
    clean, quarantine, dedup = tables.clean_ratings(raw, users, movies, NOT_AFTER)
    got = {(r["user_id"], r["movie_id"]): r["rating"] for r in clean.collect()}
    assert got == {(1, 10): 3, (1, 11): 4}
    assert dedup == 1
    assert reasons(quarantine) == sorted(["rating outside 1-5", "timestamp in the future", "unknown user_id",
                                          "unknown movie_id", "wrong number of fields", "movie_id is not an integer"])
    counts = TableCounts(rows_in=raw.count(), rows_clean=clean.count(), rows_quarantined=quarantine.count(),
                         rows_deduplicated=dedup)
    counts.check("ratings")


def test_book_genres_fold_aliases_drop_noise_and_rank(spark):
    books = spark.createDataFrame([("1", "100", "Dune", "Frank Herbert", "1965.0", "4.2", "5000", None),
                                   ("x", "101", "Bad id", "Nobody", "", "4", "1", None)],
                                  "book_id string, goodreads_book_id string, title string, authors string, "
                                  "original_publication_year string, average_rating string, ratings_count string, "
                                  "_corrupt_record string")
    tags = spark.createDataFrame([("1", "sci-fi", None), ("2", "to-read", None), ("3", "Classics ", None)],
                                 "tag_id string, tag_name string, _corrupt_record string")
    book_tags = spark.createDataFrame([("100", "1", "50", None), ("100", "2", "9000", None),
                                       ("100", "3", "70", None), ("100", "3", "-1", None)],
                                      "goodreads_book_id string, tag_id string, count string, _corrupt_record string")
    clean_books, books_q = tables.clean_books(books)
    clean_tags, _ = tables.clean_tags(tags)
    clean_book_tags, book_tags_q = tables.clean_book_tags(book_tags)
    genres = tables.book_genres(clean_books, clean_tags, clean_book_tags).orderBy("genre_rank").collect()
    assert [(g["book_id"], g["genre"], g["genre_rank"]) for g in genres] == [(1, "classics", 1), (1, "science-fiction", 2)]
    assert clean_books.collect()[0]["publication_year"] == 1965
    assert reasons(books_q) == ["book_id is not an integer"]
    assert reasons(book_tags_q) == ["count is not a non-negative integer"]


def test_accounting_that_does_not_balance_raises():
    with pytest.raises(AccountingError, match="ratings: rows_in=10"):
        TableCounts(rows_in=10, rows_clean=5, rows_quarantined=1, rows_deduplicated=1).check("ratings")

"""Canonical cleaning rules on small hand-written inputs: types, reasons, deduplication, accounting."""
from __future__ import annotations

import datetime as dt

import pytest

from spark.cleaning import formats, tables
from spark.cleaning.accounting import AccountingError, QuarantineError, TableCounts, check_counts
from spark.cleaning.datasets import RatingScale
from tests.spark.conftest import reasons

NOT_AFTER = int(dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc).timestamp())
NOT_BEFORE = int(dt.datetime(1995, 1, 1, tzinfo=dt.timezone.utc).timestamp())
STARS = RatingScale(1, 5, 1)


def test_ml1m_users_are_typed_and_bad_rows_quarantined_with_reasons(lines):
    raw = lines("1::F::1::10::48067", "2::M::56::16::70072-1234", '"3"::M::25::15::T8H1N',
                "4::X::25::15::55455", "5::M::30::15::55455", "6::M::25::99::55455", "x::M::25::1::1",
                "7::M::25", "8::F::18::3::10001", "8::M::35::7::10001")
    clean, quarantine, deduplicated = tables.clean_users(formats.ml1m_users(raw))
    rows = {r["user_id"]: r.asDict() for r in clean.collect()}
    assert rows[1] == {"user_id": 1, "gender": "F", "age": None, "age_bucket": "Under 18",
                       "occupation": "K-12 student", "zip_code": "48067", "zip_region": "4"}
    assert rows[2]["zip_region"] == "7" and rows[3]["zip_region"] == "other", "quotes stripped from the id"
    assert reasons(quarantine) == sorted([
        "gender is not M or F", "age is not a MovieLens age code", "occupation is not a code 0-20",
        "user_id is not a positive integer", "wrong number of fields: expected 5 '::'-separated, found 3"])
    assert {r["line_number"] for r in quarantine.collect()} == {4, 5, 6, 7, 8}
    assert rows[8]["gender"] == "M" and rows[8]["age_bucket"] == "35-44", "a user listed twice keeps the later line"
    assert deduplicated == 1
    assert raw.count() == clean.count() + quarantine.count() + deduplicated


@pytest.mark.parametrize("written", ["1e2", "-4", "0", "u42", "4.0", "99999999999", "+7"])
def test_ids_are_plain_positive_integers_never_coerced_into_another_id(lines, written):
    users, quarantine, _ = tables.clean_users(formats.ml1m_users(lines(f"{written}::F::1::10::48067",
                                                                         "100::M::25::1::10001")))
    assert [r["user_id"] for r in users.collect()] == [100], f"{written!r} must not become a user"
    assert reasons(quarantine) == ["user_id is not a positive integer"]


def test_a_user_listed_twice_keeps_the_later_line_and_all_their_ratings(lines):
    users, quarantine, deduplicated = tables.clean_users(formats.ml1m_users(
        lines("1::F::1::10::48067", "1::F::18::10::48067")))
    movies, _, _, _ = tables.clean_movies(formats.ml1m_movies(lines("10::A (1990)::Drama")))
    ratings, rejected, _ = tables.clean_ratings(formats.ml1m_ratings(lines("1::10::5::978300760")), users, movies,
                                                NOT_AFTER, STARS)
    assert [(r["user_id"], r["age_bucket"]) for r in users.collect()] == [(1, "18-24")]
    assert quarantine.count() == 0 and deduplicated == 1
    assert ratings.count() == 1 and rejected.count() == 0


def test_ml100k_users_keep_exact_age_and_bucket_it(lines):
    raw = lines("1|24|M|technician|85711", "2|53|F|other|94043", "3|17|M|student|V3N4P", "4|3|M|student|1",
                "5|30|M|astronaut|55455")
    clean, quarantine, _ = tables.clean_users(formats.ml100k_users(raw))
    rows = {r["user_id"]: (r["age"], r["age_bucket"], r["occupation"], r["zip_region"]) for r in clean.collect()}
    assert rows == {1: (24, "18-24", "technician", "8"), 2: (53, "50-55", "other", "9"),
                    3: (17, "Under 18", "student", "other")}
    assert reasons(quarantine) == ["age outside 5-100", "occupation is not an ML-100K occupation"]


def test_movies_split_title_and_year_and_normalise_genres(lines):
    raw = lines("1::Toy Story (1995)::Animation|Children's|Comedy", "2::Amélie (2001)::Comedy|Romance",
                "3::No Year::Drama", "4::Bad (1999)::Cartoon", "5::Broken")
    clean, movie_genres, quarantine, _ = tables.clean_movies(formats.ml1m_movies(raw))
    rows = {r["movie_id"]: r.asDict() for r in clean.collect()}
    assert rows[1] == {"movie_id": 1, "title": "Toy Story", "release_year": 1995,
                       "genres": ["Animation", "Children's", "Comedy"]}
    assert rows[2]["title"] == "Amélie" and rows[3] == {"movie_id": 3, "title": "No Year", "release_year": None,
                                                        "genres": ["Drama"]}
    assert movie_genres.count() == 6
    assert reasons(quarantine) == ["unknown genre", "wrong number of fields: expected 3 '::'-separated, found 2"]


def test_ratings_range_future_unknown_and_duplicates_balance(lines):
    users, _, _ = tables.clean_users(formats.ml1m_users(lines("1::F::1::10::48067", "2::M::25::1::10001")))
    movies, _, _, _ = tables.clean_movies(formats.ml1m_movies(lines("10::A (1990)::Drama", "11::B (1991)::Comedy")))
    raw = lines("1::10::5::978300760", "1::10::3::978300900",   # re-rating: the later (3) wins
                "1::11::4::978300760", "2::10::0::978300760",   # out of range
                f"2::11::4::{NOT_AFTER + 10}",                   # in the future
                "2::11::4::0", "2::11::4::788918399",           # 1970 and 1994-12-31: before the dataset
                "1e0::10::4::978300760", "-2::11::4::978300760",  # not plain positive ids
                "3::10::4::978300760", "2::99::4::978300760",   # unknown user, unknown movie
                "2::10::4", "2::ten::4::978300760")             # malformed
    clean, quarantine, dedup = tables.clean_ratings(formats.ml1m_ratings(raw), users, movies, NOT_AFTER, STARS,
                                                    NOT_BEFORE)
    got = {(r["user_id"], r["movie_id"]): r["rating"] for r in clean.collect()}
    assert got == {(1, 10): 3.0, (1, 11): 4.0}
    assert dedup == 1
    assert reasons(quarantine) == sorted([
        "rating outside 1-5 in steps of 1", "timestamp in the future", "unknown user_id", "unknown movie_id",
        "wrong number of fields: expected 4 '::'-separated, found 3", "movie_id is not a positive integer",
        "timestamp before the dataset's first day", "timestamp before the dataset's first day",
        "user_id is not a positive integer", "user_id is not a positive integer"])
    TableCounts(rows_in=raw.count(), rows_clean=clean.count(), rows_quarantined=quarantine.count(),
                rows_deduplicated=dedup).check("ratings")


def test_half_star_scale_accepts_halves_and_rejects_quarters(lines):
    movies, _, _, _ = tables.clean_movies(formats.ml1m_movies(lines("10::A (1990)::Drama")))
    raw = lines("userId,movieId,rating,timestamp", "1,10,3.5,978300760", "2,10,0.5,978300760",
                "3,10,3.25,978300760", "4,10,0,978300760", source_file="ratings.csv")
    clean, quarantine, _ = tables.clean_ratings(formats.ml_latest_ratings(raw), None, movies, NOT_AFTER,
                                                RatingScale(0.5, 5, 0.5))
    assert sorted(r["rating"] for r in clean.collect()) == [0.5, 3.5]
    assert reasons(quarantine) == ["rating outside 0.5-5 in steps of 0.5"] * 2


def test_book_genres_fold_aliases_drop_noise_and_rank(lines):
    header = "book_id,goodreads_book_id,authors,original_publication_year,title,average_rating,ratings_count"
    books = lines(header, '1,100,Frank Herbert,1965.0,"Dune, Part One",4.2,5000', "x,101,Nobody,,Bad id,4,1",
                  source_file="books.csv")
    tags = lines("tag_id,tag_name", "1,sci-fi", "2,to-read", "3,Classics ", source_file="tags.csv")
    book_tags = lines("goodreads_book_id,tag_id,count", "100,1,50", "100,2,9000", "100,3,70", "100,3,-1",
                      source_file="book_tags.csv")
    clean_books, books_q, _ = tables.clean_books(formats.goodbooks_books(books))
    clean_tags, _ = tables.clean_tags(formats.goodbooks_tags(tags))
    clean_book_tags, book_tags_q = tables.clean_book_tags(formats.goodbooks_book_tags(book_tags))
    genres = tables.shelf_genres(clean_books, clean_tags, clean_book_tags).orderBy("genre_rank").collect()
    assert [(g["book_id"], g["genre"], g["genre_rank"]) for g in genres] == [(1, "classics", 1), (1, "science-fiction", 2)]
    book = clean_books.collect()[0]
    assert (book["title"], book["publication_year"]) == ("Dune, Part One", 1965)
    assert reasons(books_q) == ["book_id is not a positive integer"]
    assert reasons(book_tags_q) == ["count is not a non-negative integer"]


def test_accounting_that_does_not_balance_raises():
    with pytest.raises(AccountingError, match="ratings: rows_in=10"):
        TableCounts(rows_in=10, rows_clean=5, rows_quarantined=1, rows_deduplicated=1).check("ratings")


def test_too_much_quarantine_fails_naming_table_counts_and_reasons():
    counts = {"users": TableCounts(100, 90, 10, 0, {"gender is not M or F": 10}).as_dict()}
    with pytest.raises(QuarantineError, match=r"users: 10 of 100 rows quarantined .*gender is not M or F"):
        check_counts(counts, max_quarantine_fraction=0.05)
    check_counts(counts, max_quarantine_fraction=0.1)


def test_quarantined_lines_are_stored_so_any_warehouse_accepts_them(lines):
    """NUL cannot be stored in PostgreSQL or Redshift text, nor 70,000 characters in varchar(65535)."""
    long_id = "9" * 70_000
    raw = lines("1::10::5::978300760\x00", f"{long_id}::10::4::978300760", "2::10::4::978300760")
    movies, _, _, _ = tables.clean_movies(formats.ml1m_movies(lines("10::A (1990)::Drama")))
    clean, quarantine, _ = tables.clean_ratings(formats.ml1m_ratings(raw), None, movies, NOT_AFTER, STARS)
    stored = {r["line_number"]: r["raw_line"] for r in quarantine.collect()}
    assert stored[1] == "1::10::5::978300760\\x00"
    assert stored[2].startswith("9" * tables.MAX_QUARANTINE_LINE + " ... [truncated: 70018 characters in all")
    assert len(stored[2]) < 5000 and clean.count() == 1

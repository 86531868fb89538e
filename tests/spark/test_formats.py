"""Each source format parses into the canonical tables; line numbers survive file splits."""
from __future__ import annotations

import datetime as dt

from spark.cleaning import formats, tables
from spark.cleaning import lake as layout
from spark.cleaning.datasets import RatingScale
from spark.cleaning.readers import read_lines
from tests.spark.conftest import reasons

NOT_AFTER = int(dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc).timestamp())


def test_ml100k_items_turn_genre_flags_into_names(lines):
    flags = lambda *on: "|".join("1" if i in on else "0" for i in range(19))  # noqa: E731
    raw = lines(f"1|Toy Story (1995)|01-Jan-1995||http://x|{flags(3, 4, 5)}",
                f"267|unknown||||{flags(0)}",
                f"3|Four Rooms|01-Jan-1995||http://x|{flags(16)}",
                f"4|Bad flags (1995)|01-Jan-1995||http://x|{flags(1).replace('0', '2', 1)}")
    movies, _, quarantine, _ = tables.clean_movies(formats.ml100k_movies(raw))
    rows = {r["movie_id"]: (r["title"], r["release_year"], r["genres"]) for r in movies.collect()}
    assert rows == {1: ("Toy Story", 1995, ["Animation", "Children's", "Comedy"]),
                    267: ("unknown", None, []), 3: ("Four Rooms", 1995, ["Thriller"])}
    assert reasons(quarantine) == ["genre flags must be 0 or 1"]


def test_ml100k_ratings_are_tab_separated(lines):
    movies, _, _, _ = tables.clean_movies(formats.ml1m_movies(lines("242::A (1990)::Drama")))
    users, _, _ = tables.clean_users(formats.ml100k_users(lines("196|49|M|writer|55105")))
    raw = lines("196\t242\t3\t881250949", "196,242,3,881250949")
    ratings, quarantine, _ = tables.clean_ratings(formats.ml100k_ratings(raw), users, movies, NOT_AFTER,
                                                  RatingScale(1, 5, 1))
    assert [(r["user_id"], r["movie_id"], r["rating"]) for r in ratings.collect()] == [(196, 242, 3.0)]
    assert reasons(quarantine) == ["wrong number of fields: expected 4 '\t'-separated, found 1"]


def test_ml_latest_movies_quoted_titles_imax_and_no_genres(lines):
    raw = lines("movieId,title,genres", '1,"American President, The (1995)",Comedy|Drama|Romance',
                "2,Avatar (2009),Action|Adventure|Sci-Fi|IMAX", "3,Some Film (2015),(no genres listed)",
                "4,Kids (1990),Children", source_file="movies.csv")
    movies, _, quarantine, _ = tables.clean_movies(formats.ml_latest_movies(raw))
    rows = {r["movie_id"]: (r["title"], r["release_year"], r["genres"]) for r in movies.collect()}
    assert rows == {1: ("American President, The", 1995, ["Comedy", "Drama", "Romance"]),
                    2: ("Avatar", 2009, ["Action", "Adventure", "IMAX", "Sci-Fi"]),
                    3: ("Some Film", 2015, []), 4: ("Kids", 1990, ["Children's"])}
    assert quarantine.count() == 0


def test_ratings_only_sources_get_users_without_invented_demographics(lines):
    movies, _, _, _ = tables.clean_movies(formats.ml1m_movies(lines("10::A (1990)::Drama")))
    raw = lines("userId,movieId,rating,timestamp", "7,10,4.5,978300760", source_file="ratings.csv")
    ratings, _, _ = tables.clean_ratings(formats.ml_latest_ratings(raw), None, movies, NOT_AFTER,
                                         RatingScale(0.5, 5, 0.5))
    users = tables.users_without_demographics(ratings).collect()
    assert [u.asDict() for u in users] == [{"user_id": 7, "gender": None, "age": None, "age_bucket": None,
                                            "occupation": None, "zip_code": None, "zip_region": None}]


def test_netflix_blocks_assign_movies_across_file_splits(spark, tmp_path):
    body = "".join(f"{m}:\n" + "".join(f"{100 + u},{1 + (u % 5)},2005-09-0{1 + u % 9}\n" for u in range(40))
                   for m in (1, 2, 3))
    path = tmp_path / "combined_data_1.txt"
    path.write_text("555,3,2005-01-01\n" + body)  # a rating line before any movie header
    spark.conf.set("spark.sql.files.maxPartitionBytes", "300")  # force many splits
    try:
        raw = read_lines(spark, str(path), path.name, "ISO-8859-1")
        assert raw.rdd.getNumPartitions() > 3
        parsed = formats.netflix_ratings(raw)
        rows = parsed.where("_format_error is null").select("line_number", "movie_id").collect()
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    expected = {2 + 41 * b + 1 + u: str(m) for b, m in enumerate((1, 2, 3)) for u in range(40)}
    assert {r["line_number"]: r["movie_id"] for r in rows} == expected
    orphan = parsed.where("_format_error is not null").collect()
    assert [(r["line_number"], r["_format_error"]) for r in orphan] == [(1, "rating line before any movie_id: header")]


def test_netflix_titles_keep_commas_and_dates_become_timestamps(lines):
    movies, _, _, _ = tables.clean_movies(formats.netflix_movies(lines(
        "1,2003,Dinosaur Planet", "2,NULL,Lord of the Rings: The Return of the King, Extended Edition")))
    rows = {r["movie_id"]: (r["title"], r["release_year"]) for r in movies.collect()}
    assert rows == {1: ("Dinosaur Planet", 2003),
                    2: ("Lord of the Rings: The Return of the King, Extended Edition", None)}


def test_goodreads_list_genres_are_normalised_in_list_order(lines):
    raw = lines("title,author,genres,avg_rating", 'Dune,Frank Herbert,"Science Fiction, Classics, Fiction",4.2',
                'Educated,Tara Westover,"[\'Nonfiction\', \'Memoir\']",4.5', ",No Title,Fantasy,4",
                source_file="best.csv")
    books, quarantine, _ = tables.clean_books(formats.goodreads_list_books(raw))
    genres = tables.listed_genres(books)
    out = {r["title"]: r["genres"] for r in tables.with_genres(books, genres).collect()}
    assert out == {"Dune": ["science-fiction", "classics"], "Educated": ["non-fiction", "biography"]}
    assert reasons(quarantine) == ["title is empty"]
    ids = {r["title"]: r["book_id"] for r in books.collect()}
    again = {r["title"]: r["book_id"] for r in tables.clean_books(formats.goodreads_list_books(raw))[0].collect()}
    assert ids == again and len(set(ids.values())) == 2, "ids are derived from title and author, stable"


def test_job_on_ratings_only_movies_and_a_goodreads_list(spark, tmp_path):
    from spark.jobs import clean_sources
    from tests.spark.conftest import stage_raw

    ds = "2026-01-01"
    stage_raw(tmp_path, "ml-latest-small", ds, {
        "movies.csv": b"movieId,title,genres\n1,Toy Story (1995),Animation|Children|Comedy\n2,Heat (1995),Crime\n",
        "ratings.csv": b"userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,4.5,964982931\n2,1,2.5,964983815\n"})
    stage_raw(tmp_path, "goodreads-21st-century", ds, {
        "best_books.csv": b'title,author,genres\nDune,Frank Herbert,"Science Fiction, Classics"\n'
                          b'Gilead,Marilynne Robinson,"Fiction, Literary Fiction"\n'})
    manifest = clean_sources.run(spark, f"file://{tmp_path}", ds, "ml-latest-small", "goodreads-21st-century", 0.0)
    assert set(manifest["tables"]) == {"movies", "ratings", "books"} and manifest["demographics"] is False
    users = spark.read.parquet(f"file://{tmp_path}/{layout.clean_prefix('users', ds)}").collect()
    assert sorted(u["user_id"] for u in users) == [1, 2] and all(u["gender"] is None for u in users)
    books = {r["title"]: r["genres"] for r in spark.read.parquet(f"file://{tmp_path}/{layout.clean_prefix('books', ds)}").collect()}
    assert books == {"Dune": ["science-fiction", "classics"], "Gilead": []}

"""One function per source table: raw DataFrame in, (clean, quarantine) out.

Inputs are DataFrames of raw text so the functions are testable without files.
MovieLens ``.dat`` inputs have one string column ``line``; goodbooks CSV inputs have
one string column per CSV header field plus ``_corrupt_record``.
"""
from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from spark.cleaning.rules import not_int, not_number, split_valid, zip_region
from spark.cleaning.vocabulary import (AGE_BUCKETS, BOOK_GENRE_ALIASES, BOOK_GENRES, MAX_BOOK_GENRES,
                                       MOVIE_GENRES, OCCUPATIONS)


def _fields(line_col: str = "line", sep: str = "::"):
    return F.split(F.col(line_col), sep, -1)


def _quarantine(rejected: DataFrame, source_file: str, raw: F.Column) -> DataFrame:
    return rejected.select(F.lit(source_file).alias("source_file"), raw.alias("raw_line"), "reason")


def _split_duplicate_keys(df: DataFrame, key: str, source_file: str,
                         raw: F.Column) -> tuple[DataFrame, DataFrame]:
    """Rows whose ``key`` occurs once, and every copy of a repeated key as quarantine."""
    counted = df.withColumn("_n", F.count("*").over(Window.partitionBy(key)))
    repeated = counted.where("_n > 1").select(F.lit(source_file).alias("source_file"), raw.alias("raw_line"),
                                              F.lit(f"duplicate {key}").alias("reason"))
    return counted.where("_n = 1").drop("_n"), repeated


def clean_users(lines: DataFrame) -> tuple[DataFrame, DataFrame]:
    """users.dat -> users(user_id, gender, age, age_bucket, occupation, zip_code, zip_region)."""
    f = lines.withColumn("f", _fields())
    uid, gender, age, occ, zip_code = (F.trim(F.col("f")[i]) for i in range(5))
    rules = [
        ("wrong number of fields", F.size("f") != 5),
        ("user_id is not an integer", not_int(uid)),
        ("gender is not M or F", ~gender.isin("M", "F")),
        ("age is not a MovieLens age code", ~age.isin(*[str(a) for a in AGE_BUCKETS])),
        ("occupation is not a code 0-20", not_int(occ) | ~occ.cast("int").between(0, len(OCCUPATIONS) - 1)),
        ("zip code is empty", zip_code == ""),
    ]
    valid, rejected = split_valid(f, rules)
    bucket = F.create_map(*[x for code, label in AGE_BUCKETS.items() for x in (F.lit(code), F.lit(label))])
    users = valid.select(
        uid.cast("int").alias("user_id"), gender.alias("gender"), age.cast("int").alias("age"),
        bucket[age.cast("int")].alias("age_bucket"), occ.cast("int").alias("occupation"),
        zip_code.alias("zip_code"), zip_region(zip_code).alias("zip_region"),
    )
    raw = F.concat_ws("::", *[F.col(c).cast("string") for c in ("user_id", "gender", "age", "occupation", "zip_code")])
    users, dupes = _split_duplicate_keys(users, "user_id", "users.dat", raw)
    return users, _quarantine(rejected, "users.dat", F.col("line")).unionByName(dupes)


def clean_movies(lines: DataFrame) -> tuple[DataFrame, DataFrame, DataFrame]:
    """movies.dat -> movies(movie_id, title, release_year, genres) and movie_genres(movie_id, genre)."""
    f = lines.withColumn("f", _fields())
    mid, title_year, genres_raw = (F.trim(F.col("f")[i]) for i in range(3))
    genres = F.split(genres_raw, r"\|")
    title = F.regexp_extract(title_year, r"^(.*\S)\s*\((\d{4})\)\s*$", 1)
    year = F.regexp_extract(title_year, r"^(.*\S)\s*\((\d{4})\)\s*$", 2)
    rules = [
        ("wrong number of fields", F.size("f") != 3),
        ("movie_id is not an integer", not_int(mid)),
        ("title is empty", title_year == ""),
        ("unknown genre", ~F.forall(genres, lambda g: g.isin(*MOVIE_GENRES))),
    ]
    valid, rejected = split_valid(f, rules)
    movies = valid.select(
        mid.cast("int").alias("movie_id"),
        F.when(title != "", title).otherwise(title_year).alias("title"),
        F.when(year != "", year.cast("int")).alias("release_year"),
        F.array_sort(F.array_distinct(genres)).alias("genres"),
    )
    movies, dupes = _split_duplicate_keys(movies, "movie_id", "movies.dat",
                                          F.concat_ws("::", F.col("movie_id").cast("string"), "title"))
    quarantine = _quarantine(rejected, "movies.dat", F.col("line")).unionByName(dupes)
    movie_genres = movies.select("movie_id", F.explode("genres").alias("genre"))
    return movies, movie_genres, quarantine


def clean_ratings(lines: DataFrame, users: DataFrame, movies: DataFrame,
                  not_after_unix: int) -> tuple[DataFrame, DataFrame, int]:
    """ratings.dat -> ratings(user_id, movie_id, rating, rated_at).

    Re-ratings of the same movie by the same user keep the latest; the number of
    rows dropped that way is returned so the accounting balances.
    """
    f = lines.withColumn("f", _fields())
    uid, mid, rating, ts = (F.trim(F.col("f")[i]) for i in range(4))
    rules = [
        ("wrong number of fields", F.size("f") != 4),
        ("user_id is not an integer", not_int(uid)),
        ("movie_id is not an integer", not_int(mid)),
        ("rating is not an integer", not_int(rating)),
        ("rating outside 1-5", ~rating.cast("int").between(1, 5)),
        ("timestamp is not an integer", not_int(ts)),
        ("timestamp in the future", ts.cast("long") > F.lit(not_after_unix)),
    ]
    valid, rejected = split_valid(f, rules)
    typed = valid.select("line", uid.cast("int").alias("user_id"), mid.cast("int").alias("movie_id"),
                         rating.cast("int").alias("rating"), ts.cast("long").alias("ts"))
    known_users = users.select("user_id").withColumn("_u", F.lit(True))
    known_movies = movies.select("movie_id").withColumn("_m", F.lit(True))
    typed = typed.join(known_users, "user_id", "left").join(known_movies, "movie_id", "left")
    ref_valid, ref_rejected = split_valid(typed, [
        ("unknown user_id", F.col("_u").isNull()),
        ("unknown movie_id", F.col("_m").isNull()),
    ])
    latest = Window.partitionBy("user_id", "movie_id").orderBy(F.col("ts").desc(), F.col("line").desc())
    ranked = ref_valid.withColumn("_rank", F.row_number().over(latest)).cache()
    ratings = ranked.where("_rank = 1").select(
        "user_id", "movie_id", "rating", F.timestamp_seconds("ts").alias("rated_at"))
    deduplicated = ranked.where("_rank > 1").count()
    quarantine = _quarantine(rejected, "ratings.dat", F.col("line")).unionByName(
        _quarantine(ref_rejected, "ratings.dat", F.col("line")))
    return ratings, quarantine, deduplicated


def clean_books(rows: DataFrame) -> tuple[DataFrame, DataFrame]:
    """books.csv -> books(book_id, goodreads_book_id, title, authors, publication_year, ...)."""
    raw_line = F.coalesce(F.col("_corrupt_record"), F.concat_ws(",", "book_id", "goodreads_book_id", "title"))
    rules = [
        ("malformed CSV row", F.col("_corrupt_record").isNotNull()),
        ("book_id is not an integer", not_int(F.col("book_id"))),
        ("goodreads_book_id is not an integer", not_int(F.col("goodreads_book_id"))),
        ("title is empty", F.trim(F.col("title")) == ""),
        ("average_rating is not a number", not_number(F.col("average_rating"))
         | ~F.col("average_rating").cast("double").between(0, 5)),
        ("ratings_count is not an integer", not_int(F.col("ratings_count"))),
    ]
    valid, rejected = split_valid(rows.withColumn("_raw", raw_line), rules)
    year = F.col("original_publication_year")
    books = valid.select(
        F.col("book_id").cast("int").alias("book_id"),
        F.col("goodreads_book_id").cast("int").alias("goodreads_book_id"),
        F.trim("title").alias("title"),
        F.trim("authors").alias("authors"),
        F.when(year.rlike(r"^-?\d+(\.0+)?$"), year.cast("double").cast("int")).alias("publication_year"),
        F.col("average_rating").cast("double").alias("average_rating"),
        F.col("ratings_count").cast("int").alias("ratings_count"),
    )
    books, dupes = _split_duplicate_keys(books, "book_id", "books.csv",
                                         F.concat_ws(",", F.col("book_id").cast("string"), "title"))
    return books, _quarantine(rejected, "books.csv", F.col("_raw")).unionByName(dupes)


def clean_tags(rows: DataFrame) -> tuple[DataFrame, DataFrame]:
    """tags.csv -> tags(tag_id, tag_name) with names lower-cased and trimmed."""
    rules = [
        ("malformed CSV row", F.col("_corrupt_record").isNotNull()),
        ("tag_id is not an integer", not_int(F.col("tag_id"))),
        ("tag_name is empty", F.trim(F.col("tag_name")) == ""),
    ]
    valid, rejected = split_valid(rows, rules)
    tags = valid.select(F.col("tag_id").cast("int").alias("tag_id"),
                        F.lower(F.trim("tag_name")).alias("tag_name"))
    raw = F.coalesce(F.col("_corrupt_record"), F.concat_ws(",", "tag_id", "tag_name"))
    return tags, _quarantine(rejected, "tags.csv", raw)


def clean_book_tags(rows: DataFrame) -> tuple[DataFrame, DataFrame]:
    """book_tags.csv -> book_tags(goodreads_book_id, tag_id, count)."""
    rules = [
        ("malformed CSV row", F.col("_corrupt_record").isNotNull()),
        ("goodreads_book_id is not an integer", not_int(F.col("goodreads_book_id"))),
        ("tag_id is not an integer", not_int(F.col("tag_id"))),
        ("count is not a non-negative integer", not_int(F.col("count")) | (F.col("count").cast("int") < 0)),
    ]
    valid, rejected = split_valid(rows, rules)
    book_tags = valid.select(*[F.col(c).cast("int").alias(c) for c in ("goodreads_book_id", "tag_id", "count")])
    raw = F.coalesce(F.col("_corrupt_record"), F.concat_ws(",", "goodreads_book_id", "tag_id", "count"))
    return book_tags, _quarantine(rejected, "book_tags.csv", raw)


def book_genres(books: DataFrame, tags: DataFrame, book_tags: DataFrame) -> DataFrame:
    """Genres of each book from its shelves: genre shelves only (aliases folded), most shelved first.

    Returns book_genres(book_id, genre, shelf_count, genre_rank), at most
    ``MAX_BOOK_GENRES`` per book; noise shelves ("to-read", "owned", ...) never match.
    """
    alias = F.create_map(*[F.lit(x) for pair in BOOK_GENRE_ALIASES.items() for x in pair])
    genre = F.coalesce(alias[F.col("tag_name")], F.col("tag_name"))
    shelved = (book_tags.join(tags, "tag_id")
               .withColumn("genre", genre)
               .where(F.col("genre").isin(*BOOK_GENRES))
               .join(books.select("book_id", "goodreads_book_id"), "goodreads_book_id")
               .groupBy("book_id", "genre").agg(F.sum("count").alias("shelf_count")))
    rank = Window.partitionBy("book_id").orderBy(F.col("shelf_count").desc(), "genre")
    return (shelved.withColumn("genre_rank", F.row_number().over(rank))
            .where(F.col("genre_rank") <= MAX_BOOK_GENRES))

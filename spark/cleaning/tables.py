"""Canonical tables from parsed source rows: types, the rules every source shares, deduplication.

Inputs are the "parsed" frames of :mod:`spark.cleaning.formats` (strings under
canonical names plus ``source_file``, ``line_number``, ``raw_line`` and
``_format_error``). Every function returns the clean rows and the quarantine
(``source_file``, ``line_number``, ``raw_line``, ``reason``); a row is in exactly
one of them, or counted as deduplicated.
"""
from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from spark.cleaning.datasets import RatingScale
from spark.cleaning.rules import not_int, not_number, not_positive_id, numeric_id, split_valid, zip_region
from spark.cleaning.vocabulary import (AGE_BUCKETS, BOOK_GENRE_ALIASES, BOOK_GENRES, MAX_BOOK_GENRES,
                                       MOVIE_GENRE_ALIASES, MOVIE_GENRES, NO_GENRE, PLAUSIBLE_AGE)

PROVENANCE = ("source_file", "line_number", "raw_line")
# The most of a quarantined line the lake's quarantine (and so the warehouse) keeps: varchar(65535) counts
# bytes, up to 4 per character. The whole line stays in the raw zone at its file and line number.
MAX_QUARANTINE_LINE = 4096
_CONTROL_CODES = [c for c in range(32) if c not in (9, 10, 13)]


def _format_rule() -> tuple[Column, Column]:
    return F.col("_format_error"), F.col("_format_error").isNotNull()


def storable_line(line: Column) -> Column:
    """A raw line as any warehouse can store it: control characters written as ``\\xNN`` (PostgreSQL and
    Redshift reject NUL in text), and cut at ``MAX_QUARANTINE_LINE`` characters with a marker saying so."""
    for code in _CONTROL_CODES:
        line = F.regexp_replace(line, f"\\x{{{code:02x}}}", f"\\\\x{code:02x}")
    return F.when(F.length(line) > MAX_QUARANTINE_LINE, F.concat(
        F.substring(line, 1, MAX_QUARANTINE_LINE), F.lit(" ... [truncated: "), F.length(line).cast("string"),
        F.lit(" characters in all; the whole line is in the raw file]"))).otherwise(line)


def quarantine_rows(rejected: DataFrame) -> DataFrame:
    """The quarantine shape: where the row came from, the line as the warehouse can store it, and why it was
    rejected."""
    return rejected.select("source_file", "line_number", storable_line(F.col("raw_line")).alias("raw_line"),
                           "reason")


def _keep_latest_line(df: DataFrame, keys: list[str]) -> tuple[DataFrame, int]:
    """One row per key: the last line of the last file (a later line corrects an earlier one); returns the
    kept rows and how many earlier copies were dropped (counted as deduplicated)."""
    latest = Window.partitionBy(*keys).orderBy(F.col("source_file").desc(), F.col("line_number").desc())
    ranked = df.withColumn("_rank", F.row_number().over(latest)).cache()
    return ranked.where("_rank = 1").drop("_rank"), ranked.where("_rank > 1").count()


def age_bucket(age: Column) -> Column:
    """The MovieLens-1M bucket of an exact age (buckets start at the age codes)."""
    codes = sorted(AGE_BUCKETS)
    bucket = F.lit(AGE_BUCKETS[codes[0]])
    for code in codes[1:]:
        bucket = F.when(age >= code, F.lit(AGE_BUCKETS[code])).otherwise(bucket)
    return F.when(age.isNotNull(), bucket)


def clean_users(parsed: DataFrame) -> tuple[DataFrame, DataFrame, int]:
    """-> users(user_id, gender, age, age_bucket, occupation, zip_code, zip_region), the quarantine and the
    deduplicated count.

    ``age`` is the exact age where the source has one (ML-100K) and null where it
    only has a bucket (ML-1M); ``age_bucket`` is always set. A user listed twice keeps
    the later line (like a re-rating), so one stale line never costs the user their ratings.
    """
    uid, gender, age = numeric_id(F.col("user_id")), F.upper(F.col("gender")), F.col("age")
    low, high = PLAUSIBLE_AGE
    valid, rejected = split_valid(parsed, [
        _format_rule(),
        ("user_id is not a positive integer", not_positive_id(uid)),
        ("gender is not M or F", ~gender.isin("M", "F")),
        ("age is not an integer", age.isNotNull() & not_int(age)),
        (f"age outside {low}-{high}", age.isNotNull() & ~age.cast("int").between(low, high)),
        ("age is missing", age.isNull() & F.col("age_bucket").isNull()),
        ("occupation is missing", F.coalesce(F.col("occupation"), F.lit("")) == ""),
        ("zip code is empty", F.col("zip_code") == ""),
    ])
    typed = valid.select(
        *PROVENANCE, uid.cast("int").alias("user_id"), gender.alias("gender"), age.cast("int").alias("age"),
        F.coalesce(F.col("age_bucket"), age_bucket(age.cast("int"))).alias("age_bucket"), "occupation",
        "zip_code", zip_region(F.col("zip_code")).alias("zip_region"))
    users, deduplicated = _keep_latest_line(typed, ["user_id"])
    return users.drop(*PROVENANCE), quarantine_rows(rejected), deduplicated


def users_without_demographics(ratings: DataFrame) -> DataFrame:
    """Users of a ratings-only source: their ids, every demographic field null (absent, never invented)."""
    return ratings.select("user_id").distinct().select(
        "user_id", *[F.lit(None).cast(t).alias(c) for c, t in (
            ("gender", "string"), ("age", "int"), ("age_bucket", "string"), ("occupation", "string"),
            ("zip_code", "string"), ("zip_region", "string"))])


def movie_genre(genre: Column) -> Column:
    """Canonical spelling of a movie genre, or null when unknown."""
    names = {g.lower(): g for g in MOVIE_GENRES} | MOVIE_GENRE_ALIASES
    return F.create_map(*[F.lit(x) for pair in names.items() for x in pair])[F.lower(F.trim(genre))]


def clean_movies(parsed: DataFrame) -> tuple[DataFrame, DataFrame, DataFrame, int]:
    """-> movies(movie_id, title, release_year, genres), movie_genres(movie_id, genre), quarantine and how many
    earlier lines of a repeated movie_id were dropped (the latest line is kept, as for users).

    Titles lose their "(year)" suffix, which becomes ``release_year`` when the
    source has no year column; genre names are mapped to one spelling.
    """
    mid = numeric_id(F.col("movie_id"))
    title_year = F.col("title")
    title = F.regexp_extract(title_year, r"^(.*\S)\s*\((\d{4})\)\s*$", 1)
    year = F.coalesce(F.col("year"), F.nullif(F.regexp_extract(title_year, r"^(.*\S)\s*\((\d{4})\)\s*$", 2),
                                              F.lit("")))
    named = F.filter(F.col("genres"), lambda g: ~F.lower(F.trim(g)).isin(*NO_GENRE))
    valid, rejected = split_valid(parsed.withColumn("_genres", named), [
        _format_rule(),
        ("movie_id is not a positive integer", not_positive_id(mid)),
        ("title is empty", F.coalesce(title_year, F.lit("")) == ""),
        ("unknown genre", ~F.forall("_genres", lambda g: movie_genre(g).isNotNull())),
    ])
    typed = valid.select(
        *PROVENANCE, mid.cast("int").alias("movie_id"),
        F.when(title != "", title).otherwise(title_year).alias("title"),
        year.cast("int").alias("release_year"),
        F.array_sort(F.array_distinct(F.transform("_genres", movie_genre))).alias("genres"))
    movies, deduplicated = _keep_latest_line(typed, ["movie_id"])
    movies = movies.drop(*PROVENANCE)
    movie_genres = movies.select("movie_id", F.explode("genres").alias("genre"))
    return movies, movie_genres, quarantine_rows(rejected), deduplicated


def _off_scale(rating: Column, scale: RatingScale) -> Column:
    steps = (rating - scale.low) / scale.step
    return ~rating.between(scale.low, scale.high) | (F.abs(steps - F.round(steps)) > 1e-6)


def clean_ratings(parsed: DataFrame, users: DataFrame | None, movies: DataFrame, not_after_unix: int,
                  scale: RatingScale, not_before_unix: int = 0) -> tuple[DataFrame, DataFrame, int]:
    """-> ratings(user_id, movie_id, rating, rated_at), the quarantine and the deduplicated count.

    Ratings of unknown movies, and of unknown users when the source has a users
    file (``users`` not None), are quarantined, as are timestamps before ``not_before_unix`` (the
    dataset's own first day) or after ``not_after_unix`` (the end of the ds). Re-ratings of a movie by the same
    user keep the latest (ties: the later line); the others are counted, not kept.
    """
    uid, mid, rating = numeric_id(F.col("user_id")), numeric_id(F.col("movie_id")), F.trim(F.col("rating"))
    valid, rejected = split_valid(parsed, [
        _format_rule(),
        ("user_id is not a positive integer", not_positive_id(uid)),
        ("movie_id is not a positive integer", not_positive_id(mid)),
        ("rating is not a number", not_number(rating)),
        (f"rating outside {scale.describe()}", _off_scale(rating.cast("double"), scale)),
        ("timestamp is not valid", F.col("ts").isNull()),
        ("timestamp before the dataset's first day", F.col("ts") < F.lit(not_before_unix)),
        ("timestamp in the future", F.col("ts") > F.lit(not_after_unix)),
    ])
    typed = valid.select(*PROVENANCE, uid.cast("int").alias("user_id"), mid.cast("int").alias("movie_id"),
                         rating.cast("double").alias("rating"), "ts")
    refs = [("unknown movie_id", F.col("_m").isNull())]
    typed = typed.join(movies.select("movie_id", F.lit(True).alias("_m")), "movie_id", "left")
    if users is not None:
        typed = typed.join(users.select("user_id", F.lit(True).alias("_u")), "user_id", "left")
        refs.insert(0, ("unknown user_id", F.col("_u").isNull()))
    ref_valid, ref_rejected = split_valid(typed, refs)
    latest = Window.partitionBy("user_id", "movie_id").orderBy(
        F.col("ts").desc(), F.col("source_file").desc(), F.col("line_number").desc())
    ranked = ref_valid.withColumn("_rank", F.row_number().over(latest)).cache()
    ratings = ranked.where("_rank = 1").select(
        "user_id", "movie_id", "rating", F.timestamp_seconds("ts").alias("rated_at"))
    deduplicated = ranked.where("_rank > 1").count()
    return ratings, quarantine_rows(rejected).unionByName(quarantine_rows(ref_rejected)), deduplicated


def book_genre(name: Column) -> Column:
    """Canonical genre of a shelf or genre name ("Science Fiction" -> science-fiction), or null."""
    slug = F.regexp_replace(F.lower(F.trim(name)), r"\s+", "-")
    alias = F.create_map(*[F.lit(x) for pair in BOOK_GENRE_ALIASES.items() for x in pair])
    genre = F.coalesce(alias[slug], slug)
    return F.when(genre.isin(*BOOK_GENRES), genre)


def clean_books(parsed: DataFrame) -> tuple[DataFrame, DataFrame, int]:
    """-> books(book_id, goodreads_book_id, title, authors, publication_year, average_rating,
    ratings_count, listed_genres), quarantine and how many earlier lines of a repeated book_id were dropped;
    ``listed_genres`` holds the source's own genre list, if any."""
    bid, avg, count = numeric_id(F.col("book_id")), F.col("average_rating"), F.col("ratings_count")
    year = F.col("publication_year")
    valid, rejected = split_valid(parsed, [
        _format_rule(),
        ("book_id is not a positive integer", not_positive_id(bid)),
        ("goodreads_book_id is not a positive integer",
         F.col("goodreads_book_id").isNotNull() & not_positive_id(F.col("goodreads_book_id"))),
        ("title is empty", F.coalesce(F.trim("title"), F.lit("")) == ""),
        ("average_rating is not a number 0-5",
         avg.isNotNull() & (not_number(avg) | ~avg.cast("double").between(0, 5))),
        ("ratings_count is not an integer", count.isNotNull() & not_int(count)),
    ])
    typed = valid.select(
        *PROVENANCE, bid.cast("int").alias("book_id"), F.col("goodreads_book_id").cast("int").alias("goodreads_book_id"),
        F.trim("title").alias("title"), F.trim("authors").alias("authors"),
        F.when(year.rlike(r"^-?\d+(\.0+)?$"), year.cast("double").cast("int")).alias("publication_year"),
        avg.cast("double").alias("average_rating"), count.cast("int").alias("ratings_count"),
        F.col("genres").alias("listed_genres"))
    books, deduplicated = _keep_latest_line(typed, ["book_id"])
    return books.drop(*PROVENANCE), quarantine_rows(rejected), deduplicated


def clean_tags(parsed: DataFrame) -> tuple[DataFrame, DataFrame]:
    """tags.csv -> tags(tag_id, tag_name) with names lower-cased and trimmed."""
    valid, rejected = split_valid(parsed, [
        _format_rule(),
        ("tag_id is not an integer", not_int(F.col("tag_id"))),
        ("tag_name is empty", F.trim(F.col("tag_name")) == ""),
    ])
    tags = valid.select(F.col("tag_id").cast("int").alias("tag_id"), F.lower(F.trim("tag_name")).alias("tag_name"))
    return tags, quarantine_rows(rejected)


def clean_book_tags(parsed: DataFrame) -> tuple[DataFrame, DataFrame]:
    """book_tags.csv -> book_tags(goodreads_book_id, tag_id, count)."""
    valid, rejected = split_valid(parsed, [
        _format_rule(),
        ("goodreads_book_id is not a positive integer", not_positive_id(F.col("goodreads_book_id"))),
        ("tag_id is not an integer", not_int(F.col("tag_id"))),
        ("count is not a non-negative integer", not_int(F.col("count")) | (F.col("count").cast("int") < 0)),
    ])
    book_tags = valid.select(*[F.col(c).cast("int").alias(c) for c in ("goodreads_book_id", "tag_id", "count")])
    return book_tags, quarantine_rows(rejected)


def _ranked_genres(scored: DataFrame) -> DataFrame:
    """book_genres(book_id, genre, shelf_count, genre_rank) from (book_id, genre, shelf_count, _order)."""
    rank = Window.partitionBy("book_id").orderBy(F.col("_order"), "genre")
    return (scored.withColumn("genre_rank", F.row_number().over(rank))
            .where(F.col("genre_rank") <= MAX_BOOK_GENRES).drop("_order"))


def shelf_genres(books: DataFrame, tags: DataFrame, book_tags: DataFrame) -> DataFrame:
    """Genres of each book from its shelves: genre shelves only (aliases folded), most shelved first.

    Noise shelves ("to-read", "owned", ...) never match a genre.
    """
    shelved = (book_tags.join(tags, "tag_id")
               .withColumn("genre", book_genre(F.col("tag_name")))
               .where(F.col("genre").isNotNull())
               .join(books.select("book_id", "goodreads_book_id"), "goodreads_book_id")
               .groupBy("book_id", "genre").agg(F.sum("count").alias("shelf_count")))
    return _ranked_genres(shelved.withColumn("_order", -F.col("shelf_count")))


def listed_genres(books: DataFrame) -> DataFrame:
    """Genres of each book from its own genre list, in the list's order (first = main genre)."""
    listed = books.select("book_id", F.posexplode("listed_genres").alias("_pos", "_name"))
    genres = (listed.withColumn("genre", book_genre(F.col("_name"))).where(F.col("genre").isNotNull())
              .groupBy("book_id", "genre").agg(F.min("_pos").alias("_order")))
    return _ranked_genres(genres.withColumn("shelf_count", F.lit(None).cast("long")))


def with_genres(books: DataFrame, genres: DataFrame) -> DataFrame:
    """Books with a ``genres`` array in rank order (empty when a book has none)."""
    ordered = genres.groupBy("book_id").agg(F.sort_array(F.collect_list(F.struct("genre_rank", "genre"))).alias("_g"))
    return (books.drop("listed_genres").join(ordered, "book_id", "left")
            .withColumn("genres", F.coalesce(F.col("_g.genre"), F.array().cast("array<string>"))).drop("_g"))

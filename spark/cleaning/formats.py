"""Parsers: the lines of one source format -> string fields under canonical names.

Each parser takes the DataFrames of :func:`spark.cleaning.readers.read_lines` and
returns one "parsed" frame per canonical table with the provenance columns
(``source_file``, ``line_number``, ``raw_line``), the fields as strings, and
``_format_error``: why the line does not fit its format (null when it does).
Typing and the rules shared by every source live in :mod:`spark.cleaning.tables`.

Parsed columns per table:
    users    user_id, gender, age, age_bucket, occupation, zip_code
    movies   movie_id, title, year, genres (array of source genre names)
    ratings  user_id, movie_id, rating, ts (unix seconds, long; null if unparseable)
    books    book_id, goodreads_book_id, title, authors, publication_year, average_rating,
             ratings_count, genres (array of shelf names, or null when genres come from tags)
"""
from __future__ import annotations

import re

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from spark.cleaning.readers import csv_fields, split_header, text_problem
from spark.cleaning.rules import first_failure, not_int
from spark.cleaning.vocabulary import AGE_BUCKETS, ML100K_GENRE_FLAGS, ML100K_OCCUPATIONS, OCCUPATIONS



def _null() -> Column:
    return F.lit(None).cast("string")


def _provenance() -> list[Column]:
    return [F.col("source_file"), F.col("line_number"), F.col("line").alias("raw_line")]


def _field_count(fields: Column, expected: int, what: str) -> tuple[Column, Column]:
    return (F.concat(F.lit(f"wrong number of fields: expected {expected} {what}, found "),
                     F.size(fields).cast("string")),
            F.size(fields) != expected)


def _with_fields(lines: DataFrame, fields: Column, expected: int, what: str, utf8: bool,
                 extra_rules: list | None = None) -> DataFrame:
    """Lines with an ``f`` array of fields and ``_format_error`` (text, field count, extra rules)."""
    framed = lines.withColumn("f", fields)
    rules = [(text_problem(F.col("line"), utf8), text_problem(F.col("line"), utf8).isNotNull()),
             _field_count(F.col("f"), expected, what), *(extra_rules or [])]
    return framed.withColumn("_format_error", first_failure(rules))


def _delimited(lines: DataFrame, sep: str, expected: int) -> DataFrame:
    """MovieLens .dat / u.* lines (latin-1: every byte decodes, so only control bytes are not text)."""
    return _with_fields(lines, F.split(F.col("line"), re.escape(sep), -1), expected, f"'{sep}'-separated", False)


def _f(i: int) -> Column:
    return F.trim(F.col("f")[i])


# --- MovieLens 1M (and the bundled sample): '::'-separated, latin-1 -------------------------

def ml1m_users(lines: DataFrame) -> DataFrame:
    """users.dat: ``user_id::gender::age_code::occupation_code::zip``."""
    framed = _delimited(lines, "::", 5)
    age_code, occ = _f(2), _f(3)
    bucket = F.create_map(*[F.lit(x) for code, label in AGE_BUCKETS.items() for x in (str(code), label)])
    labels = F.array(*[F.lit(o) for o in OCCUPATIONS])
    framed = framed.withColumn("_format_error", first_failure([
        (F.col("_format_error"), F.col("_format_error").isNotNull()),
        ("age is not a MovieLens age code", bucket[age_code].isNull()),
        ("occupation is not a code 0-20", not_int(occ) | ~occ.cast("int").between(0, len(OCCUPATIONS) - 1)),
    ]))
    return framed.select(*_provenance(), _f(0).alias("user_id"), _f(1).alias("gender"), _null().alias("age"),
                         bucket[age_code].alias("age_bucket"),
                         F.when(occ.rlike(r"^\d+$"), labels[occ.cast("int")]).alias("occupation"),
                         _f(4).alias("zip_code"), "_format_error")


def ml1m_movies(lines: DataFrame) -> DataFrame:
    """movies.dat: ``movie_id::Title (year)::Genre|Genre``."""
    framed = _delimited(lines, "::", 3)
    return framed.select(*_provenance(), _f(0).alias("movie_id"), _f(1).alias("title"), _null().alias("year"),
                         F.split(_f(2), r"\|").alias("genres"), "_format_error")


def ml1m_ratings(lines: DataFrame) -> DataFrame:
    """ratings.dat: ``user_id::movie_id::rating::unix_ts``."""
    return _unix_ratings(_delimited(lines, "::", 4))


def _unix_seconds(ts: Column) -> Column:
    """A unix timestamp field as a long, null when it is not one."""
    return F.when(ts.rlike(r"^\d+$"), ts.cast("long"))


def _unix_ratings(framed: DataFrame) -> DataFrame:
    return framed.select(*_provenance(), _f(0).alias("user_id"), _f(1).alias("movie_id"), _f(2).alias("rating"),
                         _unix_seconds(_f(3)).alias("ts"), "_format_error")


# --- MovieLens 100K: u.user / u.item '|'-separated, u.data tab-separated ----------------------

def ml100k_users(lines: DataFrame) -> DataFrame:
    """u.user: ``user_id|age|gender|occupation|zip``."""
    framed = _delimited(lines, "|", 5)
    occ = F.lower(_f(3))
    framed = framed.withColumn("_format_error", first_failure([
        (F.col("_format_error"), F.col("_format_error").isNotNull()),
        ("occupation is not an ML-100K occupation", ~occ.isin(*ML100K_OCCUPATIONS)),
    ]))
    return framed.select(*_provenance(), _f(0).alias("user_id"), _f(2).alias("gender"), _f(1).alias("age"),
                         _null().alias("age_bucket"), occ.alias("occupation"), _f(4).alias("zip_code"),
                         "_format_error")


def ml100k_movies(lines: DataFrame) -> DataFrame:
    """u.item: ``id|Title (year)|release date|video date|IMDb URL|`` then 19 genre flags."""
    n_flags = len(ML100K_GENRE_FLAGS)
    framed = _delimited(lines, "|", 5 + n_flags)
    flags = F.slice(F.col("f"), 6, n_flags)
    framed = framed.withColumn("_format_error", first_failure([
        (F.col("_format_error"), F.col("_format_error").isNotNull()),
        ("genre flags must be 0 or 1", ~F.forall(flags, lambda x: F.trim(x).isin("0", "1"))),
    ]))
    names = F.array(*[F.lit(g) for g in ML100K_GENRE_FLAGS])
    genres = F.filter(F.transform(flags, lambda x, i: F.when(F.trim(x) == "1", names[i])), lambda g: g.isNotNull())
    release = F.regexp_extract(_f(2), r"(\d{4})$", 1)
    return framed.select(*_provenance(), _f(0).alias("movie_id"), _f(1).alias("title"),
                         F.when(release != "", release).alias("year"), genres.alias("genres"), "_format_error")


def ml100k_ratings(lines: DataFrame) -> DataFrame:
    """u.data: ``user_id<TAB>movie_id<TAB>rating<TAB>unix_ts``."""
    return _unix_ratings(_delimited(lines, "\t", 4))


# --- MovieLens latest / 25M: headed UTF-8 CSV, half-star ratings, no demographics ------------

def _csv(lines: DataFrame, required: dict, optional: dict | None = None) -> DataFrame:
    data, pos, width = split_header(lines, required, optional)
    named = [F.trim(F.col("f")[pos[c]]).alias(c) if c in pos else _null().alias(c)
             for c in {**required, **(optional or {})}]
    framed = _with_fields(data, csv_fields(F.col("line")), width, "CSV", utf8=True)
    return framed.select(*_provenance(), *named, "_format_error")


def ml_latest_movies(lines: DataFrame) -> DataFrame:
    """movies.csv: ``movieId,title,genres`` (titles with commas are quoted)."""
    parsed = _csv(lines, {"movie_id": ("movieid",), "title": ("title",), "genres": ("genres",)})
    return parsed.withColumn("year", _null()).withColumn("genres", F.split("genres", r"\|"))


def ml_latest_ratings(lines: DataFrame) -> DataFrame:
    """ratings.csv: ``userId,movieId,rating,timestamp``."""
    parsed = _csv(lines, {"user_id": ("userid",), "movie_id": ("movieid",), "rating": ("rating",),
                                       "timestamp": ("timestamp",)})
    return parsed.select("source_file", "line_number", "raw_line", "user_id", "movie_id", "rating",
                         _unix_seconds(F.col("timestamp")).alias("ts"), "_format_error")


# --- Netflix Prize (Kaggle layout) -----------------------------------------------------------

def netflix_movies(lines: DataFrame) -> DataFrame:
    """movie_titles.csv: ``movie_id,year,title`` with unquoted commas inside titles; year may be NULL."""
    framed = lines.withColumn("f", F.split(F.col("line"), ",", 3))
    framed = framed.withColumn("_format_error", first_failure([
        (text_problem(F.col("line"), False), text_problem(F.col("line"), False).isNotNull()),
        _field_count(F.col("f"), 3, "(id,year,title)"),
    ]))
    year = _f(1)
    return framed.select(*_provenance(), _f(0).alias("movie_id"), _f(2).alias("title"),
                         F.when(year.rlike(r"^\d{4}$"), year).alias("year"),
                         F.array().cast("array<string>").alias("genres"), "_format_error")


def netflix_ratings(lines: DataFrame) -> DataFrame:
    """combined_data_*.txt: a ``movie_id:`` line, then ``user_id,rating,YYYY-MM-DD`` lines for it.

    Each rating line belongs to the nearest header above it in the same file. The
    header is carried within each input split by a window, and into a split from
    the splits before it through a small per-split table, so files of any size work.
    """
    header = F.regexp_extract(F.col("line"), r"^\s*(\d+):\s*$", 1)
    marked = lines.withColumn("_header", F.when(header != "", header))
    in_split = Window.partitionBy("source_file", "_pid").orderBy("line_number").rowsBetween(
        Window.unboundedPreceding, 0)
    marked = marked.withColumn("_movie", F.last("_header", ignorenulls=True).over(in_split))
    last_per_split = marked.groupBy("source_file", "_pid").agg(
        F.max_by("_header", F.when(F.col("_header").isNotNull(), F.col("line_number"))).alias("_last"))
    before = Window.partitionBy("source_file").orderBy("_pid").rowsBetween(Window.unboundedPreceding, -1)
    carry = last_per_split.withColumn("_carry", F.last("_last", ignorenulls=True).over(before)).drop("_last")
    ratings = (marked.join(F.broadcast(carry), ["source_file", "_pid"], "left")
               .where(F.col("_header").isNull())
               .withColumn("_movie", F.coalesce("_movie", "_carry")))
    framed = _with_fields(ratings, F.split(F.col("line"), ",", -1), 3, "(user,rating,date)", utf8=False,
                          extra_rules=[("rating line before any movie_id: header", F.col("_movie").isNull())])
    date = _f(2)
    return framed.select(*_provenance(), _f(0).alias("user_id"), F.col("_movie").alias("movie_id"),
                         _f(1).alias("rating"),
                         F.when(date.rlike(r"^\d{4}-\d{2}-\d{2}$"), F.unix_timestamp(date, "yyyy-MM-dd")).alias("ts"),
                         "_format_error")


# --- goodbooks-10k and Goodreads list exports: headed UTF-8 CSV -------------------------------

def goodbooks_books(lines: DataFrame) -> DataFrame:
    """books.csv of goodbooks-10k; genres come from its shelves (tags), not from this file."""
    parsed = _csv(lines, {
        "book_id": ("book_id",), "goodreads_book_id": ("goodreads_book_id",), "title": ("title",),
        "authors": ("authors",), "publication_year": ("original_publication_year",),
        "average_rating": ("average_rating",), "ratings_count": ("ratings_count",)})
    return parsed.withColumn("genres", F.lit(None).cast("array<string>"))


def goodbooks_tags(lines: DataFrame) -> DataFrame:
    """tags.csv: ``tag_id,tag_name``."""
    return _csv(lines, {"tag_id": ("tag_id",), "tag_name": ("tag_name",)})


def goodbooks_book_tags(lines: DataFrame) -> DataFrame:
    """book_tags.csv: ``goodreads_book_id,tag_id,count``."""
    return _csv(lines, {"goodreads_book_id": ("goodreads_book_id",), "tag_id": ("tag_id",),
                                     "count": ("count",)})


def goodreads_list_books(lines: DataFrame) -> DataFrame:
    """A Goodreads list export: title, author and a comma-separated genre list per line.

    The book id is derived from the normalised title and author, so it is stable
    across runs and file orderings.
    """
    parsed = _csv(lines,
                  {"title": ("title", "book_title", "name"), "authors": ("author", "authors", "author_name"),
                   "genres": ("genres", "genre")},
                  {"average_rating": ("avg_rating", "average_rating", "rating"),
                   "ratings_count": ("num_ratings", "ratings_count", "rating_count"),
                   "publication_year": ("year", "publication_year", "published_year")})
    key = F.xxhash64(F.lower(F.trim("title")), F.lower(F.trim("authors")))
    genres = F.split(F.regexp_replace("genres", r"^\[|\]$|'", ""), r"\s*,\s*")
    return parsed.select(
        "source_file", "line_number", "raw_line", F.pmod(key, F.lit(2**31 - 1)).cast("string").alias("book_id"),
        _null().alias("goodreads_book_id"), "title", "authors", "publication_year",
        "average_rating", "ratings_count", genres.alias("genres"), "_format_error")

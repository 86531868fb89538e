"""One function per source table: raw DataFrame in, (clean, quarantine) out.

Inputs are DataFrames of raw text so the functions are testable without files.
MovieLens ``.dat`` inputs have one string column ``line``; goodbooks CSV inputs have
one string column per CSV header field plus ``_corrupt_record``.
"""
from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from spark.cleaning.rules import not_int, not_number, split_valid, zip_region

# Kept in sync with plugins/recsys/catalog.py (the job must run on Glue without it).
MOVIE_GENRES = (
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
)
AGE_BUCKETS = {1: "Under 18", 18: "18-24", 25: "25-34", 35: "35-44", 45: "45-49", 50: "50-55", 56: "56+"}
N_OCCUPATIONS = 21
BOOK_GENRES = (
    "fantasy", "science-fiction", "romance", "mystery", "thriller", "horror", "crime",
    "historical-fiction", "non-fiction", "young-adult", "classics", "childrens", "comics",
    "humor", "biography", "history", "war", "westerns", "adventure", "music", "poetry",
    "contemporary", "paranormal", "dystopian",
)
BOOK_GENRE_ALIASES = {
    "sci-fi": "science-fiction", "scifi": "science-fiction", "ya": "young-adult",
    "nonfiction": "non-fiction", "children": "childrens", "graphic-novels": "comics",
    "historical": "historical-fiction", "mystery-thriller": "mystery", "classic": "classics",
}
MAX_BOOK_GENRES = 5


def _fields(line_col: str = "line", sep: str = "::"):
    return F.split(F.col(line_col), sep, -1)


def _quarantine(rejected: DataFrame, source_file: str, raw: F.Column) -> DataFrame:
    return rejected.select(F.lit(source_file).alias("source_file"), raw.alias("raw_line"), "reason")


def clean_users(lines: DataFrame) -> tuple[DataFrame, DataFrame]:
    """users.dat -> users(user_id, gender, age, age_bucket, occupation, zip_code, zip_region)."""
    f = lines.withColumn("f", _fields())
    uid, gender, age, occ, zip_code = (F.trim(F.col("f")[i]) for i in range(5))
    rules = [
        ("wrong number of fields", F.size("f") != 5),
        ("user_id is not an integer", not_int(uid)),
        ("gender is not M or F", ~gender.isin("M", "F")),
        ("age is not a MovieLens age code", ~age.isin(*[str(a) for a in AGE_BUCKETS])),
        ("occupation is not a code 0-20", not_int(occ) | ~occ.cast("int").between(0, N_OCCUPATIONS - 1)),
        ("zip code is empty", zip_code == ""),
    ]
    valid, rejected = split_valid(f, rules)
    bucket = F.create_map(*[x for code, label in AGE_BUCKETS.items() for x in (F.lit(code), F.lit(label))])
    users = valid.select(
        uid.cast("int").alias("user_id"), gender.alias("gender"), age.cast("int").alias("age"),
        bucket[age.cast("int")].alias("age_bucket"), occ.cast("int").alias("occupation"),
        zip_code.alias("zip_code"), zip_region(zip_code).alias("zip_region"),
    )
    dupes = Window.partitionBy("user_id")
    users = users.withColumn("_n", F.count("*").over(dupes))
    dup_rows = users.where("_n > 1")
    return users.where("_n = 1").drop("_n"), _quarantine(rejected, "users.dat", F.col("line")).unionByName(
        dup_rows.select(F.lit("users.dat").alias("source_file"),
                        F.concat_ws("::", *[F.col(c).cast("string") for c in
                                            ("user_id", "gender", "age", "occupation", "zip_code")]).alias("raw_line"),
                        F.lit("duplicate user_id").alias("reason")))


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
    dupes = Window.partitionBy("movie_id")
    movies = movies.withColumn("_n", F.count("*").over(dupes))
    quarantine = _quarantine(rejected, "movies.dat", F.col("line")).unionByName(
        movies.where("_n > 1").select(F.lit("movies.dat").alias("source_file"),
                                      F.concat_ws("::", F.col("movie_id").cast("string"), "title").alias("raw_line"),
                                      F.lit("duplicate movie_id").alias("reason")))
    movies = movies.where("_n = 1").drop("_n")
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
    dupes = Window.partitionBy("book_id")
    books = books.withColumn("_n", F.count("*").over(dupes))
    quarantine = _quarantine(rejected, "books.csv", F.col("_raw")).unionByName(
        books.where("_n > 1").select(F.lit("books.csv").alias("source_file"),
                                     F.concat_ws(",", F.col("book_id").cast("string"), "title").alias("raw_line"),
                                     F.lit("duplicate book_id").alias("reason")))
    return books.where("_n = 1").drop("_n"), quarantine


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

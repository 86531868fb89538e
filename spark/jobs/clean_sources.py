"""Clean the raw MovieLens and goodbooks files of one ``ds`` into typed Parquet.

Runs unchanged with ``spark-submit`` (local) and as an AWS Glue 5 job: arguments
are ``--key value`` pairs, unknown ones (Glue adds its own) are ignored, and all
S3 settings come from the Spark/Hadoop configuration, not from this script.

Reads   <lake>/raw/movielens/ds=<ds>/{users,movies,ratings}.dat   (latin-1, '::')
        <lake>/raw/goodbooks/ds=<ds>/{books,tags,book_tags}.csv
Writes  <lake>/clean/<table>/ds=<ds>/         users, movies, movie_genres, ratings, books, book_genres
        <lake>/quarantine/<table>/ds=<ds>/    source_file, raw_line, reason
        <lake>/manifests/clean/ds=<ds>/       JSON: rows in / clean / quarantined / deduplicated per table
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from spark.cleaning import tables
from spark.cleaning.accounting import TableCounts

log = logging.getLogger("clean_sources")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lake", required=True, help="lake root, e.g. s3a://recsys-lake")
    parser.add_argument("--ds", required=True, help="logical date YYYY-MM-DD")
    args, _unknown = parser.parse_known_args(argv)
    return args


def read_lines(spark: SparkSession, path: str, encoding: str = "ISO-8859-1") -> DataFrame:
    """Each line of a text file as column ``line``, decoded from ``encoding``."""
    return (spark.read.option("encoding", encoding).option("sep", "\u0001").option("quote", "\u0000")
            .option("header", False).schema("line string").csv(path))


def read_csv(spark: SparkSession, path: str, columns: list[str]) -> DataFrame:
    """A headed CSV with every column as string plus ``_corrupt_record`` for malformed rows."""
    schema = ", ".join(f"`{c}` string" for c in columns) + ", _corrupt_record string"
    return (spark.read.option("header", True).option("mode", "PERMISSIVE").option("escape", '"')
            .option("columnNameOfCorruptRecord", "_corrupt_record").option("enforceSchema", False)
            .schema(schema).csv(path).cache())


def _top_reasons(quarantine: DataFrame) -> dict[str, int]:
    rows = quarantine.groupBy("reason").count().orderBy(F.col("count").desc()).limit(5).collect()
    return {r["reason"]: r["count"] for r in rows}


def run(spark: SparkSession, lake: str, ds: str) -> dict[str, dict]:
    """Clean every table of ``ds``; return the accounting per input table."""
    raw = f"{lake}/raw/{{source}}/ds={ds}/{{file}}"
    not_after = int((dt.datetime.fromisoformat(ds) + dt.timedelta(days=1))
                    .replace(tzinfo=dt.timezone.utc).timestamp())

    def write(df: DataFrame, table: str, area: str = "clean") -> None:
        df.write.mode("overwrite").parquet(f"{lake}/{area}/{table}/ds={ds}/")

    counts: dict[str, TableCounts] = {}

    def account(table: str, raw_df: DataFrame, clean: DataFrame, quarantine: DataFrame, dedup: int = 0) -> None:
        quarantine = quarantine.cache()
        write(quarantine.coalesce(1), table, "quarantine")
        counts[table] = TableCounts(rows_in=raw_df.count(), rows_clean=clean.count(),
                                    rows_quarantined=quarantine.count(), rows_deduplicated=dedup,
                                    top_reasons=_top_reasons(quarantine))
        log.info("%-10s %s", table, counts[table].as_dict())

    users_raw = read_lines(spark, raw.format(source="movielens", file="users.dat")).cache()
    users, users_q = tables.clean_users(users_raw)
    users = users.cache()
    write(users, "users")
    account("users", users_raw, users, users_q)

    movies_raw = read_lines(spark, raw.format(source="movielens", file="movies.dat")).cache()
    movies, movie_genres, movies_q = tables.clean_movies(movies_raw)
    movies = movies.cache()
    write(movies, "movies")
    write(movie_genres, "movie_genres")
    account("movies", movies_raw, movies, movies_q)

    ratings_raw = read_lines(spark, raw.format(source="movielens", file="ratings.dat")).cache()
    ratings, ratings_q, dedup = tables.clean_ratings(ratings_raw, users, movies, not_after)
    ratings = ratings.cache()
    write(ratings, "ratings")
    account("ratings", ratings_raw, ratings, ratings_q, dedup)

    books_raw = read_csv(spark, raw.format(source="goodbooks", file="books.csv"),
                         ["book_id", "goodreads_book_id", "best_book_id", "work_id", "books_count", "isbn",
                          "isbn13", "authors", "original_publication_year", "original_title", "title",
                          "language_code", "average_rating", "ratings_count", "work_ratings_count",
                          "work_text_reviews_count", "ratings_1", "ratings_2", "ratings_3", "ratings_4",
                          "ratings_5", "image_url", "small_image_url"])
    tags_raw = read_csv(spark, raw.format(source="goodbooks", file="tags.csv"), ["tag_id", "tag_name"])
    book_tags_raw = read_csv(spark, raw.format(source="goodbooks", file="book_tags.csv"),
                             ["goodreads_book_id", "tag_id", "count"])
    books, books_q = tables.clean_books(books_raw)
    tags, tags_q = tables.clean_tags(tags_raw)
    book_tags, book_tags_q = tables.clean_book_tags(book_tags_raw)
    genres = tables.book_genres(books, tags, book_tags).cache()
    ordered = genres.groupBy("book_id").agg(
        F.sort_array(F.collect_list(F.struct("genre_rank", "genre"))).alias("_g"))
    books = (books.join(ordered, "book_id", "left")
             .withColumn("genres", F.coalesce(F.col("_g.genre"), F.array().cast("array<string>")))
             .drop("_g").cache())
    write(books, "books")
    write(genres, "book_genres")
    account("books", books_raw, books, books_q)
    account("tags", tags_raw, tags, tags_q)
    account("book_tags", book_tags_raw, book_tags, book_tags_q)

    manifest = {"ds": ds, "tables": {t: c.as_dict() for t, c in counts.items()}}
    for table, c in counts.items():
        c.check(table)
    (spark.createDataFrame([(json.dumps(manifest),)], "value string").coalesce(1)
     .write.mode("overwrite").text(f"{lake}/manifests/clean/ds={ds}/"))
    return manifest["tables"]


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(sys.argv[1:] if argv is None else argv)
    spark = (SparkSession.builder.appName(f"clean_sources_{args.ds}")
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    try:
        run(spark, args.lake.rstrip("/"), args.ds)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()

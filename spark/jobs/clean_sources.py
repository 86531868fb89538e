"""Clean the raw files of one ``ds`` into the canonical tables, with full row accounting.

Runs unchanged with ``spark-submit`` (local) and as an AWS Glue 5 job: arguments
are ``--key value`` pairs, unknown ones (Glue adds its own) are ignored, and all
S3 settings come from the Spark/Hadoop configuration, not from this script.

Reads   <lake>/raw/<dataset>/ds=<ds>/      the files listed in its manifest.json
        For app-db: change files (AWS DMS format) applied onto <lake>/state/app-db/<table>/ds=<base ds>/
Writes  <lake>/clean/<table>/ds=<ds>/      users, movies, movie_genres, ratings, books, book_genres (app-db: and feedback, deleted_users)
        <lake>/state/app-db/<table>/ds=<ds>/ app-db: each table's state after the changes (tombstones kept)
        <lake>/quarantine/<table>/ds=<ds>/ source_file, line_number, raw_line, reason
        <lake>/manifests/clean/ds=<ds>/    JSON: rows in / clean / quarantined / deduplicated per table,
                                           status "complete" (or "refused")
        Tables are written under staging/ds=<ds>/ and moved into place only when every table
        is written and the accounting holds, so a failing job never leaves a half-replaced day.
Fails   when a table's rows do not balance or it quarantines more than
        --max-quarantine-fraction of its rows (the manifest, status "refused", is written first;
        the day's clean tables stay as they were). This is the one place the accounting is
        enforced, on either engine.

Paths come from :mod:`spark.cleaning.lake`, the layout every reader and writer shares.
"""
from __future__ import annotations

import argparse
import datetime as dt
import fnmatch
import json
import logging
import sys
import time
from functools import reduce
from typing import Callable

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from spark.cleaning import formats, lake, tables
from spark.cleaning.accounting import (BAD_INPUT_EXIT_CODE, MAX_QUARANTINE_FRACTION, AccountingError,
                                      QuarantineError, TableCounts, check_counts)
from spark.cleaning.changes import APP_TABLES
from spark.cleaning.datasets import BOOKS, CHANGES_FORMAT, MOVIES, DatasetSpec, get_dataset
from spark.cleaning.merge import TYPED, apply_changes, current_rows, parse_changes, ratings_from_feedback
from spark.cleaning.readers import SourceFileError, read_lines

log = logging.getLogger("clean_sources")

# format -> canonical table -> (file pattern, parser)
MOVIE_FORMATS = {
    "ml-1m": {"users": ("users.dat", formats.ml1m_users), "movies": ("movies.dat", formats.ml1m_movies),
              "ratings": ("ratings.dat", formats.ml1m_ratings)},
    "ml-100k": {"users": ("u.user", formats.ml100k_users), "movies": ("u.item", formats.ml100k_movies),
                "ratings": ("u.data", formats.ml100k_ratings)},
    "ml-latest": {"movies": ("movies.csv", formats.ml_latest_movies),
                  "ratings": ("ratings.csv", formats.ml_latest_ratings)},
    "netflix": {"movies": ("movie_titles.csv", formats.netflix_movies),
                "ratings": ("combined_data_*.txt", formats.netflix_ratings)},
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lake", required=True, help="lake root, e.g. s3a://recsys-lake")
    parser.add_argument("--ds", required=True, help="logical date YYYY-MM-DD")
    parser.add_argument("--movies-dataset", default="sample-movielens")
    parser.add_argument("--books-dataset", default="sample-goodbooks")
    parser.add_argument("--max-quarantine-fraction", type=float, default=MAX_QUARANTINE_FRACTION)
    args, _unknown = parser.parse_known_args(argv)
    return args


def _top_reasons(quarantine: DataFrame) -> dict[str, int]:
    rows = quarantine.groupBy("reason").count().orderBy(F.col("count").desc(), "reason").limit(5).collect()
    return {r["reason"]: r["count"] for r in rows}


class CleaningRun:
    """One run of the job: reads raw files of ``ds``, writes tables, keeps the accounting."""

    def __init__(self, spark: SparkSession, lake_root: str, ds: str,
                 on_table: Callable[[str, TableCounts, float], None] | None = None):
        self.spark, self.lake_root, self.ds = spark, lake_root, ds
        self.counts: dict[str, TableCounts] = {}
        self.change_tables: dict[str, int] = {}  # app-db: rows of its feedback and deleted_users tables
        self.outputs: list[str] = []  # final prefixes written under staging/
        self.on_table = on_table
        self._started = time.monotonic()

    def raw_manifest(self, spec: DatasetSpec) -> dict:
        """The ingest manifest of ``spec`` for this ds (``files``: the raw file names)."""
        uri = lake.uri(self.lake_root, lake.raw_manifest_key(spec.name, self.ds))
        path, fs = self._fs_path(lake.raw_manifest_key(spec.name, self.ds))
        if not fs.exists(path):  # any other failure (network, credentials) is raised as is: a retry may pass
            raise SourceFileError(f"{uri}: no ingest manifest; run ingest_raw for this ds first")
        return json.loads(self.spark.read.text(uri, wholetext=True).first()["value"])

    def read(self, spec: DatasetSpec, files: list[str], pattern: str) -> DataFrame:
        """Lines of every raw file of ``spec`` matching ``pattern``, with file name and line number."""
        names = sorted(fnmatch.filter(files, pattern))
        if not names:
            raise SourceFileError(f"{spec.name}: no raw file matches {pattern!r} (have {sorted(files)})")
        prefix = lake.uri(self.lake_root, lake.raw_prefix(spec.name, self.ds))
        parts = [read_lines(self.spark, prefix + name, name, spec.encoding) for name in names]
        return reduce(DataFrame.unionByName, parts)

    def staged(self, final_prefix: str) -> str:
        """Where ``final_prefix`` is written until the job is complete."""
        self.outputs.append(final_prefix)
        return lake.uri(self.lake_root, lake.staging_prefix(self.ds, final_prefix))

    def write(self, df: DataFrame, table: str) -> None:
        df.write.mode("overwrite").parquet(self.staged(lake.clean_prefix(table, self.ds)))

    def _fs_path(self, key: str):
        jvm = self.spark._jvm
        path = jvm.org.apache.hadoop.fs.Path(lake.uri(self.lake_root, key))
        return path, path.getFileSystem(self.spark._jsc.hadoopConfiguration())

    def delete(self, key: str) -> None:
        path, fs = self._fs_path(key)
        fs.delete(path, True)

    def move_into_place(self) -> None:
        """Replace each final prefix of the day with what the job staged for it, then drop the staging area.

        On S3 a rename is a copy and delete per object, not atomic: readers are kept out by the manifest,
        which is deleted before the first move and written after the last (loads require it)."""
        for i, final in enumerate(self.outputs, 1):
            source, fs = self._fs_path(lake.staging_prefix(self.ds, final))
            target, _ = self._fs_path(final)
            if fs.exists(target) and not fs.delete(target, True):
                raise IOError(f"could not delete {target} to replace it")
            fs.mkdirs(target.getParent())
            if not fs.rename(source, target):
                raise IOError(f"could not move {source} to {target}")
            log.info("[%d/%d] in place: %s", i, len(self.outputs), final)
        self.delete(lake.staging_prefix(self.ds))

    def account(self, table: str, parsed: DataFrame, clean: DataFrame | int, quarantine: DataFrame,
                deduplicated: int = 0, state: DataFrame | None = None) -> None:
        """Write the table's quarantine and record rows in / clean / quarantined / deduplicated (for change
        files: in / applied / quarantined / superseded, and the rows of the ``state`` they give)."""
        quarantine = quarantine.cache()
        quarantine.coalesce(1).write.mode("overwrite").parquet(self.staged(lake.quarantine_prefix(table, self.ds)))
        counts = TableCounts(rows_in=parsed.count(), rows_clean=clean if isinstance(clean, int) else clean.count(),
                             rows_quarantined=quarantine.count(), rows_deduplicated=deduplicated,
                             top_reasons=_top_reasons(quarantine),
                             rows_state=None if state is None else state.count())
        self.counts[table] = counts
        elapsed, self._started = time.monotonic() - self._started, time.monotonic()
        log.info("%-10s in=%d clean=%d quarantined=%d deduplicated=%d (%.1fs) %s", table, counts.rows_in,
                 counts.rows_clean, counts.rows_quarantined, counts.rows_deduplicated, elapsed,
                 counts.top_reasons or "")
        if self.on_table:
            self.on_table(table, counts, elapsed)

    def movies_domain(self, spec: DatasetSpec, files: list[str]) -> None:
        parsers = MOVIE_FORMATS[spec.format]

        def parse(table: str) -> DataFrame:
            pattern, parser = parsers[table]
            log.info("parsing %s %s from %s", spec.name, table, pattern)
            return parser(self.read(spec, files, pattern)).cache()

        users = None
        if "users" in parsers:
            parsed = parse("users")
            users, quarantine, deduplicated = tables.clean_users(parsed)
            users = users.cache()
            self.write(users, "users")
            self.account("users", parsed, users, quarantine, deduplicated)

        parsed = parse("movies")
        movies, movie_genres, quarantine, deduplicated = tables.clean_movies(parsed)
        movies = movies.cache()
        self.write(movies, "movies")
        self.write(movie_genres, "movie_genres")
        self.account("movies", parsed, movies, quarantine, deduplicated)

        parsed = parse("ratings")
        ratings, quarantine, deduplicated = tables.clean_ratings(parsed, users, movies, self.not_after(),
                                                                 spec.rating_scale, self.not_before(spec))
        ratings = ratings.cache()
        self.write(ratings, "ratings")
        self.account("ratings", parsed, ratings, quarantine, deduplicated)
        if users is None:
            log.info("%s has no demographics: users are the raters, with every demographic field null", spec.name)
            self.write(tables.users_without_demographics(ratings), "users")

    def changes_domain(self, spec: DatasetSpec, manifest: dict) -> None:
        """The application database's change files applied onto the state of the extract's base day: users,
        movies and feedback as they are now, and the ratings among the feedback."""
        base = manifest.get("base_ds")
        if base:
            self.require_complete(base, spec.name)
        states = {}
        for table in APP_TABLES:
            previous = (self.spark.read.parquet(lake.uri(self.lake_root, lake.app_state_prefix(table.name, base)))
                        if base else None)
            pattern = table.folder() + "*"
            if fnmatch.filter(manifest["files"], pattern):
                parsed = parse_changes(self.read(spec, manifest["files"], pattern), table).cache()
                changes, quarantine = TYPED[table.name](parsed)
                state, applied, superseded = apply_changes(previous, changes, table.key)
                states[table.name] = state.cache()
                self.account(table.name, parsed, applied, quarantine, superseded, current_rows(state))
            elif previous is None:
                raise SourceFileError(f"{spec.name}: a full load without {table.name} (no earlier day to start from)")
            else:
                log.info("%s: no changes since ds=%s", table.name, base)
                states[table.name] = previous.cache()
            states[table.name].write.mode("overwrite").parquet(self.staged(lake.app_state_prefix(table.name, self.ds)))
        deleted = states["users"].where("_deleted").select("user_id", F.col("_changed_at").alias("deleted_at"))
        self.write(deleted, lake.DELETED_USERS)  # every deletion so far: the warehouse and serving purge them
        users, movies = (current_rows(states[t]).cache() for t in ("users", "movies"))
        events = current_rows(states["feedback"]).cache()
        # the events of users and movies the clean tables have, for the training marts' weights (the state keeps
        # the others, e.g. of a user whose row was quarantined, until their user or movie is clean)
        feedback = events.join(users.select("user_id"), "user_id", "left_semi").join(
            movies.select("movie_id"), "movie_id", "left_semi").select(*events.columns).cache()
        self.write(feedback, lake.FEEDBACK)
        self.change_tables = {lake.FEEDBACK: feedback.count(), lake.DELETED_USERS: deleted.count(),
                              "feedback_waiting_for_user_or_movie": events.count() - feedback.count()}
        self.write(users, "users")
        self.write(movies, "movies")
        self.write(movies.select("movie_id", F.explode("genres").alias("genre")), "movie_genres")
        parsed = ratings_from_feedback(events).cache()  # an unknown user or movie is quarantined here, with the reason
        ratings, quarantine, deduplicated = tables.clean_ratings(
            parsed, users, movies, self.not_after(), spec.rating_scale, self.not_before(spec))
        ratings = ratings.cache()
        self.write(ratings, "ratings")
        self.account("ratings", parsed, ratings, quarantine, deduplicated)

    def require_complete(self, ds: str, dataset: str) -> None:
        """Refuse to build on a day the clean job has not put in place whole from ``dataset``."""
        path, fs = self._fs_path(lake.clean_manifest_prefix(ds))
        manifest = (json.loads(self.spark.read.text(lake.uri(self.lake_root, lake.clean_manifest_prefix(ds)))
                               .first()["value"]) if fs.exists(path) else {})
        if manifest.get("status") != "complete":
            raise SourceFileError(f"the changes of ds={self.ds} apply onto ds={ds}, which is not cleaned "
                                  f"({manifest.get('status', 'no manifest')}); run ds={ds} first")
        if manifest["datasets"][MOVIES] != dataset:
            raise SourceFileError(f"the changes of ds={self.ds} apply onto ds={ds}, which was cleaned from "
                                  f"{manifest['datasets'][MOVIES]}, not {dataset}")

    def not_after(self) -> int:
        """Ratings dated after the end of the run's day are in the future."""
        return int((dt.datetime.fromisoformat(self.ds) + dt.timedelta(days=1))
                   .replace(tzinfo=dt.timezone.utc).timestamp())

    @staticmethod
    def not_before(spec: DatasetSpec) -> int:
        return int(dt.datetime.fromisoformat(spec.first_day).replace(tzinfo=dt.timezone.utc).timestamp())

    def books_domain(self, spec: DatasetSpec, files: list[str]) -> None:
        if spec.format == "goodbooks":
            parsed = {name: parser(self.read(spec, files, f"{name}.csv")).cache() for name, parser in (
                ("books", formats.goodbooks_books), ("tags", formats.goodbooks_tags),
                ("book_tags", formats.goodbooks_book_tags))}
            books, books_q, books_deduplicated = tables.clean_books(parsed["books"])
            tags, tags_q = tables.clean_tags(parsed["tags"])
            book_tags, book_tags_q = tables.clean_book_tags(parsed["book_tags"])
            genres = tables.shelf_genres(books, tags, book_tags).cache()
            books = tables.with_genres(books, genres).cache()
            self.write(books, "books")
            self.write(genres, "book_genres")
            self.account("books", parsed["books"], books, books_q, books_deduplicated)
            self.account("tags", parsed["tags"], tags, tags_q)
            self.account("book_tags", parsed["book_tags"], book_tags, book_tags_q)
        else:  # goodreads-list: one CSV that carries its own genre list
            parsed = formats.goodreads_list_books(self.read(spec, files, spec.files[0])).cache()
            books, books_q, books_deduplicated = tables.clean_books(parsed)
            books = books.cache()
            genres = tables.listed_genres(books).cache()
            self.write(tables.with_genres(books, genres), "books")
            self.write(genres, "book_genres")
            self.account("books", parsed, books, books_q, books_deduplicated)

    def manifest(self, movies: DatasetSpec, books: DatasetSpec, status: str) -> dict:
        manifest = {"ds": self.ds, "status": status, "datasets": {MOVIES: movies.name, BOOKS: books.name},
                    "demographics": movies.has_demographics,
                    "tables": {t: c.as_dict() for t, c in self.counts.items()}}
        if self.change_tables:
            manifest["change_tables"] = self.change_tables
        if status == "refused":  # the refused tables and their quarantine stay there until the next attempt
            manifest["staged_under"] = lake.staging_prefix(self.ds)
        return manifest

    def write_manifest(self, manifest: dict) -> None:
        (self.spark.createDataFrame([(json.dumps(manifest),)], "value string").coalesce(1)
         .write.mode("overwrite").text(lake.uri(self.lake_root, lake.clean_manifest_prefix(self.ds))))


def run(spark: SparkSession, lake_root: str, ds: str, movies_dataset: str = "sample-movielens",
        books_dataset: str = "sample-goodbooks", max_quarantine_fraction: float = MAX_QUARANTINE_FRACTION,
        on_table: Callable[[str, TableCounts, float], None] | None = None) -> dict:
    """Clean both datasets of ``ds``; write and return the manifest, then enforce the accounting."""
    movies, books = get_dataset(movies_dataset, MOVIES), get_dataset(books_dataset, BOOKS)
    job = CleaningRun(spark, lake_root, ds, on_table)
    try:
        movie_manifest, book_manifest = job.raw_manifest(movies), job.raw_manifest(books)  # before any write
        job.delete(lake.staging_prefix(ds))  # what an earlier failed attempt left
        if movies.format == CHANGES_FORMAT:
            job.changes_domain(movies, movie_manifest)
        else:
            job.movies_domain(movies, sorted(movie_manifest["files"]))
        job.books_domain(books, sorted(book_manifest["files"]))
        try:
            check_counts(job.manifest(movies, books, "refused")["tables"], max_quarantine_fraction)
        except (AccountingError, QuarantineError):
            job.write_manifest(job.manifest(movies, books, "refused"))
            raise
        job.delete(lake.clean_manifest_prefix(ds))  # no manifest while the day's tables are being replaced
        job.move_into_place()
        manifest = job.manifest(movies, books, "complete")
        job.write_manifest(manifest)
        return manifest
    finally:
        spark.catalog.clearCache()  # the job caches every table; a session running several days must not fill up


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(sys.argv[1:] if argv is None else argv)
    spark = (SparkSession.builder.appName(f"clean_sources_{args.ds}")
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    try:
        run(spark, args.lake, args.ds, args.movies_dataset, args.books_dataset, args.max_quarantine_fraction)
    except (SourceFileError, AccountingError, QuarantineError) as exc:
        log.error("refused: %s: %s", type(exc).__name__, exc)
        sys.exit(BAD_INPUT_EXIT_CODE)  # the caller fails the task for good: a retry would do the same
    finally:
        spark.stop()


if __name__ == "__main__":
    main()

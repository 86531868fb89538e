"""Change files (AWS DMS format, :mod:`spark.cleaning.changes`) applied onto the previous day's state.

The state of a table keeps, per key, the latest version with the time of the change that made it
(``_changed_at``, ``_change_seq``) and a tombstone for a deleted key (``_deleted``), so that a late
change (older than the version the state has) or a change delivered twice never wins over a
newer one, and a late update cannot bring a deleted row back. The clean table of the day is the
state without its tombstones.

Every change row is quarantined (with its reason), applied, or superseded (a newer change of
the same key, in this batch or already in the state): in = applied + quarantined + superseded.
"""
from __future__ import annotations

from functools import reduce

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from spark.cleaning.changes import CHANGE_SEQ, COMMIT_TS, EVENT_TYPES, OP, OPS, AppTable
from spark.cleaning.readers import SourceFileError, csv_fields, text_problem
from spark.cleaning.rules import first_failure, not_int, not_number, not_positive_id, numeric_id, split_valid
from spark.cleaning.tables import PROVENANCE, age_bucket, movie_genre, quarantine_rows
from spark.cleaning.vocabulary import AGE_BUCKETS, NO_GENRE, PLAUSIBLE_AGE, US_ZIP

META = ("_op", "_changed_at", "_change_seq")
STATE_META = ("_deleted", "_changed_at", "_change_seq")


def parse_changes(lines: DataFrame, table: AppTable) -> DataFrame:
    """Change lines (every file starting with its header) -> provenance, ``_op``, ``_changed_at``,
    ``_change_seq``, the table's columns as strings (empty = null) and ``_format_error``.

    Every file of the table must have the same header, which must name ``Op``, the commit timestamp and
    every column of the table; anything else is a :class:`SourceFileError` naming the file."""
    headers = {r["source_file"]: r["line"] for r in lines.where("line_number = 1").select("source_file", "line").collect()}
    names = {f: [n.strip().lower() for n in line.split(",")] for f, line in headers.items()}
    wanted = [c.lower() for c in table.header()]
    for source_file, found in names.items():
        missing = [c for c in wanted if c not in found and c != CHANGE_SEQ]
        if missing:
            raise SourceFileError(f"{source_file} line 1: header {found} lacks {', '.join(missing)}")
    if len({tuple(n) for n in names.values()}) > 1:
        raise SourceFileError(f"{table.name}: the change files' headers differ: {names}")
    found = next(iter(names.values()))
    width = len(found)
    fields = lines.where("line_number > 1").withColumn("f", csv_fields(F.col("line")))

    def field(name: str) -> Column:
        if name.lower() not in found:
            return F.lit(None).cast("string")
        value = F.col("f")[found.index(name.lower())]
        return F.when(value != "", value)

    commit_ts = F.to_timestamp(field(COMMIT_TS), "yyyy-MM-dd HH:mm:ss.SSSSSS")
    error = first_failure([
        (text_problem(F.col("line"), True), text_problem(F.col("line"), True).isNotNull()),
        (F.concat(F.lit(f"wrong number of fields: expected {width} CSV, found "), F.size("f").cast("string")),
         F.size("f") != width),
        (f"{OP} is not one of {'/'.join(OPS)}", ~F.coalesce(field(OP), F.lit("")).isin(*OPS)),
        ("commit timestamp is not yyyy-MM-dd HH:mm:ss.SSSSSS", commit_ts.isNull()),
        ("change_seq is not an integer", field(CHANGE_SEQ).isNotNull() & not_int(field(CHANGE_SEQ))),
    ])
    return fields.select(F.col("source_file"), F.col("line_number"), F.col("line").alias("raw_line"),
                         field(OP).alias("_op"), commit_ts.alias("_changed_at"),
                         field(CHANGE_SEQ).cast("long").alias("_change_seq"),
                         *[field(c).alias(c) for c in table.columns], error.alias("_format_error"))


def _upsert(rule: Column) -> Column:
    """A rule that applies to inserts and updates only: a delete needs nothing but its key."""
    return (F.col("_op") != "D") & rule


def _typed(parsed: DataFrame, rules: list, columns: list[Column]) -> tuple[DataFrame, DataFrame]:
    valid, rejected = split_valid(parsed, [(F.col("_format_error"), F.col("_format_error").isNotNull()), *rules])
    return valid.select(*PROVENANCE, *META, *columns), quarantine_rows(rejected)


def typed_users(parsed: DataFrame) -> tuple[DataFrame, DataFrame]:
    """users changes -> typed (user_id, gender, age, age_bucket, occupation, zip_code, zip_region) and the
    quarantine. Every answer is optional in an application: a missing one is null, a wrong one is refused."""
    uid, gender, age, bucket = numeric_id(F.col("user_id")), F.upper(F.col("gender")), F.col("age"), F.col("age_bucket")
    low, high = PLAUSIBLE_AGE
    return _typed(parsed, [
        ("user_id is not a positive integer", not_positive_id(uid)),
        ("gender is not M or F", _upsert(gender.isNotNull() & ~gender.isin("M", "F"))),
        ("age is not an integer", _upsert(age.isNotNull() & not_int(age))),
        (f"age outside {low}-{high}", _upsert(age.isNotNull() & ~age.cast("int").between(low, high))),
        ("age_bucket is not a MovieLens age bucket", _upsert(bucket.isNotNull() & ~bucket.isin(*AGE_BUCKETS.values()))),
    ], [uid.cast("int").alias("user_id"), gender.alias("gender"), age.cast("int").alias("age"),
        F.coalesce(bucket, age_bucket(age.cast("int"))).alias("age_bucket"), F.col("occupation"), F.col("zip_code"),
        F.when(F.col("zip_code").isNotNull(), F.when(F.col("zip_code").rlike(US_ZIP), F.substring("zip_code", 1, 1))
               .otherwise(F.lit("other"))).alias("zip_region")])


def typed_movies(parsed: DataFrame) -> tuple[DataFrame, DataFrame]:
    """movies changes -> typed (movie_id, title, release_year, genres) and the quarantine."""
    mid, year = numeric_id(F.col("movie_id")), F.col("release_year")
    named = F.filter(F.split(F.coalesce(F.col("genres"), F.lit("")), r"\|"), lambda g: ~F.lower(F.trim(g)).isin(*NO_GENRE))
    return _typed(parsed.withColumn("_genres", named), [
        ("movie_id is not a positive integer", not_positive_id(mid)),
        ("title is empty", _upsert(F.coalesce(F.trim("title"), F.lit("")) == "")),
        ("release_year is not an integer", _upsert(year.isNotNull() & not_int(year))),
        ("unknown genre", _upsert(~F.forall("_genres", lambda g: movie_genre(g).isNotNull()))),
    ], [mid.cast("int").alias("movie_id"), F.trim("title").alias("title"), year.cast("int").alias("release_year"),
        F.array_sort(F.array_distinct(F.transform("_genres", movie_genre))).alias("genres")])


def typed_feedback(parsed: DataFrame) -> tuple[DataFrame, DataFrame]:
    """feedback changes -> typed (feedback_id, user_id, movie_id, event_type, value, occurred_at) and the
    quarantine; each event type's value must lie in its range (:data:`EVENT_TYPES`)."""
    fid, uid, mid = (numeric_id(F.col(c)) for c in ("feedback_id", "user_id", "movie_id"))
    event, value = F.lower(F.trim("event_type")), F.col("value")
    occurred = F.to_timestamp("occurred_at", "yyyy-MM-dd HH:mm:ss.SSSSSS")
    in_range = reduce(Column.__or__, [(event == name) & value.cast("double").between(low, high)
                                      for name, (low, high) in EVENT_TYPES.items()])
    return _typed(parsed, [
        ("feedback_id is not a positive integer", ~fid.rlike(r"^[0-9]{1,18}$") | (fid.cast("long") < 1)),
        ("user_id is not a positive integer", _upsert(not_positive_id(uid))),
        ("movie_id is not a positive integer", _upsert(not_positive_id(mid))),
        (f"event_type is not one of {', '.join(EVENT_TYPES)}", _upsert(~event.isin(*EVENT_TYPES))),
        ("value is not a number", _upsert(not_number(value))),
        ("value outside the event type's range", _upsert(~in_range)),
        ("occurred_at is not a timestamp", _upsert(occurred.isNull())),
    ], [fid.cast("long").alias("feedback_id"), uid.cast("int").alias("user_id"), mid.cast("int").alias("movie_id"),
        event.alias("event_type"), value.cast("double").alias("value"), occurred.alias("occurred_at")])


TYPED = {"users": typed_users, "movies": typed_movies, "feedback": typed_feedback}


def apply_changes(state: DataFrame | None, changes: DataFrame, key: str) -> tuple[DataFrame, int, int]:
    """The new state (every key's latest version, tombstones kept) from the previous ``state`` and typed
    ``changes``; returns it with how many changes were applied and how many superseded.

    Order: the change's commit time, then its change sequence, then its place in the files; the state's
    version wins over an older change (a late one) and loses to a newer one or an equal (a duplicate)."""
    columns = [c for c in changes.columns if c not in (*PROVENANCE, *META)]
    incoming = changes.select(*columns, (F.col("_op") == "D").alias("_deleted"), "_changed_at", "_change_seq",
                              F.lit(1).alias("_is_change"), "source_file", "line_number")
    if state is not None:
        incoming = state.select(*columns, *STATE_META, F.lit(0).alias("_is_change"),
                                F.lit(None).cast("string").alias("source_file"),
                                F.lit(None).cast("long").alias("line_number")).unionByName(incoming)
    latest = Window.partitionBy(key).orderBy(
        F.col("_changed_at").desc_nulls_last(), F.col("_change_seq").desc_nulls_last(), F.col("_is_change").desc(),
        F.col("source_file").desc_nulls_last(), F.col("line_number").desc_nulls_last())
    ranked = incoming.withColumn("_rank", F.row_number().over(latest)).cache()
    outcome = {r["applied"]: r["count"] for r in ranked.where("_is_change = 1")
               .groupBy((F.col("_rank") == 1).alias("applied")).count().collect()}
    new_state = ranked.where("_rank = 1").select(*columns, *STATE_META)
    return new_state, outcome.get(True, 0), outcome.get(False, 0)


def current_rows(state: DataFrame) -> DataFrame:
    """The clean table of a state: its live rows, without tombstones and change metadata."""
    return state.where(~F.col("_deleted")).drop(*STATE_META)


def ratings_from_feedback(feedback: DataFrame) -> DataFrame:
    """The rating events of the current feedback as the "parsed" ratings of :func:`spark.cleaning.tables.clean_ratings`
    (its provenance is the feedback row), so ratings pass the same rules as every other source's."""
    rated = feedback.where(F.col("event_type") == "rating")
    return rated.select(F.lit("app/feedback").alias("source_file"), F.col("feedback_id").alias("line_number"),
                        F.to_json(F.struct(*feedback.columns)).alias("raw_line"),
                        F.col("user_id").cast("string").alias("user_id"),
                        F.col("movie_id").cast("string").alias("movie_id"),
                        F.col("value").cast("string").alias("rating"),
                        F.unix_timestamp("occurred_at").alias("ts"), F.lit(None).cast("string").alias("_format_error"))

"""The operational database's tables and the AWS DMS file format they reach the lake in.

Plain Python (no pyspark): the extract task (which plays DMS's part locally) writes files in
this layout, and the clean job (locally and on Glue) reads them, whether the extract or a
real DMS task wrote them.

A DMS task with an S3 target, ``DataFormat=csv``, ``AddColumnName=true``,
``IncludeOpForFullLoad=true`` and ``TimestampColumnName=commit_ts`` writes, per table,

    <folder>/<schema>/<table>/LOAD00000001.csv      the full load (every row, Op = I)
    <folder>/<schema>/<table>/<yyyymmdd-hhmmssfff>.csv   then one file per batch of changes

with a header line and, before the table's own columns, ``Op`` (I, U or D) and the commit
timestamp (``yyyy-MM-dd HH:mm:ss.SSSSSS``, UTC). An optional ``change_seq`` column (DMS:
a transformation rule adding ``$AR_H_CHANGE_SEQ``) orders changes committed in the same
microsecond. Empty fields are nulls (DMS's default ``CsvNullValue``).
"""
from __future__ import annotations

from dataclasses import dataclass

SCHEMA = "app"
OP, COMMIT_TS, CHANGE_SEQ = "Op", "commit_ts", "change_seq"
OPS = ("I", "U", "D")
FULL_LOAD_FILE = "LOAD00000001.csv"


@dataclass(frozen=True)
class AppTable:
    """One replicated table: its primary key and columns, in the order the files carry them."""

    name: str
    key: str
    columns: tuple[str, ...]

    def folder(self) -> str:
        """The table's folder inside a day's raw prefix (DMS: ``<schema>/<table>/``)."""
        return f"{SCHEMA}/{self.name}/"

    def header(self) -> list[str]:
        return [OP, COMMIT_TS, CHANGE_SEQ, *self.columns]


# users and movies keep the canonical clean tables' names; feedback holds every event an application records
USERS = AppTable("users", "user_id", ("user_id", "gender", "age", "age_bucket", "occupation", "zip_code"))
MOVIES = AppTable("movies", "movie_id", ("movie_id", "title", "release_year", "genres"))
FEEDBACK = AppTable("feedback", "feedback_id",
                    ("feedback_id", "user_id", "movie_id", "event_type", "value", "occurred_at"))
APP_TABLES = (USERS, MOVIES, FEEDBACK)

# What an application may record, and the values each event type may carry. A rating is 1-5 stars and
# becomes a row of the clean ratings table; the other events are kept in the feedback table.
EVENT_TYPES = {"rating": (1, 5), "like": (1, 1), "watch": (0, 1)}


def change_file_name(batch_started: str) -> str:
    """DMS's name of a change file from the batch's UTC time ``YYYY-MM-DDTHH:MM:SS.ffffff``."""
    day, time = batch_started.split("T")
    return f"{day.replace('-', '')}-{time[:8].replace(':', '')}{time[9:12].ljust(3, '0')}.csv"

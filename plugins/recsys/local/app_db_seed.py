"""Fill the local application database from files in the MovieLens-1M format (the bundled sample by default).

The demo's stand-in for a live application: users, movies, and every rating as a feedback event,
written through the same tables (and so the same change capture) the API writes to.
"""
from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path

import psycopg2

from recsys.ingest.app_db import SCHEMA_SQL
from recsys.settings import Settings
from spark.cleaning.changes import SCHEMA
from spark.cleaning.vocabulary import AGE_BUCKETS, OCCUPATIONS

log = logging.getLogger(__name__)
_TITLE_YEAR = re.compile(r"^(.*\S)\s*\((\d{4})\)\s*$")


def connect(settings: Settings):
    """A psycopg2 connection to the local application database (the warehouse's role and server)."""
    return psycopg2.connect(host=settings.pg_host, port=settings.pg_port, user=settings.pg_user,
                            password=settings.pg_password, dbname=settings.app_db_name)


def _lines(path: Path) -> list[list[str]]:
    """The non-blank lines of ``path``, split at ``::``."""
    return [line.split("::") for line in path.read_text("latin-1").splitlines() if line.strip()]


def _csv(rows) -> io.StringIO:
    """Rows as COPY's CSV (empty = null)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    buf.seek(0)
    return buf


def _plain_int(text: str, digits: int = 9) -> bool:
    return text.isdigit() and len(text) <= digits


def app_rows(movielens_dir: Path) -> tuple[dict[str, list[tuple]], dict[str, int]]:
    """The rows an application's typed tables could hold, and how many lines of each file were left out: those
    that do not fit the columns' types or refer to an unknown user or movie (the sample has such lines on
    purpose, for the clean job's quarantine). A later line of a repeated id wins, as in the clean job."""
    lines = {name: _lines(movielens_dir / f"{name}.dat") for name in ("users", "movies", "ratings")}
    fitting = {name: [f for f in lines[name] if len(f) == fields]
               for name, fields in (("users", 5), ("movies", 3), ("ratings", 4))}
    users = {u: (u, g, None, AGE_BUCKETS[int(a)], OCCUPATIONS[int(o)], z) for u, g, a, o, z in fitting["users"]
             if _plain_int(u) and _plain_int(a) and int(a) in AGE_BUCKETS and _plain_int(o)
             and int(o) < len(OCCUPATIONS)}
    movies = {}
    for movie_id, title_year, genres in fitting["movies"]:
        if _plain_int(movie_id):
            match = _TITLE_YEAR.match(title_year)
            movies[movie_id] = (movie_id, *(match.groups() if match else (title_year, None)), genres)
    ratings = [(u, m, "rating", r, int(t)) for u, m, r, t in fitting["ratings"]
               if u in users and m in movies and _plain_int(r) and _plain_int(t, digits=10)]
    rows = {"users": list(users.values()), "movies": list(movies.values()), "ratings": ratings}
    return rows, {name: len(lines[name]) - len(rows[name]) for name in lines}


def seed(settings: Settings, movielens_dir: Path) -> dict[str, int]:
    """Create the schema and load ``users.dat``, ``movies.dat`` and ``ratings.dat`` (as rating events, oldest
    first) into an empty application database; one that has users already is left as it is."""
    rows, left_out = app_rows(movielens_dir)
    if any(left_out.values()):
        log.warning("lines that no typed table could hold (or a repeated id's earlier lines) left out: %s", left_out)
    conn = connect(settings)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(SCHEMA_SQL)
            cur.execute(f"select count(*) from {SCHEMA}.users")
            if cur.fetchone()[0]:
                log.info("the application database has users already; not seeding it again")
                return {}
            cur.copy_expert(f"copy {SCHEMA}.users (user_id, gender, age, age_bucket, occupation, zip_code) "
                            f"from stdin with (format csv)", _csv(rows["users"]))
            cur.copy_expert(f"copy {SCHEMA}.movies (movie_id, title, release_year, genres) from stdin with "
                            f"(format csv)", _csv(rows["movies"]))
            cur.execute("create temp table _ratings (user_id int, movie_id int, event_type text, value float8, "
                        "ts bigint) on commit drop")
            cur.copy_expert("copy _ratings from stdin with (format csv)", _csv(rows["ratings"]))
            cur.execute(f"insert into {SCHEMA}.feedback (user_id, movie_id, event_type, value, occurred_at) "
                        f"select user_id, movie_id, event_type, value, to_timestamp(ts) from _ratings "
                        f"order by ts, user_id, movie_id")
            cur.execute(f"select setval(pg_get_serial_sequence('{SCHEMA}.users', 'user_id'), "
                        f"(select max(user_id) from {SCHEMA}.users))")  # sign-ups get the next ids
    finally:
        conn.close()
    counts = {table: len(r) for table, r in rows.items()}
    log.info("application database %s seeded from %s: %s", settings.app_db_name, movielens_dir, counts)
    return counts

"""New users written to the application's database (dataset ``app-db``): the daily run extracts them with the
rest of its changes, trains on their ratings and publishes a list of their own."""
from __future__ import annotations

from psycopg2.pool import ThreadedConnectionPool

from spark.cleaning.changes import SCHEMA


class AppDbFeedback:
    """Each sign-up becomes a user of ``app.users`` (its answers) and one ``rating`` event of ``app.feedback`` per
    rating, in one transaction committed before the answer is sent; the answer carries the new ``user_id``."""

    def __init__(self, pool: ThreadedConnectionPool):
        self.pool = pool

    def save(self, record: dict) -> dict:
        answers = record["answers"]
        conn = self.pool.getconn()
        try:
            with conn, conn.cursor() as cur:
                cur.execute(f"insert into {SCHEMA}.users (gender, age, age_bucket, occupation, zip_code, created_at) "
                            f"values (%s, %s, %s, %s, %s, %s) returning user_id",
                            (answers.get("gender"), answers.get("age"), answers.get("age_bucket"),
                             answers.get("occupation"), answers.get("zip"), record["received_at"]))
                user_id = cur.fetchone()[0]
                cur.executemany(f"insert into {SCHEMA}.feedback (user_id, movie_id, event_type, value, occurred_at) "
                                f"values (%s, %s, 'rating', %s, %s)",
                                [(user_id, r["movie_id"], r["rating"], record["received_at"]) for r in record["ratings"]])
        finally:
            self.pool.putconn(conn)
        return {"feedback_id": record["feedback_id"], "user_id": user_id}

"""One transaction on a warehouse connection (PostgreSQL or Redshift; psycopg2 or psycopg 3, whichever
the provider's hook uses)."""
from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def transaction(hook):
    """A cursor whose statements commit together when the block ends, or roll back when it raises; the
    connection is closed either way."""
    conn = hook.get_conn()
    try:
        with conn.cursor() as cur:
            yield cur
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()

"""Deleted users leave the warehouse's history: every older day of the raw tables and the history the
incremental marts carry into the day's build (the day itself never had them).

Both engines run the same statements; the ids come from ``raw.deleted_users`` of the day (every
user the application deleted so far), so a purge that did not run one day runs the next.
"""
from __future__ import annotations

import logging

from recsys.warehouse.schema import RAW_SCHEMA
from recsys.warehouse.swap import build_schema
from recsys.warehouse.transaction import transaction
from spark.cleaning import lake

log = logging.getLogger(__name__)

RAW_TABLES_WITH_USERS = ("users", "ratings", "published_recommendations")


def purge_deleted_users(hook, ds: str, carried: list[str]) -> dict[str, int]:
    """Delete the day's deleted users from every day of the raw tables and from the ``carried`` history
    (``schema.table`` names, copied into the build); return rows deleted per table."""
    deleted_ids = f"select user_id from {RAW_SCHEMA}.{lake.DELETED_USERS} where ds = %s"
    targets = [(RAW_SCHEMA, t) for t in RAW_TABLES_WITH_USERS] + [
        (build_schema(name.split(".")[0]), name.split(".")[1]) for name in carried]
    removed = {}
    with transaction(hook) as cur:
        for schema, table in targets:
            cur.execute("select count(*) from information_schema.columns where table_schema = %s "
                        "and table_name = %s and column_name = 'user_id'", (schema, table))
            if not cur.fetchone()[0]:  # a history without users has nothing to purge
                continue
            target = f"{schema}.{table}"
            cur.execute(f"delete from {target} where user_id in ({deleted_ids})", (ds,))
            removed[target] = cur.rowcount
    log.info("purged the users deleted up to ds=%s: %s", ds, removed)
    return removed

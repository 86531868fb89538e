"""Publish scored recommendations to DynamoDB: one item per user, keyed by ``user_id``."""
from __future__ import annotations

import json
import logging
from decimal import Decimal

log = logging.getLogger(__name__)

KEY = "user_id"


def ensure_table(hook, table_name: str | None = None) -> None:
    """Create the recommendations table (the hook's, by default; on-demand billing) unless it exists."""
    table_name = table_name or hook.table_name
    client = hook.conn.meta.client
    try:
        client.describe_table(TableName=table_name)
        return
    except client.exceptions.ResourceNotFoundException:
        pass
    log.info("creating DynamoDB table %s", table_name)
    client.create_table(
        TableName=table_name,
        AttributeDefinitions=[{"AttributeName": KEY, "AttributeType": "S"}],
        KeySchema=[{"AttributeName": KEY, "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=table_name)


def to_item(rec: dict) -> dict:
    """A scored record as a DynamoDB item (floats become Decimals, ids strings for the key)."""
    item = json.loads(json.dumps(rec), parse_float=lambda s: Decimal(str(round(float(s), 6))))
    item[KEY] = str(item[KEY])
    return item


def stamped(records: list[dict], run_id: str, ds: str, generated_at: str) -> list[dict]:
    """The scored records as published: each says which model run, day and time produced it."""
    return [{**r, "model_run_id": run_id, "ds": ds, "generated_at": generated_at} for r in records]


def publish(hook, records: list[dict], batch_log_every: int = 1000) -> int:
    """Write one item per record; rewriting the same records leaves the table unchanged."""
    table = hook.conn.Table(hook.table_name)
    with table.batch_writer(overwrite_by_pkeys=[KEY]) as batch:
        for i, rec in enumerate(records, 1):
            batch.put_item(Item=to_item(rec))
            if i % batch_log_every == 0 or i == len(records):
                log.info("published %d/%d items to %s", i, len(records), hook.table_name)
    return len(records)

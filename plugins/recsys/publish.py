"""Publish scored recommendations to DynamoDB: one item per user, keyed by ``user_id``."""
from __future__ import annotations

import json
import logging
from decimal import Decimal

from airflow.providers.amazon.aws.hooks.dynamodb import DynamoDBHook

log = logging.getLogger(__name__)

KEY = "user_id"


def ensure_table(hook: DynamoDBHook, table_name: str) -> None:
    """Create the recommendations table (on-demand billing) unless it exists."""
    client = hook.conn.meta.client
    if table_name in client.list_tables()["TableNames"]:
        return
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


def publish(hook: DynamoDBHook, records: list[dict], batch_log_every: int = 1000) -> int:
    """Write one item per record; rewriting the same records leaves the table unchanged."""
    table = hook.conn.Table(hook.table_name)
    with table.batch_writer(overwrite_by_pkeys=[KEY]) as batch:
        for i, rec in enumerate(records, 1):
            batch.put_item(Item=to_item(rec))
            if i % batch_log_every == 0 or i == len(records):
                log.info("published %d/%d items to %s", i, len(records), hook.table_name)
    return len(records)

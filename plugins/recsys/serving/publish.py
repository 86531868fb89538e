"""Publish scored recommendations to DynamoDB as a complete version beside the live one.

The recommendations table (``RECSYS_RECS_TABLE``) has the key ``user_id`` + ``version``:

=============================  ==========  ==================================================
``user_id``                    ``version``
=============================  ==========  ==================================================
a user id, ``segment#g|a|o``   run id      that user's (segment's) movies and books in a version
``#version``                   run id      the version's record: ds, status, items, published_at
``#live``                      ``#live``   the pointer readers resolve (:mod:`recsys.serving.versions`)
=============================  ==========  ==================================================

Items of a version, and its record, carry ``expires_at`` (epoch seconds, DynamoDB TTL):
``retention_days`` after their publish, so old versions disappear without a cleanup job.
"""
from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import datetime, timezone
from decimal import Decimal
from itertools import islice

log = logging.getLogger(__name__)

KEY, SORT, TTL = "user_id", "version", "expires_at"
VERSION_ITEM, LIVE_ITEM = "#version", "#live"
BATCH_SIZE = 25  # BatchWriteItem's limit


def ensure_table(dynamodb, table_name: str):
    """The versioned recommendations table (on-demand billing, TTL on ``expires_at``), created unless it
    exists; a table with another key (the pre-versioning ``user_id`` only) is refused with what to do."""
    client = dynamodb.meta.client
    try:
        schema = client.describe_table(TableName=table_name)["Table"]["KeySchema"]
    except client.exceptions.ResourceNotFoundException:
        log.info("creating DynamoDB table %s", table_name)
        client.create_table(
            TableName=table_name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": KEY, "AttributeType": "S"},
                                  {"AttributeName": SORT, "AttributeType": "S"}],
            KeySchema=[{"AttributeName": KEY, "KeyType": "HASH"}, {"AttributeName": SORT, "KeyType": "RANGE"}])
        client.get_waiter("table_exists").wait(TableName=table_name)
        client.update_time_to_live(TableName=table_name,
                                   TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL})
        return dynamodb.Table(table_name)
    if {k["AttributeName"]: k["KeyType"] for k in schema} != {KEY: "HASH", SORT: "RANGE"}:
        raise RuntimeError(f"DynamoDB table {table_name} has the key {schema}, not {KEY} + {SORT} (versioned "
                           f"publishing); set RECSYS_RECS_TABLE to a new table, or delete this one")
    return dynamodb.Table(table_name)


def stamped(records: Iterable[dict], run_id: str, ds: str, generated_at: str) -> Iterator[dict]:
    """The scored records as published: each says which model run, day and time produced it."""
    return ({**r, "model_run_id": run_id, "ds": ds, "generated_at": generated_at} for r in records)


def to_item(rec: dict, run_id: str, expires_at: int) -> dict:
    """A scored record as an item of version ``run_id`` (floats become Decimals, the user id a string)."""
    item = json.loads(json.dumps(rec), parse_float=lambda s: Decimal(str(round(float(s), 6))))
    return {**item, KEY: str(item[KEY]), SORT: run_id, TTL: expires_at}


def batches(items: Iterable[dict], size: int = BATCH_SIZE) -> Iterator[list[dict]]:
    """``items`` ``size`` at a time, read as they are needed."""
    items = iter(items)
    while batch := list(islice(items, size)):
        yield batch


def batch_write(dynamodb, table_name: str, items: Iterable[dict], writers: int = 1, max_attempts: int = 10,
                base_delay: float = 0.05, sleep=time.sleep, total: int | None = None) -> int:
    """Put ``items`` 25 at a time, ``writers`` batches at once; items DynamoDB returns as unprocessed
    (throttling) are sent again after an exponential backoff with jitter. Returns how many were written;
    raises when some never were. ``items`` may be a generator: at most two batches per writer are read ahead,
    so memory does not grow with the number of items (``total``, when known, is for the progress log). With
    several writers ``dynamodb`` must be a client (thread-safe, unlike a resource); a resource's
    ``meta.client`` takes the same Python-typed items."""
    progress = _Progress(total, table_name)

    def write(batch: list[dict]) -> int:
        written, requests = 0, [{"PutRequest": {"Item": item}} for item in batch]
        for attempt in range(max_attempts):
            unprocessed = dynamodb.batch_write_item(RequestItems={table_name: requests}).get("UnprocessedItems", {})
            written += len(requests) - len(unprocessed.get(table_name, []))
            requests = unprocessed.get(table_name, [])
            if not requests:
                progress.add(written)
                return written
            delay = min(base_delay * 2 ** attempt, 5.0) * random.uniform(0.5, 1.0)
            log.warning("%d items unprocessed (throttled); retrying in %.2fs", len(requests), delay)
            sleep(delay)
        raise RuntimeError(f"{len(requests)} items of {table_name} still unprocessed after {max_attempts} "
                           f"attempts; the task will retry")

    writers = max(writers, 1)
    pool, in_flight, written = ThreadPoolExecutor(writers, thread_name_prefix="dynamodb-writer"), set(), 0
    try:
        for batch in batches(items):
            if len(in_flight) >= 2 * writers:
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                written += sum(f.result() for f in done)  # a failed batch raises here
            in_flight.add(pool.submit(write, batch))
        return written + sum(f.result() for f in wait(in_flight).done)
    finally:  # after a failed batch the queued ones are not sent: the task's retry rewrites the version
        pool.shutdown(cancel_futures=True)


class _Progress:
    """Logs every 5,000 written items, from any writer thread."""

    def __init__(self, total: int | None, table_name: str):
        self.total, self.table_name, self.done, self.lock = total, table_name, 0, threading.Lock()

    def add(self, n: int) -> None:
        with self.lock:
            before, self.done = self.done, self.done + n
            if self.done // 5000 > before // 5000 or self.done == self.total:
                log.info("written %d/%s items to %s", self.done, self.total or "?", self.table_name)


def publish_version(dynamodb, table_name: str, records: Iterable[dict], run_id: str, ds: str,
                    retention_days: int, writers: int = 1, count: int | None = None) -> dict:
    """Write ``records`` as version ``run_id`` (``writers`` batches at once) and mark it complete once every
    item is written and counted; the live pointer is not touched. A retry rewrites a half-written version;
    a complete one is left as is. ``records`` may be a generator of ``count`` records (read as written)."""
    count = len(records) if count is None else count
    table = dynamodb.Table(table_name)
    existing = table.get_item(Key={KEY: VERSION_ITEM, SORT: run_id}, ConsistentRead=True).get("Item")
    if existing and existing["status"] == "complete" and int(existing["items"]) == count:
        log.info("version %s is already complete (%d items)", run_id, count)
        return existing
    published_at = datetime.now(timezone.utc)
    expires_at = int(published_at.timestamp()) + retention_days * 86_400
    record = {KEY: VERSION_ITEM, SORT: run_id, "ds": ds, "status": "writing", "items": count,
              "published_at": published_at.isoformat(), TTL: expires_at}
    table.put_item(Item=record)
    written = batch_write(dynamodb.meta.client, table_name, (to_item(r, run_id, expires_at) for r in records),
                          writers=writers, total=count)
    if written != count:
        raise RuntimeError(f"version {run_id}: wrote {written} of {count} items")
    table.update_item(Key={KEY: VERSION_ITEM, SORT: run_id}, UpdateExpression="SET #s = :complete",
                      ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":complete": "complete"})
    log.info("version %s complete: %d items, expire after %d days", run_id, written, retention_days)
    return {**record, "status": "complete"}

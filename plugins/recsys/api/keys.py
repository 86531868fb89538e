"""API keys (stored as SHA-256 digests, never in clear) and a rate limit per key.

Keys are 32 random bytes, so a plain digest is enough to make a stolen table useless (no
password-style stretching needed). The table is ``RECSYS_API_KEYS_TABLE``: key ``key_hash``,
with the key's ``name``, ``created_at`` and ``requests_per_minute``.
"""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from datetime import datetime, timezone

HASH = "key_hash"
MAX_TRACKED = 10_000  # keys (and page visitors) remembered at once: memory stays bounded under any traffic


def _remember(table: OrderedDict, key, value) -> None:
    """Set ``key`` as the newest entry, forgetting the oldest beyond :data:`MAX_TRACKED`."""
    table[key] = value
    table.move_to_end(key)
    while len(table) > MAX_TRACKED:
        table.popitem(last=False)


def digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def ensure_table(dynamodb, table_name: str):
    """The API keys table, created unless it exists."""
    client = dynamodb.meta.client
    try:
        client.describe_table(TableName=table_name)
    except client.exceptions.ResourceNotFoundException:
        client.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": HASH, "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": HASH, "KeyType": "HASH"}])
        client.get_waiter("table_exists").wait(TableName=table_name)
    return dynamodb.Table(table_name)


def create_key(table, name: str, requests_per_minute: int = 600) -> str:
    """A new key for ``name``; only its digest is stored, so this is the one time it is shown."""
    api_key = "rk_" + secrets.token_urlsafe(32)
    table.put_item(Item={HASH: digest(api_key), "name": name, "requests_per_minute": requests_per_minute,
                         "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")},
                   ConditionExpression="attribute_not_exists(key_hash)")
    return api_key


class KeyRing:
    """Looks keys up by digest (cached for ``ttl`` seconds, so a revoked key stops working within it)."""

    def __init__(self, table, ttl: float = 60.0):
        self.table, self.ttl = table, ttl
        self._cache: OrderedDict[str, tuple[float, dict | None]] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, api_key: str) -> dict | None:
        """The key's record, or None for an unknown key."""
        h = digest(api_key)
        with self._lock:
            hit = self._cache.get(h)
        if hit and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        record = self.table.get_item(Key={HASH: h}).get("Item")
        with self._lock:
            _remember(self._cache, h, (time.monotonic(), record))
        return record


class RateLimiter:
    """A token bucket per key: ``requests_per_minute`` on average, bursts up to a tenth of a minute's worth.
    Per API process; in AWS, API Gateway usage plans enforce the limit across instances."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key_hash: str, requests_per_minute: int) -> tuple[bool, float]:
        """(allowed, seconds until the next request would be) for one request of ``key_hash``."""
        rate, burst = requests_per_minute / 60.0, max(1.0, requests_per_minute / 10.0)
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key_hash, (burst, now))
            tokens = min(burst, tokens + (now - last) * rate)
            if tokens >= 1.0:
                _remember(self._buckets, key_hash, (tokens - 1.0, now))
                return True, 0.0
            _remember(self._buckets, key_hash, (tokens, now))  # a forgotten bucket comes back full: bounded harm
            return False, (1.0 - tokens) / rate

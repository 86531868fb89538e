"""Readers always get one complete version; a publish switches them over at once, a rollback switches back."""
from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from recsys.backends import dynamodb as dynamodb_of
from recsys.serving import publish, versions

pytestmark = pytest.mark.integration


def _records(run: str, users=range(1, 31)) -> list[dict]:
    return [{"user_id": u, "movies": [{"movie_id": m, "title": f"{run}-M{m}", "score": 1.0 / (m + 1)}
                                      for m in range(10)],
             "books": [{"book_id": b, "title": f"B{b}", "authors": "A", "score": 0.5} for b in range(5)]}
            for u in users]


@pytest.fixture
def recs(stack_settings):
    dynamodb = dynamodb_of(stack_settings)
    return dynamodb, publish.ensure_table(dynamodb, stack_settings.recs_table)


def _served(table, users=range(1, 31)) -> set[str]:
    """Which run each user's movies come from, as a reader sees them through the pointer."""
    pointer = versions.live(table)
    return {versions.get_recommendations(table, str(u), pointer["run_id"])["movies"][0]["title"].split("-M")[0]
            for u in users}


def _publish(dynamodb, table, run: str, ds: str, users=range(1, 31)) -> dict:
    publish.publish_version(dynamodb, table.name, _records(run, users), run, ds, retention_days=7)
    return versions.switch_live(table, run)


class FailingAfter:
    """The DynamoDB resource whose client fails after ``batches`` BatchWriteItem calls (a worker killed
    mid-publish)."""

    def __init__(self, dynamodb, batches: int):
        self.dynamodb, self.left, self.meta = dynamodb, batches, SimpleNamespace(client=self)
        self.lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self.dynamodb, name)

    def batch_write_item(self, **kwargs):
        with self.lock:
            self.left -= 1
            killed = self.left < 0
        if killed:
            raise ConnectionError("worker killed")
        return self.dynamodb.meta.client.batch_write_item(**kwargs)


@pytest.mark.parametrize("writers", [1, 4])
def test_a_publish_killed_half_way_leaves_readers_on_the_previous_complete_version(recs, writers):
    dynamodb, table = recs
    _publish(dynamodb, table, "run-1", "2026-03-01")
    with pytest.raises(ConnectionError):
        publish.publish_version(FailingAfter(dynamodb, 1), table.name, _records("run-2"), "run-2", "2026-03-02", 7,
                                writers=writers)
    assert versions.version_record(table, "run-2")["status"] == "writing"
    with pytest.raises(versions.VersionError, match="run-2 is writing or expired"):
        versions.switch_live(table, "run-2")
    assert _served(table) == {"run-1"}, "every user still gets the previous version, complete"

    publish.publish_version(dynamodb, table.name, _records("run-2"), "run-2", "2026-03-02", 7)  # the retry
    assert versions.switch_live(table, "run-2")["previous"] == "run-1"
    assert _served(table) == {"run-2"}


def test_users_absent_from_the_new_version_are_no_longer_served(recs):
    dynamodb, table = recs
    _publish(dynamodb, table, "run-1", "2026-03-01")
    _publish(dynamodb, table, "run-2", "2026-03-02", users=range(1, 21))
    assert versions.get_recommendations(table, "25") is None
    assert versions.get_recommendations(table, "5")["version"] == "run-2"
    assert len(versions.items_of(table, "run-2")) == 20


def test_an_older_day_never_replaces_the_live_one_but_a_rollback_does(recs):
    dynamodb, table = recs
    _publish(dynamodb, table, "run-1", "2026-03-01")
    _publish(dynamodb, table, "run-2", "2026-03-02")
    publish.publish_version(dynamodb, table.name, _records("run-0"), "run-0", "2026-02-28", 7)
    with pytest.raises(versions.VersionError, match="older than the live run-2"):
        versions.switch_live(table, "run-0")
    assert versions.rollback(table)["run_id"] == "run-1", "by default, the version published before the live one"
    assert _served(table) == {"run-1"}
    assert versions.rollback(table, "run-0")["run_id"] == "run-0"
    with pytest.raises(versions.VersionError, match="no version run-9"):
        versions.rollback(table, "run-9")


def test_items_expire_with_their_version_and_an_expired_version_never_goes_live(recs):
    dynamodb, table = recs
    _publish(dynamodb, table, "run-1", "2026-03-01")
    record = versions.version_record(table, "run-1")
    item = versions.get_recommendations(table, "1")
    assert int(item["expires_at"]) == int(record["expires_at"]) and int(record["expires_at"]) > versions._now()
    ttl = table.meta.client.describe_time_to_live(TableName=table.name)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at" and ttl["TimeToLiveStatus"] == "ENABLED"
    publish.publish_version(dynamodb, table.name, _records("run-2"), "run-2", "2026-03-02", retention_days=0)
    with pytest.raises(versions.VersionError, match="expired"):
        versions.switch_live(table, "run-2")


def test_publishing_the_same_version_twice_changes_nothing(recs):
    dynamodb, table = recs
    _publish(dynamodb, table, "run-1", "2026-03-01")
    before = sorted(versions.items_of(table, "run-1"), key=lambda i: i["user_id"])
    _publish(dynamodb, table, "run-1", "2026-03-01")
    assert sorted(versions.items_of(table, "run-1"), key=lambda i: i["user_id"]) == before


class Throttling:
    """The DynamoDB client, answering the first ``times`` calls with half the batch unprocessed."""

    def __init__(self, dynamodb, times: int):
        self.dynamodb, self.times, self.lock = dynamodb.meta.client, times, threading.Lock()

    def batch_write_item(self, RequestItems):
        (name, requests), = RequestItems.items()
        with self.lock:
            throttle, self.times = self.times > 0, max(self.times - 1, 0)
        if throttle:
            kept, returned = requests[:len(requests) // 2], requests[len(requests) // 2:]
            self.dynamodb.batch_write_item(RequestItems={name: kept})
            return {"UnprocessedItems": {name: returned}}
        return self.dynamodb.batch_write_item(RequestItems=RequestItems)


def test_unprocessed_items_are_retried_with_backoff_until_written(recs):
    dynamodb, table = recs
    items = [publish.to_item(r, "run-1", versions._now() + 3600) for r in _records("run-1")]
    sleeps = []
    throttled = Throttling(dynamodb, times=3)
    assert publish.batch_write(throttled, table.name, items, sleep=sleeps.append) == 30
    assert len(versions.items_of(table, "run-1")) == 30
    assert len(sleeps) == 3 and sleeps[0] < sleeps[-1], "each retry waits longer"
    with pytest.raises(RuntimeError, match="still unprocessed after 2 attempts"):
        publish.batch_write(Throttling(dynamodb, times=5), table.name, items, max_attempts=2, sleep=sleeps.append)


def test_parallel_writers_write_every_item_once_and_retry_the_throttled_ones(recs):
    dynamodb, table = recs
    users = range(1, 301)
    version = publish.publish_version(dynamodb, table.name, _records("run-1", users), "run-1", "2026-03-01",
                                      retention_days=7, writers=4)
    assert version["status"] == "complete" and version["items"] == 300
    assert sorted(int(i["user_id"]) for i in versions.items_of(table, "run-1")) == list(users)

    items = [publish.to_item(r, "run-2", versions._now() + 3600) for r in _records("run-2", users)]
    sleeps = []
    assert publish.batch_write(Throttling(dynamodb, times=6), table.name, items, writers=4, sleep=sleeps.append) == 300
    assert len(sleeps) == 6
    served = versions.items_of(table, "run-2")
    assert sorted(int(i["user_id"]) for i in served) == list(users)
    assert {i["movies"][0]["title"] for i in served} == {"run-2-M0"}


def test_a_table_with_the_old_key_is_refused_with_what_to_do(stack_settings):
    dynamodb = dynamodb_of(stack_settings)
    dynamodb.meta.client.create_table(
        TableName=stack_settings.recs_table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}])
    with pytest.raises(RuntimeError, match="set RECSYS_RECS_TABLE to a new table"):
        publish.ensure_table(dynamodb, stack_settings.recs_table)


def test_a_deleted_user_leaves_every_version_and_the_others_stay(recs):
    dynamodb, table = recs
    _publish(dynamodb, table, "run-a", "2026-01-01")
    _publish(dynamodb, table, "run-b", "2026-01-02")
    assert versions.delete_users(table, [7, 8]) == 4, "two users in two versions"
    for run in ("run-a", "run-b"):
        assert versions.get_recommendations(table, "7", run) is None
        assert {i["user_id"] for i in versions.items_of(table, run)} == {str(u) for u in range(1, 31)} - {"7", "8"}
    assert versions.delete_users(table, [7]) == 0, "a second purge finds nothing"
    assert versions.live(table)["run_id"] == "run-b", "the pointer and version records are not users"


class Counting:
    """The DynamoDB client, noting how many items the writer had read from its generator at each call."""

    def __init__(self, dynamodb):
        self.dynamodb, self.pulled, self.seen, self.lock = dynamodb.meta.client, 0, [], threading.Lock()

    def items(self, run: str, users):
        for r in _records(run, users):
            with self.lock:
                self.pulled += 1
            yield publish.to_item(r, run, versions._now() + 3600)

    def batch_write_item(self, RequestItems):
        with self.lock:
            self.seen.append(self.pulled)
        return self.dynamodb.batch_write_item(RequestItems=RequestItems)


@pytest.mark.parametrize("writers", [1, 4])
def test_a_generator_of_items_is_written_whole_but_read_only_a_few_batches_ahead(recs, writers):
    """Publishing 10M ratings' users must not hold every item: the writer reads as it writes."""
    dynamodb, table = recs
    users, client = range(1, 1001), Counting(dynamodb)
    assert publish.batch_write(client, table.name, client.items("run-1", users), writers=writers) == 1000
    assert sorted(int(i["user_id"]) for i in versions.items_of(table, "run-1")) == list(users)
    ahead = [pulled - 25 * call for call, pulled in enumerate(client.seen)]  # read, less what was sent before
    assert len(client.seen) == 40 and max(ahead) <= 25 * (2 * writers + 1)

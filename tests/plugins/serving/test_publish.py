"""Publishing writes one item per user; publishing again leaves the table as it was."""
from __future__ import annotations

import pytest
from recsys.backends import dynamodb_hook
from recsys.local.summary import count_items
from recsys.serving import publish

pytestmark = pytest.mark.integration


def _records(n):
    return [{"user_id": u, "movies": [{"movie_id": m, "title": f"M{m}", "score": 1.0 / (m + 1)} for m in range(10)],
             "books": [{"book_id": b, "title": f"B{b}", "authors": "A, B", "score": 0.5} for b in range(5)],
             "model_run_id": "model-2026-01-05", "ds": "2026-01-05", "generated_at": "2026-01-05T00:00:00+00:00"}
            for u in range(1, n + 1)]


def _scan(hook):
    return sorted(hook.conn.Table(hook.table_name).scan()["Items"], key=lambda i: i["user_id"])


def test_publish_twice_gives_the_same_items(stack_settings):
    hook = dynamodb_hook(stack_settings)
    publish.ensure_table(hook, stack_settings.recs_table)
    publish.ensure_table(hook, stack_settings.recs_table)  # exists: no error
    assert publish.publish(hook, _records(30)) == 30
    first = _scan(hook)
    publish.publish(hook, _records(30))
    assert _scan(hook) == first
    assert count_items(hook) == 30
    item = hook.conn.Table(stack_settings.recs_table).get_item(Key={"user_id": "7"})["Item"]
    assert [int(m["movie_id"]) for m in item["movies"]] == list(range(10))
    assert len(item["books"]) == 5 and item["model_run_id"] == "model-2026-01-05"


def test_ensure_table_finds_a_table_beyond_the_first_page_of_list_tables(stack_settings):
    """ListTables returns at most 100 names a page: an existing table on a later page is not created again."""
    hook = dynamodb_hook(stack_settings)
    client = hook.conn.meta.client
    schema = {"AttributeDefinitions": [{"AttributeName": "user_id", "AttributeType": "S"}],
              "KeySchema": [{"AttributeName": "user_id", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}
    prefix = stack_settings.recs_table
    for i in range(100):
        client.create_table(TableName=f"{prefix}-a{i:03d}", **schema)
    client.create_table(TableName=f"{prefix}-z", **schema)
    assert f"{prefix}-z" not in client.list_tables(ExclusiveStartTableName=prefix, Limit=100)["TableNames"]
    try:
        publish.ensure_table(hook, f"{prefix}-z")  # the old first-page lookup would create it and fail
    finally:
        for name in [f"{prefix}-a{i:03d}" for i in range(100)] + [f"{prefix}-z"]:
            client.delete_table(TableName=name)

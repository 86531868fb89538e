"""Which published version readers get: the live pointer, switching it, rolling it back, reading through it.

The recommendations table (key ``user_id`` + ``version``, see :mod:`recsys.serving.publish`) holds
complete versions side by side. One item, ``#live``, names the version readers get; it changes
in one conditional write, only to a version whose record says it is complete, and never to an
older ds than the live one unless an operator rolls back. A reader resolves the pointer once
and then reads only that version's items, so it sees one run whole, never a mix.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from boto3.dynamodb.conditions import Attr, Key

from recsys.serving.publish import KEY, LIVE_ITEM, SORT, TTL, VERSION_ITEM

log = logging.getLogger(__name__)


class VersionError(RuntimeError):
    """The pointer cannot move to that version (incomplete, expired, unknown, or older than the live one)."""


def _now() -> int:
    return int(datetime.now(timezone.utc).timestamp())


def live(table) -> dict | None:
    """The pointer (``run_id``, ``ds``, ``previous``, ``switched_at``), or None before the first publish."""
    return table.get_item(Key={KEY: LIVE_ITEM, SORT: LIVE_ITEM}, ConsistentRead=True).get("Item")


def version_record(table, run_id: str) -> dict | None:
    """The record of version ``run_id`` (ds, status, items, published_at, expires_at), if any."""
    return table.get_item(Key={KEY: VERSION_ITEM, SORT: run_id}, ConsistentRead=True).get("Item")


def mark_notified(table, run_id: str) -> None:
    """Record on version ``run_id`` that its publish notification was sent."""
    table.update_item(Key={KEY: VERSION_ITEM, SORT: run_id}, UpdateExpression="SET notified_at = :now",
                      ExpressionAttributeValues={":now": datetime.now(timezone.utc).isoformat(timespec="seconds")})


def versions(table) -> list[dict]:
    """Every version record in the table, oldest publish first."""
    records, kwargs = [], {"KeyConditionExpression": Key(KEY).eq(VERSION_ITEM), "ConsistentRead": True}
    while True:
        page = table.query(**kwargs)
        records += page["Items"]
        if "LastEvaluatedKey" not in page:
            return sorted(records, key=lambda r: (r.get("published_at", ""), r[SORT]))
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def switch_live(table, run_id: str, rollback: bool = False) -> dict:
    """Point readers at version ``run_id`` in one transaction that also checks the version is complete and
    not expired; unless ``rollback``, refuse a version of an older ds than the live one. Returns the pointer."""
    record = version_record(table, run_id)
    if record is None:
        raise VersionError(f"no version {run_id} in {table.name}")
    current = live(table)
    if current and current["run_id"] == run_id:
        return current
    pointer = {KEY: LIVE_ITEM, SORT: LIVE_ITEM, "run_id": run_id, "ds": record["ds"],
               "previous": current["run_id"] if current else None,
               "switched_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    if current is None:
        condition, names, values = "attribute_not_exists(#k)", {"#k": KEY}, {}
    else:  # nobody moved the pointer since it was read (and, unless rolling back, no older ds goes live)
        condition, names, values = "#r = :seen", {"#r": "run_id"}, {":seen": current["run_id"]}
        if not rollback:
            condition += " AND #d <= :ds"
            names["#d"], values[":ds"] = "ds", record["ds"]
    client = table.meta.client  # a resource's client: it serialises Python values itself
    try:
        client.transact_write_items(TransactItems=[
            {"ConditionCheck": {
                "TableName": table.name, "Key": {KEY: VERSION_ITEM, SORT: run_id},
                "ConditionExpression": "#s = :complete AND #t > :now",
                "ExpressionAttributeNames": {"#s": "status", "#t": TTL},
                "ExpressionAttributeValues": {":complete": "complete", ":now": _now()}}},
            {"Put": {
                "TableName": table.name, "Item": pointer, "ConditionExpression": condition,
                "ExpressionAttributeNames": names, **({"ExpressionAttributeValues": values} if values else {})}},
        ])
    except client.exceptions.TransactionCanceledException as exc:
        reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
        if reasons and reasons[0] == "ConditionalCheckFailed":
            raise VersionError(f"version {run_id} is {record.get('status')} or expired; only a complete, "
                               f"unexpired version goes live") from exc
        now_live = live(table)
        if now_live and now_live["run_id"] != (current or {}).get("run_id"):
            raise VersionError(f"the live version changed to {now_live['run_id']} meanwhile; not switching "
                               f"to {run_id}") from exc
        raise VersionError(f"version {run_id} (ds={record['ds']}) is older than the live {current['run_id']} "
                           f"(ds={current['ds']}); roll back explicitly to serve it") from exc
    log.info("live version: %s (ds=%s), previously %s", run_id, record["ds"], pointer["previous"])
    return pointer


def rollback(table, to_run_id: str | None = None) -> dict:
    """Point readers back at ``to_run_id``, or by default at the newest complete version published before
    the live one; returns the new pointer."""
    current = live(table)
    if current is None:
        raise VersionError("nothing is published yet; there is nothing to roll back")
    if to_run_id is None:
        records = versions(table)
        order = [r[SORT] for r in records]
        before = records[:order.index(current["run_id"])] if current["run_id"] in order else records
        usable = [r for r in before if r.get("status") == "complete" and int(r.get(TTL, 0)) > _now()]
        if not usable:
            raise VersionError(f"no complete, unexpired version was published before {current['run_id']}")
        to_run_id = usable[-1][SORT]
    return switch_live(table, to_run_id, rollback=True)


def get_recommendations(table, user_id: str, run_id: str | None = None) -> dict | None:
    """The item of ``user_id`` (a user id or ``segment#...``) in version ``run_id`` (default: the live one)."""
    if run_id is None:
        pointer = live(table)
        if pointer is None:
            return None
        run_id = pointer["run_id"]
    return table.get_item(Key={KEY: str(user_id), SORT: run_id}).get("Item")


def items_of(table, run_id: str) -> list[dict]:
    """Every user and segment item of version ``run_id`` (a full scan: for checks and summaries, not serving)."""
    items, kwargs = [], {"FilterExpression": Attr(SORT).eq(run_id)}
    while True:
        page = table.scan(**kwargs)
        items += [i for i in page["Items"] if not i[KEY].startswith("#")]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def delete_users(table, user_ids: list[int]) -> int:
    """Delete every item of ``user_ids`` in every version (the live one and the older ones a rollback could serve);
    return how many items were deleted."""
    deleted = 0
    with table.batch_writer() as batch:
        for user_id in user_ids:
            kwargs = {"KeyConditionExpression": Key(KEY).eq(str(user_id)), "ProjectionExpression": f"{KEY}, {SORT}"}
            while True:
                page = table.query(**kwargs)
                for item in page["Items"]:
                    batch.delete_item(Key={KEY: item[KEY], SORT: item[SORT]})
                    deleted += 1
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return deleted

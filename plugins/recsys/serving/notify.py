"""Notifications on SNS (moto locally): one message per published run and one per failed DAG run.

Subscribers (e-mail, Slack through a Lambda, a queue) attach to the topic
``RECSYS_NOTIFY_TOPIC``; every message is JSON with an ``event`` field,
``published`` or ``dag_run_failed`` (:mod:`recsys.alerts`).
"""
from __future__ import annotations

import json
import logging

from recsys.settings import Settings

log = logging.getLogger(__name__)


def _hook(settings: Settings):
    from airflow.providers.amazon.aws.hooks.sns import SnsHook

    return SnsHook(aws_conn_id=settings.aws_conn_id)


def topic_arn(settings: Settings) -> str:
    """The topic's ARN (CreateTopic is idempotent: it returns the existing topic's ARN)."""
    return _hook(settings).get_conn().create_topic(Name=settings.notify_topic)["TopicArn"]


def send(settings: Settings, subject: str, message: dict) -> str:
    """Publish ``message`` (JSON) on the topic; returns the SNS message id."""
    response = _hook(settings).publish_to_target(target_arn=topic_arn(settings), message=json.dumps(message, default=str),
                                      subject=subject[:100])
    log.info("notified %s: %s", settings.notify_topic, subject)
    return response["MessageId"]


def quality(metrics: dict) -> dict:
    """A run's headline: its dataset, the models serving known and new users and their protocol metrics."""
    warm, cold = metrics.get("published_model"), metrics.get("cold_start", {}).get("model")
    protocols = metrics.get("protocols", {})
    return {"dataset": metrics.get("dataset"), "warm": {"model": warm, **protocols.get("A", {}).get(warm, {})},
            "cold_start": {"model": cold, **protocols.get("B", {}).get(cold, {})}}


def published_message(run_id: str, pointer: dict, version: dict, metrics: dict) -> dict:
    """What a published run tells subscribers: run, dataset, counts, warm and cold-start quality, the previous
    live run (to roll back to)."""
    return {"event": "published", "run_id": run_id, "ds": version["ds"], "items": int(version["items"]),
            "published_at": version["published_at"], "previous_run_id": pointer.get("previous"),
            **quality(metrics)}


"""The DAG's failure hook names the run, its ds and the reason, in the log and on the notification topic."""
from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from types import SimpleNamespace

import pytest

from recsys.alerts import on_dag_failure
from recsys.backends import s3_hook
from recsys.serving import notify


def subscribed_queue(settings):
    """An SQS queue subscribed to the notification topic; returns a function reading its messages."""
    session = s3_hook(settings).get_session()
    sqs = session.client("sqs", endpoint_url=settings.moto_endpoint)
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    session.client("sns", endpoint_url=settings.moto_endpoint).subscribe(
        TopicArn=notify.topic_arn(settings), Protocol="sqs", Endpoint=arn)

    def messages() -> list[dict]:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(json.loads(m["Body"])["Message"]) for m in got]
    return messages


@pytest.mark.integration
def test_a_failed_run_is_reported_with_its_ds_and_reason(local_stack, monkeypatch, caplog):
    topic = f"alerts-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("RECSYS_NOTIFY_TOPIC", topic)
    messages = subscribed_queue(dataclasses.replace(local_stack, notify_topic=topic))
    context = {"dag_run": SimpleNamespace(run_id="scheduled__2026-01-02", dag_id="recsys_daily"),
               "ds": "2026-01-02", "reason": "task_failure"}
    with caplog.at_level(logging.ERROR, logger="recsys.alerts"):
        on_dag_failure(context)
    assert caplog.messages == ["DAG run scheduled__2026-01-02 of recsys_daily failed (ds=2026-01-02): task_failure"]
    assert messages() == [{"event": "dag_run_failed", "dag_id": "recsys_daily", "run_id": "scheduled__2026-01-02",
                           "ds": "2026-01-02", "reason": "task_failure"}]

"""The API wired to AWS (DynamoDB, S3) from settings: the one place it meets boto3."""
from __future__ import annotations

import boto3
from fastapi import FastAPI

from recsys.api.app import LakeFeedback, create_app
from recsys.api.keys import KeyRing
from recsys.api.store import RecsStore
from recsys.settings import Settings
from spark.cleaning.datasets import APP_DB


def build_app(settings: Settings, endpoint_url: str | None = None) -> FastAPI:
    """The API on the recommendations and API-key tables and the lake bucket; ``endpoint_url`` points boto3 at
    the local moto server (None in AWS: the Lambda's role and region)."""
    session = boto3.session.Session(region_name=settings.aws_region)
    extra = {"endpoint_url": endpoint_url} if endpoint_url else {}
    dynamodb, s3 = session.resource("dynamodb", **extra), session.client("s3", **extra)
    store = RecsStore(dynamodb.Table(settings.recs_table), s3, settings.lake_bucket)
    return create_app(store, KeyRing(dynamodb.Table(settings.api_keys_table)), feedback_store(settings, s3))


def feedback_store(settings: Settings, s3):
    """Where new users go: the application's database when the daily run reads it (``RECSYS_DATASET=app-db``),
    else the lake's ``feedback/`` zone."""
    if settings.dataset != APP_DB:
        return LakeFeedback(s3, settings.lake_bucket)
    from psycopg2.pool import ThreadedConnectionPool

    from recsys.api.app_db_feedback import AppDbFeedback

    return AppDbFeedback(ThreadedConnectionPool(1, 4, host=settings.pg_host, port=settings.pg_port,
                                                user=settings.pg_user, password=settings.pg_password,
                                                dbname=settings.app_db_name))

"""The API wired to AWS (DynamoDB, S3) from settings: the one place it meets boto3."""
from __future__ import annotations

import boto3
from fastapi import FastAPI

from recsys.api.app import LakeFeedback, create_app
from recsys.api.keys import KeyRing
from recsys.api.store import RecsStore
from recsys.settings import Settings


def build_app(settings: Settings, endpoint_url: str | None = None) -> FastAPI:
    """The API on the recommendations and API-key tables and the lake bucket; ``endpoint_url`` points boto3 at
    the local moto server (None in AWS: the Lambda's role and region)."""
    session = boto3.session.Session(region_name=settings.aws_region)
    extra = {"endpoint_url": endpoint_url} if endpoint_url else {}
    dynamodb, s3 = session.resource("dynamodb", **extra), session.client("s3", **extra)
    store = RecsStore(dynamodb.Table(settings.recs_table), s3, settings.lake_bucket)
    return create_app(store, KeyRing(dynamodb.Table(settings.api_keys_table)), LakeFeedback(s3, settings.lake_bucket))

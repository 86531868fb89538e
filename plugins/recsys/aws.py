"""Provider hooks configured from settings (connection ids come from settings)."""
from __future__ import annotations

from airflow.providers.amazon.aws.hooks.s3 import S3Hook

from recsys.settings import Settings


def s3_hook(settings: Settings) -> S3Hook:
    """S3 hook on the ``aws_default`` connection (moto locally, S3 in AWS)."""
    return S3Hook(aws_conn_id=settings.aws_conn_id)


def ensure_bucket(hook: S3Hook, bucket: str) -> None:
    """Create the lake bucket if it does not exist (locally it never does at first)."""
    if not hook.check_for_bucket(bucket):
        hook.create_bucket(bucket_name=bucket)

"""The Glue job operator of the clean stage: a job that refused its input fails for good.

A Glue job run that fails is just FAILED to the operator, which Airflow then retries, each
retry a whole paid Glue run. The clean job writes its manifest with status ``refused`` before it
exits on bad input, so the operator reads it: a day this try's job refused fails without retries
(as the spark-submit engine does), any other failure keeps its retries. The operator waits for
the job run in the worker (not deferred), so the check sees every failure.
"""
from __future__ import annotations

from datetime import datetime, timezone

from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.sdk.exceptions import AirflowFailException

from recsys.lake_io import read_clean_manifest
from spark.cleaning import lake


class CleanGlueJobOperator(GlueJobOperator):
    """``GlueJobOperator`` that turns a refused day into a failure without retries."""

    def __init__(self, *, lake_bucket: str, **kwargs):
        super().__init__(**kwargs)
        self.lake_bucket = lake_bucket

    def execute(self, context):
        started = datetime.now(timezone.utc)
        try:
            return super().execute(context)
        except Exception as failure:
            status = self._manifest_status(context["ds"], started)
            if status == "refused":
                raise AirflowFailException(f"the clean job refused ds={context['ds']} (see its manifest and "
                                           f"quarantine in s3://{self.lake_bucket}/): {failure}") from failure
            raise

    def _manifest_status(self, ds: str, since: datetime) -> str | None:
        """The status of the manifest this try's job wrote; None when there is none (the job failed before
        judging its input) or it is older than the try (an earlier attempt's verdict)."""
        hook = S3Hook(aws_conn_id=self.aws_conn_id)
        keys = [k for k in hook.list_keys(bucket_name=self.lake_bucket, prefix=lake.clean_manifest_prefix(ds)) or []
                if "/part-" in k]
        written = hook.head_object(keys[0], self.lake_bucket)["LastModified"] if len(keys) == 1 else None
        if written is None or written < since.replace(microsecond=0):  # S3 keeps whole seconds
            return None
        return read_clean_manifest(hook, self.lake_bucket, ds, complete=False).get("status")

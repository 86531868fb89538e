"""The Glue job operator of the clean stage: a job that refused its input fails for good.

A Glue job run that fails is just FAILED to the operator, which Airflow then retries, each
retry a whole paid Glue run. The clean job writes its manifest with status ``refused`` before it
exits on bad input, so the operator reads it: a refused day fails without retries (as the
spark-submit engine does), any other failure keeps its retries.
"""
from __future__ import annotations

from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.sdk.exceptions import AirflowFailException

from recsys.lake_io import read_clean_manifest


class CleanGlueJobOperator(GlueJobOperator):
    """``GlueJobOperator`` that turns a refused day into a failure without retries."""

    def __init__(self, *, lake_bucket: str, **kwargs):
        super().__init__(**kwargs)
        self.lake_bucket = lake_bucket

    def execute(self, context):
        try:
            return super().execute(context)
        except Exception as failure:
            status = self._manifest_status(context["ds"])
            if status == "refused":
                raise AirflowFailException(f"the clean job refused ds={context['ds']} (see its manifest and "
                                           f"quarantine in s3://{self.lake_bucket}/): {failure}") from failure
            raise

    def _manifest_status(self, ds: str) -> str | None:
        try:
            return read_clean_manifest(S3Hook(aws_conn_id=self.aws_conn_id), self.lake_bucket, ds,
                                       complete=False).get("status")
        except FileNotFoundError:  # no manifest: the job failed before judging its input
            return None

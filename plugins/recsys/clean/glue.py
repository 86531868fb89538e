"""Run the clean job on AWS Glue 5: ship the same script and its helpers, build the operator.

Glue runs ``spark/jobs/clean_sources.py`` unchanged; its ``spark.cleaning``
helpers travel as a zip passed with ``--extra-py-files``.
"""
from __future__ import annotations

import io
import zipfile

from recsys.clean.job import CLEAN_JOB, job_arguments
from recsys.settings import PROJECT_ROOT, Settings
from spark.cleaning import lake

GLUE_VERSION = "5.0"
SCRIPT_KEY = lake.GLUE_CODE_PREFIX + CLEAN_JOB.name
HELPERS_KEY = lake.GLUE_CODE_PREFIX + "spark.zip"


def code_uris(bucket: str) -> dict[str, str]:
    """Where the job script and its helper package live in the lake bucket."""
    root = f"s3://{bucket}"
    return {"script": lake.uri(root, SCRIPT_KEY), "py_files": lake.uri(root, HELPERS_KEY)}


def package_helpers() -> bytes:
    """The ``spark`` package (Python sources only) as a zip, with stable bytes for the same sources."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted((PROJECT_ROOT / "spark").rglob("*.py")):
            info = zipfile.ZipInfo(str(path.relative_to(PROJECT_ROOT)), date_time=(2020, 1, 1, 0, 0, 0))
            zf.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def upload_code(hook, bucket: str) -> dict[str, str]:
    """Upload the job script and the helper zip; return their S3 URIs."""
    hook.load_file(str(CLEAN_JOB), key=SCRIPT_KEY, bucket_name=bucket, replace=True)
    hook.load_bytes(package_helpers(), key=HELPERS_KEY, bucket_name=bucket, replace=True)
    return code_uris(bucket)


def clean_job_operator(settings: Settings, task_id: str = "clean"):
    """A Glue job operator running the clean job for the run's ds and params (a refused day fails for good)."""
    from recsys.clean.glue_operator import CleanGlueJobOperator

    uris = code_uris(settings.lake_bucket)
    args = job_arguments(f"s3://{settings.lake_bucket}", "{{ ds }}", "{{ params.dataset }}",
                         "{{ params.books_dataset }}", "{{ params.max_quarantine_fraction }}")
    return CleanGlueJobOperator(
        task_id=task_id,
        lake_bucket=settings.lake_bucket,
        job_name=settings.glue_job_name,
        job_desc="recsys: clean raw sources into canonical tables",
        script_location=uris["script"],
        s3_bucket=settings.lake_bucket,
        iam_role_name=settings.glue_iam_role,
        aws_conn_id=settings.aws_conn_id,
        update_config=True,  # the script args and workers follow the code, not a stale job definition
        deferrable=False,  # a deferred failure would bypass the refused-day check in execute
        create_job_kwargs={
            "GlueVersion": GLUE_VERSION, "WorkerType": settings.glue_worker_type,
            "NumberOfWorkers": settings.glue_workers,
            "DefaultArguments": {"--extra-py-files": uris["py_files"], "--enable-metrics": "true"},
        },
        script_args=dict(zip(args[::2], args[1::2])),
    )

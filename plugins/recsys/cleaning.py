"""The clean stage: run the Spark cleaning job and check the row accounting it wrote."""
from __future__ import annotations

import logging

from recsys import lake
from recsys.settings import PROJECT_ROOT, Settings
from recsys.spark_job import read_json_part, run_spark_job
from spark.cleaning.accounting import check_counts

log = logging.getLogger(__name__)

CLEAN_JOB = PROJECT_ROOT / "spark" / "jobs" / "clean_sources.py"


def job_arguments(lake_uri: str, ds: str, movies_dataset: str, books_dataset: str,
                  max_quarantine_fraction: float) -> list[str]:
    """The clean job's command-line arguments (the same for spark-submit and Glue)."""
    return ["--lake", lake_uri, "--ds", ds, "--movies-dataset", movies_dataset, "--books-dataset", books_dataset,
            "--max-quarantine-fraction", str(max_quarantine_fraction)]


def check_manifest(hook, bucket: str, ds: str, max_quarantine_fraction: float) -> dict:
    """Read the job's manifest for ``ds``, log each table's counts and enforce them."""
    manifest = read_json_part(hook, bucket, lake.clean_manifest_prefix(ds))
    for table, c in manifest["tables"].items():
        log.info("%-10s in=%-8d clean=%-8d quarantined=%-6d deduplicated=%-6d %s", table, c["rows_in"],
                 c["rows_clean"], c["rows_quarantined"], c["rows_deduplicated"], c["top_reasons"] or "")
    check_counts(manifest["tables"], max_quarantine_fraction)
    return manifest


def clean(settings: Settings, hook, ds: str, movies_dataset: str, books_dataset: str,
          max_quarantine_fraction: float = 0.05) -> dict:
    """Clean the raw files of ``ds`` with spark-submit; return the job's manifest."""
    run_spark_job(settings, CLEAN_JOB, job_arguments(f"s3a://{settings.lake_bucket}", ds, movies_dataset,
                                                     books_dataset, max_quarantine_fraction))
    return check_manifest(hook, settings.lake_bucket, ds, max_quarantine_fraction)

"""Run the clean job with spark-submit and read the row accounting it wrote."""
from __future__ import annotations

import logging

from recsys.clean.spark_submit import run_spark_job
from recsys.lake_io import read_clean_manifest
from recsys.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)

CLEAN_JOB = PROJECT_ROOT / "spark" / "jobs" / "clean_sources.py"


def job_arguments(lake_root: str, ds: str, movies_dataset: str, books_dataset: str,
                  max_quarantine_fraction: float | str) -> list[str]:
    """The clean job's command-line arguments (the same for spark-submit and Glue)."""
    return ["--lake", lake_root, "--ds", ds, "--movies-dataset", movies_dataset, "--books-dataset", books_dataset,
            "--max-quarantine-fraction", str(max_quarantine_fraction)]


def log_manifest(manifest: dict) -> None:
    """Log each table's rows in / clean / quarantined / deduplicated and top reasons."""
    for table, c in manifest["tables"].items():
        log.info("%-10s in=%-8d clean=%-8d quarantined=%-6d deduplicated=%-6d %s", table, c["rows_in"],
                 c["rows_clean"], c["rows_quarantined"], c["rows_deduplicated"], c["top_reasons"] or "")


def clean(settings: Settings, hook, ds: str, movies_dataset: str, books_dataset: str,
          max_quarantine_fraction: float) -> dict:
    """Clean the raw files of ``ds`` with spark-submit; return the job's manifest.

    The job itself enforces the row accounting and the quarantine limit (on either engine),
    so a manifest read here has passed them.
    """
    run_spark_job(settings, CLEAN_JOB, job_arguments(f"s3a://{settings.lake_bucket}", ds, movies_dataset,
                                                     books_dataset, max_quarantine_fraction))
    manifest = read_clean_manifest(hook, settings.lake_bucket, ds)
    log_manifest(manifest)
    return manifest

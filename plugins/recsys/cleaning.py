"""The clean stage: run the Spark cleaning job and check its row accounting."""
from __future__ import annotations

import logging

from recsys import lake
from recsys.aws import s3_hook
from recsys.settings import PROJECT_ROOT, Settings
from recsys.spark_job import read_json_part, run_spark_job
from spark.cleaning.accounting import TableCounts

log = logging.getLogger(__name__)

CLEAN_JOB = PROJECT_ROOT / "spark" / "jobs" / "clean_sources.py"


class QuarantineError(RuntimeError):
    """Too many rows of a table were quarantined for the run to go on."""


def check_counts(counts: dict[str, dict], max_quarantine_fraction: float) -> None:
    """Fail if a table lost rows or quarantined more than the allowed fraction."""
    for table, c in counts.items():
        table_counts = TableCounts(**c)
        table_counts.check(table)
        if table_counts.quarantine_fraction > max_quarantine_fraction:
            raise QuarantineError(
                f"{table}: {c['rows_quarantined']} of {c['rows_in']} rows quarantined "
                f"({table_counts.quarantine_fraction:.1%} > {max_quarantine_fraction:.1%}); "
                f"top reasons: {c['top_reasons']}")


def clean(settings: Settings, ds: str, max_quarantine_fraction: float = 0.05) -> dict[str, dict]:
    """Clean the raw files of ``ds`` into ``clean/`` and ``quarantine/``; return row counts per table."""
    run_spark_job(settings, CLEAN_JOB, ["--lake", f"s3a://{settings.lake_bucket}", "--ds", ds])
    counts = read_json_part(s3_hook(settings), settings.lake_bucket, lake.clean_manifest_prefix(ds))["tables"]
    for table, c in counts.items():
        log.info("%-10s in=%-7d clean=%-7d quarantined=%-5d deduplicated=%-5d %s", table, c["rows_in"],
                 c["rows_clean"], c["rows_quarantined"], c["rows_deduplicated"], c["top_reasons"] or "")
    check_counts(counts, max_quarantine_fraction)
    return counts

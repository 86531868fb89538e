"""Row accounting: every input row ends up clean, quarantined or deduplicated.

Plain Python: the Spark job checks it before it finishes (locally and on Glue),
and the Airflow side checks the manifest the job wrote.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Default share of a table's rows the clean job may quarantine before it fails the run.
MAX_QUARANTINE_FRACTION = 0.05
# The clean job's exit code when it refuses its input (these errors, or an unreadable source file): a retry
# would refuse it again, so the Airflow task fails without retrying.
BAD_INPUT_EXIT_CODE = 3


class AccountingError(RuntimeError):
    """Rows went missing or appeared from nowhere."""


class QuarantineError(RuntimeError):
    """Too many rows of a table were quarantined for the run to go on."""


@dataclass
class TableCounts:
    """Counts for one input table of one run."""

    rows_in: int
    rows_clean: int
    rows_quarantined: int
    rows_deduplicated: int = 0  # change files: changes superseded by a newer change of the same key
    top_reasons: dict[str, int] = field(default_factory=dict)
    rows_state: int | None = None  # change files: rows of the table after the changes were applied

    def check(self, table: str) -> None:
        """Raise :class:`AccountingError` unless in = clean + quarantined + deduplicated."""
        out = self.rows_clean + self.rows_quarantined + self.rows_deduplicated
        if self.rows_in != out:
            raise AccountingError(
                f"{table}: rows_in={self.rows_in} but clean {self.rows_clean} + quarantined "
                f"{self.rows_quarantined} + deduplicated {self.rows_deduplicated} = {out}")

    @property
    def quarantine_fraction(self) -> float:
        return self.rows_quarantined / self.rows_in if self.rows_in else 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def check_counts(counts: dict[str, dict], max_quarantine_fraction: float) -> None:
    """Fail if a table lost rows or quarantined more than the allowed fraction of its rows."""
    for table, c in counts.items():
        table_counts = TableCounts(**c)
        table_counts.check(table)
        if table_counts.quarantine_fraction > max_quarantine_fraction:
            raise QuarantineError(
                f"{table}: {c['rows_quarantined']} of {c['rows_in']} rows quarantined "
                f"({table_counts.quarantine_fraction:.1%} > {max_quarantine_fraction:.1%}); "
                f"top reasons: {c['top_reasons']}")

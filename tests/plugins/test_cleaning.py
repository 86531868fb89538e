"""The clean stage's checks on the Spark job's accounting."""
from __future__ import annotations

import pytest

from recsys.cleaning import QuarantineError, check_counts


def counts(rows_in, clean, quarantined, dedup=0):
    return {"rows_in": rows_in, "rows_clean": clean, "rows_quarantined": quarantined,
            "rows_deduplicated": dedup, "top_reasons": {"rating outside 1-5": quarantined}}


def test_balanced_counts_under_the_threshold_pass():
    check_counts({"ratings": counts(100, 96, 2, 2)}, max_quarantine_fraction=0.05)


def test_lost_rows_fail():
    with pytest.raises(RuntimeError, match="ratings: rows_in=100"):
        check_counts({"ratings": counts(100, 90, 2)}, max_quarantine_fraction=0.05)


def test_too_much_quarantine_fails_naming_table_counts_and_reasons():
    with pytest.raises(QuarantineError, match=r"users: 10 of 100 rows quarantined .*rating outside 1-5"):
        check_counts({"users": counts(100, 90, 10)}, max_quarantine_fraction=0.05)

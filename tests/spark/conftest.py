"""Helpers for the cleaning tests: raw text as the DataFrames the parsers read."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from spark.cleaning import lake


@pytest.fixture
def lines(spark):
    """``lines(*texts, source_file=...)``: rows shaped like ``readers.read_lines`` output (one split)."""
    def make(*texts: str, source_file: str = "test.dat"):
        rows = [(source_file, i, text, 0) for i, text in enumerate(texts, 1)]
        return spark.createDataFrame(rows, "source_file string, line_number long, line string, _pid int")
    return make


def stage_raw(lake_dir: Path, dataset: str, ds: str, files: dict[str, bytes]) -> Path:
    """Write raw files and their ingest manifest where the clean job looks for them."""
    folder = lake_dir / lake.raw_prefix(dataset, ds)
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(body)
    (folder / lake.RAW_MANIFEST).write_text(json.dumps({"dataset": dataset, "files": {n: {} for n in files}}))
    return folder


def reasons(quarantine) -> list[str]:
    return sorted(r["reason"] for r in quarantine.collect())

"""Read raw text files line by line, keeping the file name and the line number of every row.

Every source format is read through :func:`read_lines`, so every quarantine row can
say where it came from. Lines are decoded from the raw bytes with the dataset's
encoding (MovieLens .dat files are latin-1); CSV fields are split in the JVM.
"""
from __future__ import annotations

import csv

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

# Commas outside double quotes (RFC 4180 fields on one line).
_CSV_SPLIT = r',(?=(?:[^"]*"[^"]*")*[^"]*$)'
# Bytes that never occur in text: NUL and the C0 controls other than tab, LF, CR.
_CONTROL = r"[\x00-\x08\x0B\x0C\x0E-\x1F]"


class SourceFileError(ValueError):
    """A raw file cannot be read at all (empty, header only, missing columns)."""


def read_lines(spark: SparkSession, path: str, source_file: str, encoding: str) -> DataFrame:
    """Non-blank lines of one file: ``source_file``, ``line_number`` (1-based, counting blank lines), ``line``.

    Line numbers come from the position inside each input split plus the line
    count of the splits before it, so no single task has to see the whole file.
    """
    # The text source keeps each line's raw bytes; casting to binary recovers them for decoding.
    # Not cached: scanning the file twice is cheaper than holding its text in memory.
    scanned = spark.read.text(path).select(
        F.spark_partition_id().alias("_pid"), F.monotonically_increasing_id().alias("_mid"),
        F.decode(F.col("value").cast("binary"), encoding).alias("line"))
    splits = scanned.groupBy("_pid").agg(F.count("*").alias("_n"), F.min("_mid").alias("_first")).collect()
    offsets, seen = [], 0
    for row in sorted(splits, key=lambda r: r["_pid"]):
        offsets.append((row["_pid"], row["_first"], seen))
        seen += row["_n"]
    if seen == 0:
        raise SourceFileError(f"{source_file}: empty file")
    offset = spark.createDataFrame(offsets, "_pid int, _first long, _offset long")
    return (scanned.join(F.broadcast(offset), "_pid")
            .select(F.lit(source_file).alias("source_file"),
                    (F.col("_mid") - F.col("_first") + F.col("_offset") + 1).alias("line_number"),
                    "line", "_pid")
            .where(F.trim("line") != ""))


def text_problem(line: Column, utf8: bool) -> Column:
    """Why a line is not text at all (binary bytes, undecodable UTF-8), or null."""
    problem = F.when(line.rlike(_CONTROL), F.lit("binary or control characters in line"))
    if utf8:
        problem = problem.when(line.contains("\ufffd"), F.lit("not valid UTF-8 text"))
    return problem


def csv_fields(line: Column) -> Column:
    """The fields of one CSV line: split on commas outside quotes, quotes removed, ``""`` unescaped."""
    def unquote(field: Column) -> Column:
        quoted = field.startswith('"') & field.endswith('"') & (F.length(field) >= 2)
        inner = F.regexp_replace(field.substr(F.lit(2), F.length(field) - 2), '""', '"')
        return F.when(quoted, inner).otherwise(field)

    return F.transform(F.split(line, _CSV_SPLIT, -1), unquote)


def split_header(lines: DataFrame, required: dict[str, tuple[str, ...]],
                 optional: dict[str, tuple[str, ...]] | None = None) -> tuple[DataFrame, dict[str, int], int]:
    """Drop the header line of a CSV and find its columns.

    ``required`` / ``optional`` map a canonical column to the header names that
    mean it (case-insensitive). Returns the data lines, each found column's
    position and the header's width; a missing required column or a header-only file is a
    :class:`SourceFileError` naming the file and line 1.
    """
    # A filter, not a sort: finding line 1 must not order the whole file.
    first = lines.where("line_number = 1").select("source_file", "line").first()
    if first is None:
        source_file = lines.select("source_file").first()["source_file"]
        raise SourceFileError(f"{source_file} line 1: blank line where the header should be")
    source_file = first["source_file"]
    names = [n.strip().lower().lstrip("\ufeff") for n in next(csv.reader([first["line"]]))]
    positions, missing = {}, []
    for column, spellings in {**required, **(optional or {})}.items():
        found = [names.index(s) for s in spellings if s in names]
        if found:
            positions[column] = found[0]
        elif column in required:
            missing.append(f"{column} (as {' or '.join(spellings)})")
    if missing:
        raise SourceFileError(f"{source_file} line 1: header {names} lacks {', '.join(missing)}")
    data = lines.where("line_number > 1")
    if data.limit(1).count() == 0:
        raise SourceFileError(f"{source_file}: header only, no data rows after line 1")
    return data, positions, len(names)

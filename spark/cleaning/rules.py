"""Validation as data: each table has an ordered list of (reason, failing condition).

A row is quarantined with the first reason whose condition is true (or null: a
condition that cannot be evaluated counts as a failure); the rest are clean.
"""
from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from spark.cleaning.vocabulary import US_ZIP

Rule = tuple["str | Column", Column]

INT = r"^\s*-?\d+\s*$"
NUMBER = r"^\s*-?\d+(\.\d+)?\s*$"


def first_failure(rules: list[Rule]) -> Column:
    """Column holding the reason of the first failing rule, or null for a valid row."""
    return F.coalesce(*[F.when(F.coalesce(cond, F.lit(True)), reason if isinstance(reason, Column) else F.lit(reason))
                        for reason, cond in rules], F.lit(None).cast("string"))


def split_valid(df: DataFrame, rules: list[Rule]) -> tuple[DataFrame, DataFrame]:
    """Split ``df`` into (valid rows, rows with a ``reason`` column)."""
    tagged = df.withColumn("_reason", first_failure(rules))
    valid = tagged.where(F.col("_reason").isNull()).drop("_reason")
    rejected = tagged.where(F.col("_reason").isNotNull()).withColumnRenamed("_reason", "reason")
    return valid, rejected


# Ids are plain positive integers that fit a 32-bit column: no sign, exponent, letters or separators.
MAX_ID = 2**31 - 1


def numeric_id(c: Column) -> Column:
    """An id with surrounding quotes and whitespace stripped (``" '42' "`` -> ``42``), nothing else changed
    (``4 2`` stays as it is, and is then refused as not a plain id)."""
    return F.regexp_replace(c, r"^[\s\"']+|[\s\"']+$", "")


def not_positive_id(c: Column) -> Column:
    """True unless ``c`` is a plain positive integer of at most ``MAX_ID`` (``1e3``, ``-4``, ``u42``, ``0`` fail)."""
    return ~c.rlike(r"^[0-9]{1,10}$") | (c.cast("long") < 1) | (c.cast("long") > MAX_ID)


def not_int(c: Column) -> Column:
    return ~c.rlike(INT)


def not_number(c: Column) -> Column:
    return ~c.rlike(NUMBER)


def zip_region(zip_code: Column) -> Column:
    """US ZIP codes map to their first digit (the national area); anything else to 'other'."""
    return F.when(zip_code.rlike(US_ZIP), F.substring(zip_code, 1, 1)).otherwise(F.lit("other"))

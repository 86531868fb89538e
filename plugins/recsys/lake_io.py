"""Reading and writing lake objects that several stages share: Parquet parts and JSON lines.

Keys come from :mod:`spark.cleaning.lake`; ``hook`` is an S3Hook on the lake's connection.
"""
from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from spark.cleaning import lake


def parquet_keys(hook, bucket: str, prefix: str) -> list[str]:
    """The Parquet parts under ``prefix`` (Spark's ``_SUCCESS`` and friends left out)."""
    keys = sorted(k for k in hook.list_keys(bucket_name=bucket, prefix=prefix) or [] if k.endswith(".parquet"))
    if not keys:
        raise FileNotFoundError(f"no Parquet under s3://{bucket}/{prefix}")
    return keys


def _body(hook, bucket: str, key: str) -> bytes:
    return hook.get_key(key, bucket_name=bucket).get()["Body"].read()


def read_parquet_schema(hook, bucket: str, prefix: str) -> pa.Schema:
    """Schema of the first Parquet part under ``prefix``."""
    return pq.read_schema(io.BytesIO(_body(hook, bucket, parquet_keys(hook, bucket, prefix)[0])))


def read_parquet(hook, bucket: str, prefix: str) -> pa.Table:
    """All Parquet parts under ``prefix`` as one Arrow table."""
    return pa.concat_tables([pq.read_table(io.BytesIO(_body(hook, bucket, k)))
                             for k in parquet_keys(hook, bucket, prefix)])


def parquet_bytes(table: pa.Table) -> bytes:
    """``table`` as the bytes of one Parquet file."""
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def write_parquet(hook, bucket: str, key: str, table: pa.Table) -> None:
    """Write ``table`` as one Parquet object."""
    hook.load_bytes(parquet_bytes(table), key=key, bucket_name=bucket, replace=True)


class RefusedDayError(ValueError):
    """The clean job refused the day (bad input): downstream stages fail for good instead of retrying."""


def read_clean_manifest(hook, bucket: str, ds: str, complete: bool = True) -> dict:
    """The clean job's row accounting for ``ds`` (the single JSON part Spark wrote); with ``complete``, only
    when the job put the whole day in place (a refused run's manifest is an error naming its reasons)."""
    prefix = lake.clean_manifest_prefix(ds)
    keys = [k for k in hook.list_keys(bucket_name=bucket, prefix=prefix) or [] if "/part-" in k]
    if len(keys) != 1:
        raise FileNotFoundError(f"expected one part file under s3://{bucket}/{prefix}, found {keys}; "
                                f"run clean for ds={ds} first")
    manifest = json.loads(hook.read_key(keys[0], bucket_name=bucket))
    if complete and manifest.get("status") != "complete":
        raise RefusedDayError(f"the clean job refused ds={ds} (status {manifest.get('status')!r}): "
                         f"{ {t: c['top_reasons'] for t, c in manifest['tables'].items() if c['top_reasons']} }")
    return manifest


def write_jsonl(hook, bucket: str, key: str, records: list[dict]) -> None:
    """Write records as JSON lines (keys sorted, so the same records give the same bytes)."""
    hook.load_string("\n".join(json.dumps(r, sort_keys=True) for r in records), key=key, bucket_name=bucket,
                     replace=True)


def read_jsonl(hook, bucket: str, key: str) -> list[dict]:
    """Records written by :func:`write_jsonl`."""
    return list(iter_jsonl(hook, bucket, key))


def iter_jsonl(hook, bucket: str, key: str) -> Iterator[dict]:
    """Records written by :func:`write_jsonl`, one at a time as the object streams in (the object is never
    held whole)."""
    for line in hook.get_key(key, bucket_name=bucket).get()["Body"].iter_lines():
        if line:
            yield json.loads(line)

"""Ingest copies files byte for byte with a manifest, and a rerun changes nothing."""
from __future__ import annotations

import hashlib

import pytest

from recsys import ingest, lake, stages
from recsys.aws import s3_hook

pytestmark = pytest.mark.integration


def _objects(hook, bucket):
    return {k: hook.get_key(k, bucket_name=bucket).get()["Body"].read() for k in hook.list_keys(bucket_name=bucket)}


def test_ingest_is_byte_for_byte_and_idempotent(stack_settings, sample_dir):
    ds = "2026-01-02"
    args = (stack_settings, ds, str(sample_dir / "movielens"), str(sample_dir / "goodbooks"))
    manifests = stages.ingest_raw(*args)
    hook = s3_hook(stack_settings)
    first = _objects(hook, stack_settings.lake_bucket)
    for source, files in ingest.SOURCE_FILES.items():
        for name in files:
            body = first[lake.raw_prefix(source, ds) + name]
            assert body == (sample_dir / source / name).read_bytes()
            assert manifests[source]["files"][name]["sha256"] == hashlib.sha256(body).hexdigest()
    assert ingest.read_manifest(hook, stack_settings.lake_bucket, "movielens", ds) == manifests["movielens"]

    stages.ingest_raw(*args)
    assert _objects(hook, stack_settings.lake_bucket) == first


def test_missing_source_file_is_a_clear_error(stack_settings, tmp_path):
    (tmp_path / "movielens").mkdir()
    (tmp_path / "movielens" / "users.dat").write_text("1::F::1::10::48067\n")
    with pytest.raises(ingest.SourceError, match="movies.dat, ratings.dat"):
        ingest.resolve_sources(stack_settings, str(tmp_path / "movielens"), str(tmp_path / "goodbooks"))

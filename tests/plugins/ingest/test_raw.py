"""Ingest copies files byte for byte with a manifest, from a path or s3://, and a rerun changes nothing."""
from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from recsys import stages
from recsys.backends import lake_hook, s3_hook
from recsys.ingest.fetch import fetch
from recsys.ingest.raw import ingest_dataset
from spark.cleaning import lake
from spark.cleaning.datasets import get_dataset

pytestmark = pytest.mark.integration


def _objects(hook, bucket):
    return {k: hook.get_key(k, bucket_name=bucket).get()["Body"].read() for k in hook.list_keys(bucket_name=bucket)}


def test_ingest_is_byte_for_byte_and_idempotent(stack_settings, sample_dir):
    ds = "2026-01-02"
    datasets = {"ml-1m": str(sample_dir / "movielens"), "goodbooks-10k": f"file://{sample_dir / 'goodbooks'}"}
    manifests = stages.ingest_raw(stack_settings, ds, datasets)
    hook = s3_hook(stack_settings)
    first = _objects(hook, stack_settings.lake_bucket)
    for name, folder in (("ml-1m", "movielens"), ("goodbooks-10k", "goodbooks")):
        for file in get_dataset(name).files:
            body = first[lake.raw_prefix(name, ds) + file]
            assert body == (sample_dir / folder / file).read_bytes()
            assert manifests[name]["files"][file]["sha256"] == hashlib.sha256(body).hexdigest()
    stored = hook.read_key(lake.raw_manifest_key("ml-1m", ds), bucket_name=stack_settings.lake_bucket)
    assert json.loads(stored) == manifests["ml-1m"]

    stages.ingest_raw(stack_settings, ds, datasets)
    assert _objects(hook, stack_settings.lake_bucket) == first


def test_s3_uri_source_and_stale_files_removed(stack_settings, sample_dir):
    ds = "2026-01-03"
    hook = lake_hook(stack_settings)
    bucket = stack_settings.lake_bucket
    for name in get_dataset("ml-1m").files:
        hook.load_file(str(sample_dir / "movielens" / name), key=f"landing/ml/{name}", bucket_name=bucket)
    hook.load_string("old", key=lake.raw_prefix("ml-1m", ds) + "stale.dat", bucket_name=bucket)
    spec = get_dataset("ml-1m")
    manifest = ingest_dataset(hook, bucket, spec, fetch(stack_settings, spec, f"s3://{bucket}/landing/ml", hook), ds)
    assert set(manifest["files"]) == {"users.dat", "movies.dat", "ratings.dat"}
    keys = set(hook.list_keys(bucket_name=bucket, prefix=lake.raw_prefix("ml-1m", ds)))
    assert keys == {lake.raw_prefix("ml-1m", ds) + f for f in (*manifest["files"], lake.RAW_MANIFEST)}


def test_an_s3_uri_that_climbs_out_of_the_cache_is_refused_and_nothing_local_is_touched(stack_settings, tmp_path):
    from airflow.sdk.exceptions import AirflowFailException

    bucket = stack_settings.lake_bucket
    lake_hook(stack_settings)  # creates the bucket
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    settings = dataclasses.replace(stack_settings, cache_dir=tmp_path / "cache")
    climbing = f"s3://{bucket}/../../../victim"
    for _ in range(2):  # the retry must not do what the first try did not
        with pytest.raises(AirflowFailException, match=r"not a plain s3://bucket/prefix/ URI"):
            stages.ingest_raw(settings, "2026-01-04", {"ml-1m": climbing})
    assert (victim / "keep.txt").read_text() == "precious" and len(list(victim.iterdir())) == 1


def test_a_missing_bucket_is_a_clear_error_naming_the_uri(stack_settings):
    from airflow.sdk.exceptions import AirflowFailException

    uri = "s3://recsys-no-such-bucket-4711/ml/"
    with pytest.raises(AirflowFailException, match=r"cannot read s3://recsys-no-such-bucket-4711/ml/: NoSuchBucket"):
        stages.ingest_raw(stack_settings, "2026-01-04", {"ml-1m": uri})

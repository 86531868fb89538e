"""Ingest: copy a dataset's files into ``raw/<dataset>/ds=<ds>/`` byte for byte, with a manifest."""
from __future__ import annotations

import json
import logging

from recsys.ingest.app_db import extract
from recsys.ingest.fetch import Fetched, SourceError, dataset_files, digests, fetch
from recsys.settings import Settings
from spark.cleaning import lake
from spark.cleaning.datasets import CHANGES_FORMAT, DatasetSpec, get_dataset

log = logging.getLogger(__name__)


def ingest_dataset(hook, bucket: str, spec: DatasetSpec, fetched: Fetched, ds: str) -> dict:
    """Upload the dataset's files, drop stale ones, then write the manifest (last: its presence means complete)."""
    prefix = lake.raw_prefix(spec.name, ds)
    paths = dataset_files(spec, fetched.folder)
    files = {}
    for i, path in enumerate(paths, 1):
        size = path.stat().st_size
        files[path.name] = {"bytes": size, "sha256": digests(path)["sha256"]}
        log.info("[%s %d/%d] uploading %s (%d bytes) to s3://%s/%s%s", spec.name, i, len(paths), path, size,
                 bucket, prefix, path.name)
        hook.load_file(str(path), key=prefix + path.name, bucket_name=bucket, replace=True)
        head = hook.head_object(key=prefix + path.name, bucket_name=bucket)
        if head["ContentLength"] != size:
            raise IOError(f"s3://{bucket}/{prefix}{path.name}: uploaded {head['ContentLength']} bytes, expected {size}")
    stale = [k for k in hook.list_keys(bucket_name=bucket, prefix=prefix) or []
             if k[len(prefix):] not in files and k[len(prefix):] != lake.RAW_MANIFEST]
    if stale:
        log.info("removing %d files of an earlier ingest of this ds: %s", len(stale), stale)
        hook.delete_objects(bucket=bucket, keys=stale)
    manifest = {"dataset": spec.name, "ds": ds, "origin": fetched.origin, "files": files}
    hook.load_string(json.dumps(manifest, indent=2), key=lake.raw_manifest_key(spec.name, ds), bucket_name=bucket,
                     replace=True)
    return manifest


def ingest_datasets(settings: Settings, hook, datasets: dict[str, str], ds: str, app_db=None) -> dict[str, dict]:
    """Fetch and ingest each dataset (name -> URI, "" = its default source); return the manifests. The
    application database's changes are extracted through ``app_db`` (a PostgreSQL hook) instead."""
    manifests = {}
    for name, uri in datasets.items():
        spec = get_dataset(name)
        if spec.format == CHANGES_FORMAT:
            if uri:
                raise SourceError(f"{name} is read through the {settings.app_db_conn_id} connection; leave "
                                  f"dataset_uri empty (got {uri!r})")
            manifests[name] = extract(app_db, hook, settings.lake_bucket, ds)
        else:
            manifests[name] = ingest_dataset(hook, settings.lake_bucket, spec, fetch(settings, spec, uri, hook), ds)
    return manifests

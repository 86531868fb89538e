"""Ingest: copy source files into ``raw/<source>/ds=<ds>/`` byte for byte, with a manifest."""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from airflow.providers.amazon.aws.hooks.s3 import S3Hook

from recsys import lake
from recsys.sample_data import GOODBOOKS_FILES, MOVIELENS_FILES, generate_sample
from recsys.settings import Settings

log = logging.getLogger(__name__)

SOURCE_FILES = {"movielens": MOVIELENS_FILES, "goodbooks": GOODBOOKS_FILES}


class SourceError(ValueError):
    """A source folder is missing or lacks one of its files."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_sources(settings: Settings, movielens_path: str = "", goodbooks_path: str = "") -> dict[str, Path]:
    """Folders to ingest: the given paths, or the bundled sample (generated if absent)."""
    sample = settings.sample_dir
    if not (movielens_path and goodbooks_path):
        marker = sample / "goodbooks" / "book_tags.csv"
        if not marker.exists():
            generate_sample(sample, scale=settings.sample_scale, seed=settings.sample_seed)
    sources = {
        "movielens": Path(movielens_path) if movielens_path else sample / "movielens",
        "goodbooks": Path(goodbooks_path) if goodbooks_path else sample / "goodbooks",
    }
    for source, folder in sources.items():
        missing = [f for f in SOURCE_FILES[source] if not (folder / f).is_file()]
        if missing:
            raise SourceError(f"{source}: {folder} lacks {', '.join(missing)}")
    return sources


def ingest_source(hook: S3Hook, bucket: str, source: str, folder: Path, ds: str) -> dict:
    """Upload one source's files and then its manifest (written last: its presence means complete)."""
    prefix = lake.raw_prefix(source, ds)
    files = {}
    for i, name in enumerate(SOURCE_FILES[source], 1):
        path = folder / name
        files[name] = {"bytes": path.stat().st_size, "sha256": sha256(path)}
        log.info("[%s %d/%d] uploading %s (%d bytes) to s3://%s/%s%s", source, i, len(SOURCE_FILES[source]),
                 path, files[name]["bytes"], bucket, prefix, name)
        hook.load_file(str(path), key=prefix + name, bucket_name=bucket, replace=True)
        head = hook.head_object(key=prefix + name, bucket_name=bucket)
        if head["ContentLength"] != files[name]["bytes"]:
            raise IOError(f"s3://{bucket}/{prefix}{name}: uploaded {head['ContentLength']} bytes, "
                          f"expected {files[name]['bytes']}")
    manifest = {"source": source, "ds": ds, "origin": str(folder), "files": files}
    hook.load_string(json.dumps(manifest, indent=2), key=prefix + lake.RAW_MANIFEST, bucket_name=bucket,
                     replace=True)
    return manifest


def read_manifest(hook: S3Hook, bucket: str, source: str, ds: str) -> dict:
    """The manifest ``ingest_source`` wrote for ``source`` and ``ds``."""
    return json.loads(hook.read_key(lake.raw_prefix(source, ds) + lake.RAW_MANIFEST, bucket_name=bucket))

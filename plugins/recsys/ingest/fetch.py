"""Get a dataset's files onto local disk: the bundled sample, an official download
(checksummed, cached), a path, or a URI.

:func:`fetch` returns a folder holding the dataset's files exactly as published, plus
where they came from. Downloads are verified against the
catalogue's checksums and cached, so a retry or the next day's run does not
download again.
"""
from __future__ import annotations

import hashlib
import logging
import re
import shutil
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from recsys.local.sample_data import generate_sample, is_current_sample
from recsys.settings import Settings
from spark.cleaning.datasets import DatasetSpec

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


class SourceError(ValueError):
    """A dataset cannot be found, downloaded or verified; retrying will not help."""


_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def inside(root: Path, relative: str, what: str) -> Path:
    """``root / relative``, refused with a :class:`SourceError` unless it resolves to a path inside ``root``."""
    root = root.resolve()
    path = (root / relative).resolve()
    if path == root or not path.is_relative_to(root):
        raise SourceError(f"{what}: {relative!r} leads outside {root}; refused")
    return path


def check_allowed(uri: str, roots: tuple[str, ...]) -> None:
    """Refuse ``uri`` unless it lies under one of the configured source roots (``RECSYS_SOURCE_ROOTS``):
    local folders (compared after resolving links and ``..``) or URI prefixes such as ``s3://bucket/landing/``."""
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        path = Path(unquote(parsed.path) if parsed.scheme else uri).expanduser().resolve()
        allowed = any(path.is_relative_to(Path(r).expanduser().resolve()) for r in roots if "://" not in r)
    else:
        allowed = any(_under(uri, r) for r in roots if "://" in r)
    if not allowed:
        raise SourceError(f"{uri} is outside the allowed source roots {list(roots)}; an operator adds roots "
                          f"with RECSYS_SOURCE_ROOTS")


def _under(uri: str, root: str) -> bool:
    """``uri`` is ``root`` or below it; a bare scheme (``s3://``) allows all of it. A root is a whole path
    segment, so ``https://files.example.org`` does not allow ``https://files.example.org.evil.com``."""
    return root.endswith("://") or uri == root or uri.startswith(root if root.endswith("/") else root + "/")


def _refused(exc: OSError) -> bool:
    """True when the server answered that the resource is not there or not ours (a retry cannot help);
    False for connection errors, timeouts and 5xx/408/429 answers, which Airflow's retries are for."""
    return isinstance(exc, urllib.error.HTTPError) and 400 <= exc.code < 500 and exc.code not in (408, 429)


@dataclass(frozen=True)
class Fetched:
    """A local folder with the dataset's files and a record of their origin."""

    folder: Path
    origin: dict


def digests(path: Path) -> dict[str, str]:
    """md5 and sha256 of a file, read once."""
    md5, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            md5.update(block)
            sha256.update(block)
    return {"md5": md5.hexdigest(), "sha256": sha256.hexdigest()}


def _verify(path: Path, md5: str | None = None, sha256: str | None = None) -> dict[str, str]:
    got = digests(path)
    for name, expected in (("md5", md5), ("sha256", sha256)):
        if expected and got[name] != expected.lower():
            raise SourceError(f"{path.name}: {name} {got[name]} does not match the expected {expected}")
    return got


def download(url: str, dest: Path, md5: str | None = None, sha256: str | None = None) -> dict[str, str]:
    """Download ``url`` to ``dest`` unless a verified copy is already there; return its digests."""
    if dest.exists():
        try:
            got = _verify(dest, md5, sha256)
            log.info("cache hit: %s (%d bytes)", dest, dest.stat().st_size)
            return got
        except SourceError:
            log.warning("cached %s fails its checksum; downloading again", dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    log.info("downloading %s", url)
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(partial, "wb") as out:
            total, done, next_report = int(response.headers.get("Content-Length") or 0), 0, 0.0
            for block in iter(lambda: response.read(_CHUNK), b""):
                out.write(block)
                done += len(block)
                if total and done / total >= next_report:
                    log.info("  %s: %d of %d bytes (%.0f%%)", dest.name, done, total, 100 * done / total)
                    next_report += 0.25
    except OSError as exc:
        partial.unlink(missing_ok=True)
        if _refused(exc):
            raise SourceError(f"cannot download {url}: {exc}") from exc
        raise  # transient: the task is retried
    try:
        got = _verify(partial, md5, sha256)
    except SourceError:
        partial.unlink()
        raise
    partial.replace(dest)
    return got


def published_md5(url: str) -> str:
    """The md5 published next to an archive (``<archive>.md5``, any of the usual layouts)."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            text = response.read(4096).decode("ascii", "replace")
    except OSError as exc:
        if _refused(exc):
            raise SourceError(f"cannot read the published checksum {url}: {exc}") from exc
        raise  # transient: the task is retried
    found = re.search(r"\b[0-9a-fA-F]{32}\b", text)
    if not found:
        raise SourceError(f"{url} holds no md5 checksum")
    return found.group(0).lower()


def extract(archive: Path, dest: Path, root: str = "") -> Path:
    """Unpack the members of ``archive`` under ``root`` into ``dest`` (flat); return ``dest``."""
    if (dest / ".complete").exists():
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.infolist():
                name = member.filename
                if member.is_dir() or not name.startswith(root) or "/" in name[len(root):]:
                    continue
                target = inside(dest, name[len(root):], f"{archive.name} member {name!r}")
                with zf.open(member) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out, _CHUNK)
    except zipfile.BadZipFile as exc:
        raise SourceError(f"{archive.name} is not a zip archive: {exc}") from exc
    (dest / ".complete").touch()
    return dest


def fetch_official(spec: DatasetSpec, cache: Path) -> Fetched:
    """Download ``spec`` from its official home into ``cache`` (verified, reused when present)."""
    if spec.archive_url:
        md5 = spec.md5 or published_md5(spec.md5_url)
        archive = cache / spec.name / md5 / Path(urlparse(spec.archive_url).path).name
        got = download(spec.archive_url, archive, md5=md5)
        folder = extract(archive, archive.parent / "files", spec.archive_root)
        return Fetched(folder, {"url": spec.archive_url, **got})
    if spec.file_urls:
        folder = cache / spec.name / "files"
        for name, (url, sha256) in spec.file_urls.items():
            download(url, folder / name, sha256=sha256)
        return Fetched(folder, {"urls": {name: url for name, (url, _) in spec.file_urls.items()}})
    raise SourceError(f"{spec.name} has no public download; give its folder, a file:// or an s3:// URI")


def fetch_uri(spec: DatasetSpec, uri: str, cache: Path, s3_hook=None) -> Fetched:
    """Files from a folder, a zip archive, or a ``file://``, ``s3://`` or ``http(s)://`` URI."""
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        path = Path(unquote(parsed.path) if parsed.scheme else uri).expanduser()
        if path.is_dir():
            return Fetched(path, {"path": str(path)})
        if path.is_file() and zipfile.is_zipfile(path):
            got = digests(path)
            return Fetched(extract(path, cache / spec.name / got["md5"] / "files", spec.archive_root),
                           {"path": str(path), **got})
        raise SourceError(f"{spec.name}: {uri} is neither a folder nor a zip archive")
    if parsed.scheme == "s3":
        return _fetch_s3(spec, uri, cache, s3_hook)
    if parsed.scheme in ("http", "https"):
        archive = cache / spec.name / "url" / hashlib.sha256(uri.encode()).hexdigest()[:16] / "archive.zip"
        archive.unlink(missing_ok=True)  # a user URL has no pinned checksum: always fetch it fresh
        got = download(uri, archive)
        return Fetched(extract(archive, archive.parent / "files", spec.archive_root), {"url": uri, **got})
    raise SourceError(f"{spec.name}: unsupported URI scheme {parsed.scheme!r} in {uri}")


def _fetch_s3(spec: DatasetSpec, uri: str, cache: Path, s3_hook) -> Fetched:
    """The objects directly under an ``s3://bucket/prefix/`` URI, copied into the cache."""
    from botocore.exceptions import ClientError

    if s3_hook is None:
        raise SourceError(f"{spec.name}: {uri} needs an S3 connection")
    parsed = urlparse(uri)
    bucket, segments = parsed.netloc, [s for s in parsed.path.split("/") if s]
    if not _BUCKET.match(bucket) or any(s in (".", "..") for s in segments):
        raise SourceError(f"{spec.name}: {uri} is not a plain s3://bucket/prefix/ URI (no '.' or '..' parts)")
    prefix = "".join(s + "/" for s in segments)
    folder = inside(cache, f"{spec.name}/s3/{bucket}/{prefix}", f"{spec.name}: {uri}")
    try:
        keys = [k for k in s3_hook.list_keys(bucket_name=bucket, prefix=prefix) or []
                if "/" not in k[len(prefix):]]
        if not keys:
            raise SourceError(f"{spec.name}: nothing under {uri}")
        targets = {key: inside(folder, key[len(prefix):], f"{uri} object {key!r}") for key in keys}
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for key, target in targets.items():
            s3_hook.get_key(key, bucket_name=bucket).download_file(str(target))
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchBucket", "AccessDenied", "NoSuchKey", "403", "404"):
            raise SourceError(f"{spec.name}: cannot read {uri}: {code} ({exc})") from exc
        raise
    return Fetched(folder, {"uri": uri})


def dataset_files(spec: DatasetSpec, folder: Path) -> list[Path]:
    """The files of ``folder`` that belong to ``spec``; a clear error names any pattern with no match."""
    found, missing = [], []
    for pattern in spec.files:
        matches = sorted(p for p in folder.glob(pattern) if p.is_file())
        (found.extend(matches) if matches else missing.append(pattern))
    if missing:
        raise SourceError(f"{spec.name}: {folder} lacks {', '.join(missing)}")
    return found


def fetch(settings: Settings, spec: DatasetSpec, uri: str = "", s3_hook=None) -> Fetched:
    """Local files of ``spec``: the given ``uri``, the bundled sample, or the official download."""
    if uri:
        check_allowed(uri, settings.source_roots)
        return fetch_uri(spec, uri, settings.cache_dir, s3_hook)
    if spec.sample_folder:
        sample = settings.sample_dir
        if not is_current_sample(sample):
            generate_sample(sample, scale=settings.sample_scale, seed=settings.sample_seed)
        folder = sample / spec.sample_folder
        return Fetched(folder, {"sample": str(folder), "scale": settings.sample_scale, "seed": settings.sample_seed})
    return fetch_official(spec, settings.cache_dir)

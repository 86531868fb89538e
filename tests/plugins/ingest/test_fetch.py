"""Datasets come from an official download (checksummed, cached), a folder, a zip or a URI."""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import http.server
import socket
import threading
import zipfile

import pytest

from recsys.ingest import fetch as sources
from spark.cleaning.datasets import get_dataset


@pytest.fixture
def http_dir(tmp_path):
    """A real HTTP server on 127.0.0.1 serving ``tmp_path/www``; yields (base_url, folder, request log)."""
    www = tmp_path / "www"
    www.mkdir()
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            requests.append(self.path)

        def do_GET(self):  # /status/<code>/...: a server answering that code
            if self.path.startswith("/status/"):
                self.send_error(int(self.path.split("/")[2]))
                return
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(www)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", www, requests
    server.shutdown()


def _ml100k_zip(path):
    with zipfile.ZipFile(path, "w") as zf:
        for name, body in (("u.data", "1\t1\t5\t874965758\n"), ("u.user", "1|24|M|technician|85711\n"),
                           ("u.item", "1|Toy Story (1995)|01-Jan-1995||x|" + "|".join("0" * 19) + "\n"),
                           ("README", "readme\n")):
            zf.writestr(f"ml-100k/{name}", body)
        zf.writestr("other/u.data", "not this one\n")
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_official_download_is_verified_extracted_and_cached(http_dir, tmp_path):
    base, www, requests = http_dir
    md5 = _ml100k_zip(www / "ml-100k.zip")
    spec = dataclasses.replace(get_dataset("ml-100k"), archive_url=f"{base}/ml-100k.zip", md5=md5)
    fetched = sources.fetch_official(spec, tmp_path / "cache")
    assert (fetched.folder / "u.data").read_text() == "1\t1\t5\t874965758\n"
    assert fetched.origin["md5"] == md5
    assert [p.name for p in sources.dataset_files(spec, fetched.folder)] == ["u.data", "u.user", "u.item"]
    sources.fetch_official(spec, tmp_path / "cache")
    assert requests.count("/ml-100k.zip") == 1, "the second fetch is served from the cache"


def test_a_checksum_mismatch_is_refused_and_nothing_is_cached(http_dir, tmp_path):
    base, www, _ = http_dir
    _ml100k_zip(www / "ml-100k.zip")
    spec = dataclasses.replace(get_dataset("ml-100k"), archive_url=f"{base}/ml-100k.zip", md5="0" * 32)
    with pytest.raises(sources.SourceError, match=r"ml-100k\.zip.*md5 .* does not match the expected 0{32}"):
        sources.fetch_official(spec, tmp_path / "cache")
    assert not list((tmp_path / "cache").rglob("*.zip*"))


def test_a_missing_file_fails_for_good_and_an_unreachable_server_is_retried(http_dir, tmp_path):
    base, _, _ = http_dir
    with pytest.raises(sources.SourceError, match=r"cannot download .*/gone\.zip: HTTP Error 404"):
        sources.download(f"{base}/gone.zip", tmp_path / "gone.zip")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with pytest.raises(OSError) as failure:
        sources.download(f"http://127.0.0.1:{closed}/ml.zip", tmp_path / "ml.zip")
    assert not isinstance(failure.value, sources.SourceError), "a connection error keeps Airflow's retries"
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("code, for_good", [(500, False), (503, False), (429, False), (408, False),
                                            (403, True), (404, True)])
def test_server_errors_and_throttling_keep_their_retries_and_refusals_fail_for_good(http_dir, tmp_path, code,
                                                                                    for_good):
    base, _, _ = http_dir
    with pytest.raises((OSError, sources.SourceError)) as failure:
        sources.download(f"{base}/status/{code}/ml.zip", tmp_path / "ml.zip")
    assert isinstance(failure.value, sources.SourceError) is for_good, failure.value
    assert str(code) in str(failure.value) and not list(tmp_path.glob("*.part"))


def test_published_md5_file_is_read_for_datasets_that_change(http_dir, tmp_path):
    base, www, _ = http_dir
    md5 = _ml100k_zip(www / "ml-latest-small.zip")
    (www / "ml-latest-small.zip.md5").write_text(f"MD5 (ml-latest-small.zip) = {md5}\n")
    assert sources.published_md5(f"{base}/ml-latest-small.zip.md5") == md5


def test_user_uris_folder_zip_file_and_https(http_dir, tmp_path):
    base, www, _ = http_dir
    spec = get_dataset("ml-100k")
    _ml100k_zip(www / "data.zip")
    by_zip = sources.fetch_uri(spec, str(www / "data.zip"), tmp_path / "cache")
    by_file_uri = sources.fetch_uri(spec, f"file://{by_zip.folder}", tmp_path / "cache")
    by_url = sources.fetch_uri(spec, f"{base}/data.zip", tmp_path / "cache")
    for fetched in (by_zip, by_file_uri, by_url):
        assert (fetched.folder / "u.user").read_text() == "1|24|M|technician|85711\n"
    with pytest.raises(sources.SourceError, match="neither a folder nor a zip"):
        sources.fetch_uri(spec, str(tmp_path / "nowhere"), tmp_path / "cache")
    with pytest.raises(sources.SourceError, match="unsupported URI scheme 'ftp'"):
        sources.fetch_uri(spec, "ftp://example.invalid/x.zip", tmp_path / "cache")


def test_datasets_without_a_public_download_ask_for_a_path(tmp_path):
    with pytest.raises(sources.SourceError, match="netflix has no public download; give its folder"):
        sources.fetch_official(get_dataset("netflix"), tmp_path)


def test_missing_files_are_named(tmp_path):
    (tmp_path / "movie_titles.csv").write_text("1,2003,Dinosaur Planet\n")
    with pytest.raises(sources.SourceError, match=r"netflix: .* lacks combined_data_\*\.txt"):
        sources.dataset_files(get_dataset("netflix"), tmp_path)


def test_a_zip_member_leading_out_of_the_folder_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ml-100k/u.data", "1\t1\t5\t874965758\n")
        zf.writestr("ml-100k/..", "escape\n")
    with pytest.raises(sources.SourceError, match=r"evil\.zip member 'ml-100k/\.\.': '\.\.' leads outside"):
        sources.fetch_uri(get_dataset("ml-100k"), str(archive), tmp_path / "cache")
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != archive]
    assert not any(p.read_bytes() == b"escape\n" for p in written)


def test_only_uris_under_the_allowed_roots_are_read(tmp_path):
    allowed, elsewhere = tmp_path / "sources", tmp_path / "elsewhere"
    for folder in (allowed / "ml", elsewhere):
        folder.mkdir(parents=True)
    roots = (str(allowed), "s3://landing-bucket/ml/")
    sources.check_allowed(str(allowed / "ml"), roots)
    sources.check_allowed(f"file://{allowed / 'ml'}", roots)
    sources.check_allowed("s3://landing-bucket/ml/2026/", roots)
    sources.check_allowed("https://files.example.org/ml/ml-1m.zip", ("https://files.example.org",))
    for uri in (str(elsewhere), f"{allowed}/../elsewhere", "/etc", "s3://other-bucket/ml/",
                "https://example.org/ml.zip", "s3://landing-bucket/ml-other/x.zip"):
        with pytest.raises(sources.SourceError, match="outside the allowed source roots"):
            sources.check_allowed(uri, roots)
    with pytest.raises(sources.SourceError, match="outside the allowed source roots"):
        sources.check_allowed("https://files.example.org.evil.com/ml.zip", ("https://files.example.org",))

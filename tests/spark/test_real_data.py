"""The clean job on the real datasets in ../shared/data (skipped, with the reason, when absent)."""
from __future__ import annotations

import csv
import shutil

import pytest

from recsys.settings import PROJECT_ROOT
from spark.cleaning import lake as layout
from spark.cleaning.accounting import MAX_QUARANTINE_FRACTION
from spark.cleaning.datasets import get_dataset
from spark.cleaning.vocabulary import BOOK_GENRE_ALIASES, BOOK_GENRES
from spark.jobs import clean_sources
from tests.spark.conftest import stage_raw

SHARED = PROJECT_ROOT.parent / "shared" / "data"
DS = "2026-11-20"
pytestmark = pytest.mark.skipif(not (SHARED / "ml-100k" / "u.data").exists() or
                                not (SHARED / "goodbooks-10k" / "book_tags.csv").exists(),
                                reason=f"real data not found under {SHARED}")


@pytest.fixture(scope="module")
def cleaned(spark, tmp_path_factory):
    lake = tmp_path_factory.mktemp("real-lake")
    for name in ("ml-100k", "goodbooks-10k"):
        spec = get_dataset(name)
        files = [p for pattern in spec.files for p in (SHARED / name).glob(pattern)]
        stage_raw(lake, name, DS, {p.name: p.read_bytes() for p in files})
    manifest = clean_sources.run(spark, f"file://{lake}", DS, "ml-100k", "goodbooks-10k", MAX_QUARANTINE_FRACTION)
    yield lake, manifest
    shutil.rmtree(lake, ignore_errors=True)


def _table(spark, lake, name):
    return spark.read.parquet(f"file://{lake}/{layout.clean_prefix(name, DS)}")


def test_ml100k_yields_every_rating_user_and_movie(spark, cleaned):
    lake, manifest = cleaned
    assert _table(spark, lake, "ratings").count() == 100_000
    assert _table(spark, lake, "users").count() == 943
    assert _table(spark, lake, "movies").count() == 1_682
    for table in ("users", "movies", "ratings"):
        assert manifest["tables"][table]["rows_quarantined"] == 0, manifest["tables"][table]
    title = _table(spark, lake, "movies").where("movie_id = 543").first()["title"]  # latin-1 bytes in u.item
    assert title == "Misérables, Les"


def test_goodbooks_yields_every_book_with_genres_where_its_tags_have_any(spark, cleaned):
    lake, manifest = cleaned
    books = {r["goodreads_book_id"]: r["genres"] for r in _table(spark, lake, "books").collect()}
    assert len(books) == 10_000
    genre_names = set(BOOK_GENRES) | set(BOOK_GENRE_ALIASES)
    with open(SHARED / "goodbooks-10k" / "tags.csv", newline="") as f:
        genre_tags = {row["tag_id"] for row in csv.DictReader(f) if row["tag_name"].strip().lower() in genre_names}
    with open(SHARED / "goodbooks-10k" / "book_tags.csv", newline="") as f:
        with_genre = {int(row["goodreads_book_id"]) for row in csv.DictReader(f)
                      if row["tag_id"] in genre_tags and int(row["count"]) >= 0}
    assert {b for b, genres in books.items() if genres} == with_genre
    assert manifest["tables"]["book_tags"]["rows_in"] == 999_912

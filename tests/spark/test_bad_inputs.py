"""The bad-input corpus (tests/spark/bad_inputs/): each defect gives a clear error naming the file
and line, or quarantine rows with file, line and reason; raw files stay untouched and rows balance.

Corpus files are hand-made (never real data) and carry a ``.corpus`` suffix; they replace the
file of the same name without it.
"""
from __future__ import annotations

import hashlib
import re
import json
from pathlib import Path

import pytest

from spark.cleaning import lake as layout
from spark.cleaning.accounting import QuarantineError, TableCounts
from spark.cleaning.readers import SourceFileError
from spark.jobs import clean_sources
from tests.spark.conftest import stage_raw

CORPUS = Path(__file__).parent / "bad_inputs"
DS = "2026-01-01"
_FLAGS = lambda *on: "|".join("1" if i in on else "0" for i in range(19))  # noqa: E731

GOOD = {
    "ml-100k": {
        "u.user": "1|24|M|technician|85711\n2|53|F|other|94043\n3|23|M|writer|32067\n",
        "u.item": f"1|Toy Story (1995)|01-Jan-1995||http://x|{_FLAGS(3, 4, 5)}\n"
                  f"2|GoldenEye (1995)|01-Jan-1995||http://x|{_FLAGS(1, 2, 16)}\n"
                  f"3|Four Rooms (1995)|01-Jan-1995||http://x|{_FLAGS(16)}\n",
        "u.data": "1\t1\t5\t874965758\n1\t2\t3\t876893171\n2\t1\t4\t888550871\n2\t3\t2\t888551112\n3\t2\t5\t889237455\n",
    },
    "ml-latest-small": {
        "movies.csv": "movieId,title,genres\n1,Toy Story (1995),Animation|Children|Comedy\n",
        "ratings.csv": "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n",
    },
    "netflix": {
        "movie_titles.csv": "1,2003,Dinosaur Planet\n2,2004,Isle of Man TT 2004 Review\n",
        "combined_data_1.txt": "1:\n822109,5,2005-05-13\n",
    },
    "goodbooks-10k": {
        "books.csv": "book_id,goodreads_book_id,authors,original_publication_year,title,average_rating,ratings_count\n"
                     "1,100,Frank Herbert,1965.0,Dune,4.2,5000\n2,101,Ursula K. Le Guin,1968.0,A Wizard of Earthsea,4.0,900\n",
        "tags.csv": "tag_id,tag_name\r\n1,sci-fi\r\n2,to-read\r\n3,fantasy\r\n",
        "book_tags.csv": "goodreads_book_id,tag_id,count\r\n100,1,50\r\n100,2,900\r\n101,3,70\r\n",
    },
}
BOOKS_FILES = set(GOOD["goodbooks-10k"])

# case -> (movies dataset, expectation); an expectation is an error pattern or {table: {reason: [line numbers]}}
CASES = {
    "empty_file": ("ml-100k", r"u\.data: empty file"),
    "header_only": ("ml-latest-small", r"ratings\.csv: header only, no data rows after line 1"),
    "missing_columns": ("ml-100k", r"books\.csv line 1: header .* lacks ratings_count"),
    "wrong_delimiter": ("ml-100k", {"ratings": {"wrong number of fields: expected 4 '\t'-separated, found 1": [1, 2, 3, 4, 5]}}),
    "truncated_last_line": ("ml-100k", {"ratings": {"wrong number of fields: expected 4 '\t'-separated, found 3": [6]}}),
    "binary_garbage": ("ml-100k", {"movies": {"binary or control characters in line": None}}),
    "wrong_encoding": ("ml-100k", {"books": {"not valid UTF-8 text": [3]}}),
    "non_plain_ids": ("ml-100k", {"ratings": {"user_id is not a positive integer": [2, 3, 4, 6],
                                              "movie_id is not a positive integer": [5]}}),
    "implausible_timestamps": ("ml-100k", {"ratings": {"timestamp before the dataset's first day": [2, 3]}}),
    "out_of_range_ratings": ("ml-100k", {"ratings": {"rating outside 1-5 in steps of 1": [2, 3]}}),
    "unknown_users_and_items": ("ml-100k", {"ratings": {"unknown user_id": [3], "unknown movie_id": [4]}}),
    "nul_and_long_line": ("ml-100k", {"ratings": {"binary or control characters in line": [2],
                                                  "wrong number of fields: expected 4 '\t'-separated, found 5": [3]}}),
    "duplicate_keys": ("ml-100k", {}),  # the latest line of a repeated id is kept: see the test below
    "netflix_block_without_header": ("netflix", {"ratings": {"rating line before any movie_id: header": [1]}}),
}


def _target(path: Path) -> str:
    return path.name.removesuffix(".corpus")


def _sha(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.fixture(scope="module")
def corpus_runs(spark, tmp_path_factory):
    """Run the clean job once per case (quarantine cases allow any fraction; the gate has its own test)."""
    results = {}
    for case, (movies_dataset, _) in CASES.items():
        lake = tmp_path_factory.mktemp(case)
        bad = {_target(p): p.read_bytes() for p in (CORPUS / case).iterdir()}
        books = {n: bad.get(n, GOOD["goodbooks-10k"][n].encode()) for n in BOOKS_FILES}
        movies = {**{n: b.encode() for n, b in GOOD[movies_dataset].items()},
                  **{n: b for n, b in bad.items() if n not in BOOKS_FILES}}
        folders = [stage_raw(lake, movies_dataset, DS, movies), stage_raw(lake, "goodbooks-10k", DS, books)]
        before = [_sha(f) for f in folders]
        try:
            outcome = clean_sources.run(spark, f"file://{lake}", DS, movies_dataset, "goodbooks-10k", 1.0)
        except SourceFileError as exc:
            outcome = exc
        results[case] = (outcome, lake, before == [_sha(f) for f in folders])
    return results


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_reported_and_raw_stays_untouched(spark, corpus_runs, case):
    outcome, lake, untouched = corpus_runs[case]
    expected = CASES[case][1]
    assert untouched, "raw files must never be modified"
    if isinstance(expected, str):
        assert isinstance(outcome, SourceFileError), outcome
        assert re.search(expected, str(outcome)), str(outcome)
        return
    assert isinstance(outcome, dict), outcome
    for table, counts in outcome["tables"].items():
        TableCounts(**counts).check(table)
    for table, by_reason in expected.items():
        quarantine = spark.read.parquet(f"file://{lake}/{layout.quarantine_prefix(table, DS)}")
        for reason, line_numbers in by_reason.items():
            rows = quarantine.where(quarantine.reason == reason).collect()
            assert rows, f"no {reason!r} in {[r.asDict() for r in quarantine.collect()]}"
            assert all(r["source_file"] == _target(next((CORPUS / case).iterdir())) for r in rows)
            if line_numbers:
                assert sorted(r["line_number"] for r in rows) == line_numbers


def test_a_repeated_id_keeps_its_latest_line_and_its_ratings_stay_clean(spark, corpus_runs):
    manifest, lake, _ = corpus_runs["duplicate_keys"]
    tables = manifest["tables"]
    assert (tables["users"]["rows_deduplicated"], tables["movies"]["rows_deduplicated"]) == (1, 1)
    assert tables["ratings"]["rows_quarantined"] == 0, "no rating is lost to a repeated movie or user line"
    read = lambda table: spark.read.parquet(f"file://{lake}/{layout.clean_prefix(table, DS)}")  # noqa: E731
    assert read("users").where("user_id = 2").collect()[0]["occupation"] == "artist"
    assert read("movies").where("movie_id = 2").collect()[0]["genres"] == ["Action", "Adventure"]


def test_surrounding_quotes_and_spaces_are_stripped_from_ids(spark, corpus_runs):
    _, lake, _ = corpus_runs["non_plain_ids"]
    ratings = spark.read.parquet(f"file://{lake}/{layout.clean_prefix('ratings', DS)}")
    assert sorted((r["user_id"], r["movie_id"]) for r in ratings.collect()) == [(1, 1), (2, 3)]


def test_quarantine_gate_fails_with_table_counts_and_reasons(spark, tmp_path):
    movies = {n: b.encode() for n, b in GOOD["ml-100k"].items()}
    movies["u.data"] = (CORPUS / "wrong_delimiter" / "u.data.corpus").read_bytes()
    stage_raw(tmp_path, "ml-100k", DS, movies)
    stage_raw(tmp_path, "goodbooks-10k", DS, {n: b.encode() for n, b in GOOD["goodbooks-10k"].items()})
    with pytest.raises(QuarantineError, match=r"ratings: 5 of 5 rows quarantined \(100\.0% > 5\.0%\); "
                                              r"top reasons: \{.wrong number of fields"):
        clean_sources.run(spark, f"file://{tmp_path}", DS, "ml-100k", "goodbooks-10k", 0.05)
    manifest = json.loads(next((tmp_path / layout.clean_manifest_prefix(DS)).glob("part-*")).read_text())
    assert manifest["tables"]["ratings"]["rows_quarantined"] == 5, "the manifest is written before failing"


def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def test_a_failing_rerun_leaves_the_days_clean_tables_as_they_were(spark, tmp_path):
    """An empty u.item stops the job after users were cleaned: the day's users must not be half-replaced."""
    good = {n: b.encode() for n, b in GOOD["ml-100k"].items()}
    books = {n: b.encode() for n, b in GOOD["goodbooks-10k"].items()}
    stage_raw(tmp_path, "ml-100k", DS, good)
    stage_raw(tmp_path, "goodbooks-10k", DS, books)
    assert clean_sources.run(spark, f"file://{tmp_path}", DS, "ml-100k", "goodbooks-10k", 1.0)["status"] == "complete"
    before = {zone: _tree(tmp_path / zone) for zone in ("clean", "quarantine", "manifests")}

    changed_users = good["u.user"].replace(b"writer", b"artist")
    stage_raw(tmp_path, "ml-100k", DS, {**good, "u.user": changed_users, "u.item": b""})
    with pytest.raises(SourceFileError, match=r"u\.item: empty file"):
        clean_sources.run(spark, f"file://{tmp_path}", DS, "ml-100k", "goodbooks-10k", 1.0)
    assert {zone: _tree(tmp_path / zone) for zone in ("clean", "quarantine", "manifests")} == before

    wrong = {**good, "u.data": (CORPUS / "wrong_delimiter" / "u.data.corpus").read_bytes()}
    stage_raw(tmp_path, "ml-100k", DS, wrong)
    with pytest.raises(QuarantineError):
        clean_sources.run(spark, f"file://{tmp_path}", DS, "ml-100k", "goodbooks-10k", 0.05)
    assert _tree(tmp_path / "clean") == before["clean"], "a refused day's tables are never moved into place"
    manifest = json.loads(next((tmp_path / layout.clean_manifest_prefix(DS)).glob("part-*")).read_text())
    assert manifest["status"] == "refused"
    staged = tmp_path / manifest["staged_under"] / layout.quarantine_prefix("ratings", DS)
    assert spark.read.parquet(f"file://{staged}").count() == 5, "the refused day's quarantine can be inspected"

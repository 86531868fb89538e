"""The bundled sample: real formats, deterministic, with the structure we rely on."""
from __future__ import annotations

import csv
import hashlib

import numpy as np

from spark.cleaning.vocabulary import AGE_BUCKETS, BOOK_NOISE_TAGS, MOVIE_GENRES
from recsys.local.sample_data import MAX_MOVIES, SampleSize, generate_sample, scale_for_ratings


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_files_and_other_seed_differs(tmp_path):
    generate_sample(tmp_path / "a", scale=0.05, seed=1)
    generate_sample(tmp_path / "b", scale=0.05, seed=1)
    generate_sample(tmp_path / "c", scale=0.05, seed=2)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_movielens_files_use_the_ml1m_format(sample_dir):
    users = (sample_dir / "movielens" / "users.dat").read_text(encoding="latin-1").splitlines()
    for line in users:
        uid, gender, age, occupation, zip_code = line.split("::")
        assert gender in ("M", "F") and int(age) in AGE_BUCKETS and 0 <= int(occupation) <= 20 and zip_code
    movies = (sample_dir / "movielens" / "movies.dat").read_bytes()
    movies.decode("latin-1")
    for line in movies.decode("latin-1").splitlines():
        mid, title, genres = line.split("::")
        assert title.endswith(")") and set(genres.split("|")) <= set(MOVIE_GENRES)


def test_ratings_have_long_tail_popularity_and_years_of_timestamps(sample_dir):
    rows = [line.split("::") for line in
            (sample_dir / "movielens" / "ratings.dat").read_text(encoding="latin-1").splitlines()]
    good = np.array([[int(x) for x in r] for r in rows
                     if len(r) == 4 and r[2] in "12345" and all(x.isdigit() and len(x) < 12 for x in r)])
    counts = np.sort(np.bincount(good[:, 1]))[::-1]
    top_decile = counts[: max(1, len(counts) // 10)].sum() / counts.sum()
    assert top_decile > 0.25, "the most popular 10% of movies take a large share of ratings"
    years = (good[:, 3].max() - good[:, 3].min()) / (365 * 86400)
    assert years > 1.5


def test_tastes_depend_on_demographics(sample_dir):
    """Genre shares of women and men differ by more than sampling noise."""
    ml = sample_dir / "movielens"
    gender = {l.split("::")[0]: l.split("::")[1] for l in (ml / "users.dat").read_text("latin-1").splitlines()}
    genres = {l.split("::")[0]: l.split("::")[2].split("|") for l in (ml / "movies.dat").read_text("latin-1").splitlines()}
    share = {"M": np.zeros(len(MOVIE_GENRES)), "F": np.zeros(len(MOVIE_GENRES))}
    for line in (ml / "ratings.dat").read_text("latin-1").splitlines():
        f = line.split("::")
        if len(f) == 4 and f[0] in gender and f[1] in genres:
            for g in genres[f[1]]:
                share[gender[f[0]]][MOVIE_GENRES.index(g)] += 1
    m, f = share["M"] / share["M"].sum(), share["F"] / share["F"].sum()
    assert np.abs(m - f).max() > 0.03


def test_goodbooks_files_have_genre_and_noise_shelves(sample_dir):
    gb = sample_dir / "goodbooks"
    with open(gb / "books.csv", newline="") as f:
        books = list(csv.DictReader(f))
    assert books and {"book_id", "goodreads_book_id", "authors", "title", "average_rating"} <= set(books[0])
    assert any("," in b["title"] for b in books), "titles with commas exercise CSV quoting"
    with open(gb / "tags.csv", newline="") as f:
        tags = {row["tag_id"]: row["tag_name"] for row in csv.DictReader(f)}
    assert b"\r\n" in (gb / "book_tags.csv").read_bytes(), "goodbooks tag files use CRLF"
    with open(gb / "book_tags.csv", newline="") as f:
        shelved = {tags[row["tag_id"]] for row in csv.DictReader(f)}
    assert set(BOOK_NOISE_TAGS) & shelved and {"fantasy", "romance"} & shelved


def test_sizes_follow_the_movielens_releases_shape_beyond_a_million_ratings():
    one_million = SampleSize.for_scale(scale_for_ratings(1_000_000))
    ten_million = SampleSize.for_scale(scale_for_ratings(10_000_000))
    assert one_million.movies < MAX_MOVIES == ten_million.movies  # the catalogue stops growing at 10k movies
    assert 2.5 < ten_million.users / one_million.users < 3.5  # the audience grows as the square root
    assert ten_million.mean_ratings_per_user > 2.5 * one_million.mean_ratings_per_user  # and rates more
    assert SampleSize.for_scale(1.0) == SampleSize(users=1200, movies=700, books=500, mean_ratings_per_user=45)


def test_a_scaled_sample_has_about_the_ratings_asked_for(tmp_path):
    counts = generate_sample(tmp_path, scale=scale_for_ratings(100_000), seed=3)
    assert 90_000 < counts["ratings.dat"] < 110_000

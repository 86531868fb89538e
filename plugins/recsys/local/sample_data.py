"""Deterministic synthetic sample in the real file formats.

Writes MovieLens-1M style ``users.dat``, ``movies.dat``, ``ratings.dat`` (``::``
separated, latin-1) and goodbooks-10k style ``books.csv``, ``tags.csv``,
``book_tags.csv``. The data has the structure real data has: long-tail item
popularity, genre tastes that depend on gender, age and occupation, timestamps over
years, rating noise, genre and noise shelves on books, and a handful of defects
(duplicate and out-of-range ratings, unknown ids, a malformed line) so that the
cleaning stage's quarantine is exercised.
"""
from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spark.cleaning.vocabulary import AGE_BUCKETS, BOOK_GENRES, BOOK_NOISE_TAGS, MOVIE_GENRES, OCCUPATIONS

log = logging.getLogger(__name__)


_AGE_CODES = np.array(list(AGE_BUCKETS))
_AGE_P = np.array([0.04, 0.18, 0.35, 0.20, 0.09, 0.08, 0.06])
_WORDS = ("Night", "River", "Shadow", "Garden", "Empire", "Stranger", "Summer", "Machine", "Heart",
          "Island", "Winter", "Promise", "Secret", "Storm", "Kingdom", "Ghost", "Mirror", "Road",
          "Café", "Señor", "Hôtel", "Mädchen")
_ADJ = ("Last", "Silent", "Golden", "Broken", "Hidden", "Little", "Dark", "Endless", "Wild", "Lost")
_SURNAMES = ("Smith", "García", "Nguyen", "Okafor", "Müller", "Rossi", "Kowalski", "Tanaka", "Brown",
             "Dubois", "Silva", "Ivanova", "Haddad", "O'Brien", "Larsen")
_FIRST = ("Anna", "James", "Mei", "Omar", "Sofia", "Liam", "Zoe", "Ravi", "Elena", "Noah", "Ines")
_TS_START = 956_703_932   # 2000-04-25, first MovieLens-1M rating
_TS_END = 1_046_454_590   # 2003-02-28, last MovieLens-1M rating
_BOOKS_HEADER = (
    "book_id,goodreads_book_id,best_book_id,work_id,books_count,isbn,isbn13,authors,"
    "original_publication_year,original_title,title,language_code,average_rating,ratings_count,"
    "work_ratings_count,work_text_reviews_count,ratings_1,ratings_2,ratings_3,ratings_4,ratings_5,"
    "image_url,small_image_url"
).split(",")


@dataclass(frozen=True)
class SampleSize:
    """How big the sample is; ``scale=1`` gives a demo that trains in seconds."""

    users: int
    movies: int
    books: int
    mean_ratings_per_user: int

    @classmethod
    def for_scale(cls, scale: float) -> "SampleSize":
        return cls(users=max(50, int(1200 * scale)), movies=max(60, int(700 * scale)),
                   books=max(60, int(500 * scale)), mean_ratings_per_user=45)


def _title(rng: np.random.Generator) -> str:
    return f"The {rng.choice(_ADJ)} {rng.choice(_WORDS)}" if rng.random() < 0.6 else \
        f"{rng.choice(_WORDS)} of the {rng.choice(_WORDS)}"


def generate_movielens(out_dir: Path, size: SampleSize, rng: np.random.Generator) -> dict[str, int]:
    """Write users.dat, movies.dat and ratings.dat (with a few defective rating lines for the quarantine
    to catch); return line counts per file."""
    n_u, n_m, n_g = size.users, size.movies, len(MOVIE_GENRES)
    gender = rng.choice(np.array(["M", "F"]), size=n_u, p=[0.72, 0.28])
    age = rng.choice(_AGE_CODES, size=n_u, p=_AGE_P)
    occupation = rng.integers(0, len(OCCUPATIONS), size=n_u)
    zips = []
    for _ in range(n_u):
        r = rng.random()
        if r < 0.03:   # foreign postal codes appear in the real file
            zips.append(f"{chr(65 + rng.integers(26))}{rng.integers(10)}{chr(65 + rng.integers(26))}"
                        f"{rng.integers(10)}{chr(65 + rng.integers(26))}")
        elif r < 0.06:  # ZIP+4
            zips.append(f"{rng.integers(0, 100_000):05d}-{rng.integers(0, 10_000):04d}")
        else:
            zips.append(f"{rng.integers(0, 100_000):05d}")

    # Genre tastes: a shared effect per gender, age bucket and occupation + individual noise.
    g_eff = {g: rng.normal(0, 0.9, n_g) for g in ("M", "F")}
    a_eff = {a: rng.normal(0, 0.9, n_g) for a in AGE_BUCKETS}
    o_eff = rng.normal(0, 0.6, (len(OCCUPATIONS), n_g))
    taste = np.stack([g_eff[gender[u]] + a_eff[int(age[u])] + o_eff[occupation[u]] for u in range(n_u)])
    taste += rng.normal(0, 0.6, taste.shape)

    genre_pop = rng.dirichlet(np.full(n_g, 0.8))
    item_genres = np.zeros((n_m, n_g))
    for m in range(n_m):
        k = rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15])
        item_genres[m, rng.choice(n_g, size=k, replace=False, p=genre_pop)] = 1.0
    popularity = rng.zipf(1.6, n_m).astype(float) ** 0.8
    popularity /= popularity.sum()
    quality = rng.normal(0, 0.5, n_m)
    years = np.clip(np.round(2000 - rng.exponential(14, n_m)), 1919, 2000).astype(int)

    with open(out_dir / "users.dat", "w", encoding="latin-1", newline="\n") as f:
        for u in range(n_u):
            f.write(f"{u + 1}::{gender[u]}::{age[u]}::{occupation[u]}::{zips[u]}\n")
    with open(out_dir / "movies.dat", "w", encoding="latin-1", newline="\n") as f:
        for m in range(n_m):
            genres = "|".join(MOVIE_GENRES[g] for g in np.flatnonzero(item_genres[m]))
            f.write(f"{m + 1}::{_title(rng)} ({years[m]})::{genres}\n")

    affinity = (taste @ item_genres.T) / item_genres.sum(axis=1)
    n_ratings, first_item = 0, {}
    with open(out_dir / "ratings.dat", "w", encoding="latin-1", newline="\n") as f:
        for u in range(n_u):
            k = int(min(n_m // 2, 20 + rng.lognormal(np.log(size.mean_ratings_per_user - 15), 0.8)))
            p = popularity * np.exp(1.2 * affinity[u])
            items = rng.choice(n_m, size=k, replace=False, p=p / p.sum())
            noise = rng.normal(0, 0.8, k)
            ratings = np.clip(np.round(3.3 + 0.6 * affinity[u, items] + quality[items] + noise), 1, 5)
            start = rng.integers(_TS_START, _TS_END - 86_400 * 30)
            ts = np.sort(start + rng.exponential(86_400 * 60, k).astype(np.int64))
            ts = np.minimum(ts, _TS_END)
            for m, r, t in zip(items, ratings.astype(int), ts):
                f.write(f"{u + 1}::{m + 1}::{r}::{t}\n")
            first_item[u] = items[0]
            n_ratings += k
        for u in (0, 1):  # re-ratings of an already rated movie: the latest wins
            f.write(f"{u + 1}::{first_item[u] + 1}::5::{_TS_END}\n")
        f.write("3::2::7::978300760\n")             # rating out of range
        f.write(f"4::{n_m + 500}::3::978300760\n")  # unknown movie
        f.write(f"{n_u + 500}::1::3::978300760\n")  # unknown user
        f.write("5::3::4\n")                        # malformed: missing timestamp
        f.write("6::1::4::978300760\x00\n")          # a NUL byte (the warehouse cannot store it as is)
        f.write("7" * 70_000 + "::1::4::978300760\n")  # longer than a varchar(65535)
        n_ratings += 8
    return {"users.dat": n_u, "movies.dat": n_m, "ratings.dat": n_ratings}


def generate_goodbooks(out_dir: Path, size: SampleSize, rng: np.random.Generator) -> dict[str, int]:
    """Write books.csv, tags.csv and book_tags.csv; return row counts per file."""
    genre_tags = list(BOOK_GENRES) + ["sci-fi", "ya"]  # aliases appear as shelves too
    junk = [f"my-shelf-{i}" for i in range(20)]
    tag_names = sorted(set(genre_tags) | set(BOOK_NOISE_TAGS) | set(junk))
    tag_id = {name: i for i, name in enumerate(tag_names)}
    with open(out_dir / "tags.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["tag_id", "tag_name"])
        w.writerows([tag_id[n], n] for n in tag_names)

    books_rows, tag_rows = [], []
    for b in range(size.books):
        gr_id = 1000 + b * 7
        ratings_count = int(rng.zipf(1.5) * 300) + 50
        avg = round(float(np.clip(rng.normal(3.95, 0.25), 2.5, 4.9)), 2)
        split = rng.dirichlet(np.ones(5)) * ratings_count
        authors = ", ".join(f"{rng.choice(_FIRST)} {rng.choice(_SURNAMES)}"
                            for _ in range(rng.choice([1, 1, 1, 2])))
        title = _title(rng)
        if rng.random() < 0.1:
            title = f'{title}, Volume {rng.integers(1, 5)}'  # commas inside a quoted CSV field
        if rng.random() < 0.05:
            title = f'{title}: "{rng.choice(_WORDS)}" Edition'
        year = int(rng.integers(1850, 2017))
        books_rows.append([b + 1, gr_id, gr_id, 9000 + b, int(rng.integers(1, 200)), f"{rng.integers(10**8, 10**9)}",
                           f"9.78{rng.integers(10**8, 10**9)}e+12", authors, f"{year}.0", title, title, "eng",
                           f"{avg:.2f}", ratings_count, ratings_count, ratings_count // 20,
                           *[int(x) for x in split], "https://example.invalid/m.jpg",
                           "https://example.invalid/s.jpg"])
        for g in rng.choice(genre_tags, size=rng.choice([1, 2, 3]), replace=False):
            tag_rows.append([gr_id, tag_id[g], int(rng.integers(50, 3000))])
        for t in rng.choice(BOOK_NOISE_TAGS, size=3, replace=False):
            tag_rows.append([gr_id, tag_id[t], int(rng.integers(1000, 50000))])
        tag_rows.append([gr_id, tag_id[rng.choice(junk)], int(rng.integers(1, 30))])

    with open(out_dir / "books.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(_BOOKS_HEADER)
        w.writerows(books_rows)
    with open(out_dir / "book_tags.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["goodreads_book_id", "tag_id", "count"])
        w.writerows(tag_rows)
    return {"books.csv": len(books_rows), "tags.csv": len(tag_names), "book_tags.csv": len(tag_rows)}


def generate_sample(out_dir: Path, scale: float = 1.0, seed: int = 42) -> dict[str, int]:
    """Generate the whole sample into ``out_dir/movielens`` and ``out_dir/goodbooks``.

    Parameters
    ----------
    out_dir : folder to write into (created).
    scale : size multiplier; 1.0 = 1,200 users, 700 movies, 500 books, ~70k ratings.
    seed : the same seed and scale always give byte-identical files.

    Returns
    -------
    Data rows per file name.
    """
    size = SampleSize.for_scale(scale)
    rng = np.random.default_rng(seed)
    ml_dir, gb_dir = out_dir / "movielens", out_dir / "goodbooks"
    ml_dir.mkdir(parents=True, exist_ok=True)
    gb_dir.mkdir(parents=True, exist_ok=True)
    log.info("generating sample (scale=%s, seed=%s) into %s", scale, seed, out_dir)
    counts = generate_movielens(ml_dir, size, rng)
    counts.update(generate_goodbooks(gb_dir, size, rng))
    log.info("sample rows per file: %s", counts)
    return counts

"""Benchmark the clean job: synthetic ratings in the MovieLens-1M or the Netflix Prize format.

For each size it writes the files (with duplicates and a few bad lines), runs the real
clean job on a local file:// lake, and reports per table the rows in, seconds, rows/s
and the peak memory (driver + Spark JVM resident set).

    python benchmarks/clean_benchmark.py --ratings 1000000 10000000
    python benchmarks/clean_benchmark.py --ratings --netflix 100000000 --name clean_benchmark_netflix

Prints a table and writes benchmarks/results/<name>.{json,md}.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]
NETFLIX_USERS, NETFLIX_MOVIES, NETFLIX_FILES = 480_189, 17_770, 4  # the original's shape

from benchmarks.memory import MemorySampler  # noqa: E402
from benchmarks.results_io import write_report  # noqa: E402
from recsys.local.sample_data import generate_sample  # noqa: E402
from spark.cleaning import lake as layout  # noqa: E402

DS = "2026-01-01"
RESULTS = ROOT / "benchmarks" / "results"
log = logging.getLogger("clean_benchmark")


def write_movielens(folder: Path, n_ratings: int, seed: int = 0) -> None:
    """ML-1M-format files: ~1 user per 150 ratings, 4k-40k movies, Zipf popularity, 0.1% bad lines."""
    rng = np.random.default_rng(seed)
    n_users, n_movies = max(100, n_ratings // 150), int(min(40_000, max(4_000, n_ratings // 250)))
    folder.mkdir(parents=True, exist_ok=True)
    users = pd.DataFrame({"u": np.arange(1, n_users + 1), "g": rng.choice(["M", "F"], n_users),
                          "a": rng.choice([1, 18, 25, 35, 45, 50, 56], n_users), "o": rng.integers(0, 21, n_users),
                          "z": rng.integers(0, 100_000, n_users)})
    (users.u.astype(str) + "::" + users.g + "::" + users.a.astype(str) + "::" + users.o.astype(str) + "::"
     + users.z.astype(str).str.zfill(5)).to_frame().to_csv(folder / "users.dat", header=False, index=False)
    movies = pd.Series(np.arange(1, n_movies + 1)).astype(str)
    (movies + "::Movie " + movies + " (1999)::Drama|Comedy").to_frame().to_csv(
        folder / "movies.dat", header=False, index=False)
    with open(folder / "ratings.dat", "w") as out:
        for start in range(0, n_ratings, 2_000_000):
            n = min(2_000_000, n_ratings - start)
            movie = np.minimum(rng.zipf(1.3, n), n_movies)
            lines = (pd.Series(rng.integers(1, n_users + 1, n)).astype(str) + "::" + pd.Series(movie).astype(str)
                     + "::" + pd.Series(rng.integers(1, 6, n)).astype(str) + "::"
                     + pd.Series(rng.integers(956_703_932, 1_046_454_590, n)).astype(str))
            bad = rng.random(n) < 0.001
            lines[bad] = lines[bad].str.replace("::", ",", n=1, regex=False)
            out.write("\n".join(lines) + "\n")
            log.info("  wrote %d of %d ratings", start + n, n_ratings)


def movie_counts(rng: np.random.Generator, n_ratings: int, n_movies: int, cap: int) -> np.ndarray:
    """Ratings per movie summing to ``n_ratings``: lognormal popularity (the original's mean is ten times
    its median), no movie above ``cap`` (the excess goes to the others, in proportion)."""
    weights = rng.lognormal(0.0, 2.1, n_movies)
    counts = rng.multinomial(n_ratings, weights / weights.sum())
    while (excess := int(np.maximum(counts - cap, 0).sum())) > 0:
        counts = np.minimum(counts, cap)
        room = np.where(counts < cap, weights, 0.0)
        counts += rng.multinomial(excess, room / room.sum())
    return counts


def write_netflix(folder: Path, n_ratings: int, seed: int = 0) -> None:
    """The Netflix Prize's Kaggle layout: movie_titles.csv and four combined_data_<i>.txt files of
    ``movie_id:`` blocks of ``user_id,rating,YYYY-MM-DD`` lines; ~n_ratings ratings over the original's
    480,189 users and 17,770 movies (fewer for small sizes), Zipf movie popularity, 0.1% bad lines."""
    rng = np.random.default_rng(seed)
    n_users = min(NETFLIX_USERS, max(1_000, n_ratings // 208))
    n_movies = min(NETFLIX_MOVIES, max(500, n_ratings // 5_600))
    folder.mkdir(parents=True, exist_ok=True)
    years = rng.integers(1915, 2006, n_movies).astype(str)
    years[rng.random(n_movies) < 0.001] = "NULL"
    titles = pd.Series(np.arange(1, n_movies + 1)).astype(str)
    (titles + "," + years + ",Movie " + titles + ", Part " + pd.Series(rng.integers(1, 4, n_movies)).astype(str)
     ).to_frame().to_csv(folder / "movie_titles.csv", header=False, index=False, encoding="latin-1")
    days = pd.date_range("1999-11-11", "2005-12-31").strftime("%Y-%m-%d").to_numpy()
    counts = movie_counts(rng, n_ratings, n_movies, cap=n_users // 2)
    written = 0
    for part, movies in enumerate(np.array_split(np.arange(n_movies), NETFLIX_FILES), 1):
        with open(folder / f"combined_data_{part}.txt", "w", encoding="latin-1") as out:
            for m in movies:
                # distinct users: draw enough that the expected number of distinct ones is the count
                draws = int(-n_users * np.log1p(-counts[m] / n_users))
                users = np.unique(rng.integers(1, n_users + 1, draws))
                block = pd.DataFrame({"u": users, "r": rng.integers(1, 6, len(users)),
                                      "d": days[rng.integers(0, len(days), len(users))]})
                out.write(f"{m + 1}:\n")
                if rng.random() < 0.05:
                    out.write(f"{users[0]},9,2005-01-01\n{users[0]},3\n")  # out of range; a missing field
                block.to_csv(out, header=False, index=False)
                written += len(block)
            log.info("  wrote combined_data_%d.txt (%d ratings so far of ~%d)", part, written, n_ratings)


WRITERS = {"ml-1m": (write_movielens, ["users.dat", "movies.dat", "ratings.dat"]),
           "netflix": (write_netflix, ["movie_titles.csv", *(f"combined_data_{i}.txt" for i in range(1, 5))])}


def stage(lake: Path, dataset: str, folder: Path, names: list[str]) -> None:
    target = lake / layout.raw_prefix(dataset, DS)
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        os.link(folder / name, target / name) if (folder / name).stat().st_dev == target.stat().st_dev \
            else shutil.copy(folder / name, target / name)
    (target / layout.RAW_MANIFEST).write_text(json.dumps({"files": {n: {} for n in names}}))


def bench(spark, dataset: str, n_ratings: int, work: Path, books: Path) -> list[dict]:
    from spark.jobs import clean_sources

    data, lake = work / f"{dataset}-{n_ratings}", work / f"lake-{n_ratings}"
    write, files = WRITERS[dataset]
    log.info("generating %d ratings in the %s format", n_ratings, dataset)
    write(data, n_ratings)
    stage(lake, dataset, data, files)
    stage(lake, "goodbooks-10k", books, ["books.csv", "tags.csv", "book_tags.csv"])
    memory, rows = MemorySampler(), []

    def on_table(table, counts, seconds):
        rows.append({"dataset": dataset, "ratings_size": n_ratings, "table": table, "rows_in": counts.rows_in, "seconds": round(seconds, 2),
                     "rows_per_s": round(counts.rows_in / seconds) if seconds else None,
                     "peak_rss_mb": round(memory.take() / 2**20), "rows_quarantined": counts.rows_quarantined,
                     "rows_deduplicated": counts.rows_deduplicated})

    started = time.monotonic()
    clean_sources.run(spark, f"file://{lake}", DS, dataset, "goodbooks-10k", 1.0, on_table=on_table)
    memory.stop()
    rows.append({"dataset": dataset, "ratings_size": n_ratings, "table": "(whole job)", "rows_in": sum(r["rows_in"] for r in rows),
                 "seconds": round(time.monotonic() - started, 2), "rows_per_s": None,
                 "peak_rss_mb": max(r["peak_rss_mb"] for r in rows), "rows_quarantined": None,
                 "rows_deduplicated": None})
    shutil.rmtree(data)
    shutil.rmtree(lake)
    return rows


def markdown(rows: list[dict], meta: dict) -> str:
    lines = [f"# Clean job benchmark ({meta['spark_master']}, {meta['cpus']} CPUs, driver memory "
             f"{meta['driver_memory']})", "",
             "| format | ratings | table | rows in | seconds | rows/s | peak RSS MB |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for r in rows:
        rate = "" if r["rows_per_s"] is None else f"{r['rows_per_s']:,}"
        lines.append(f"| {r['dataset']} | {r['ratings_size']:,} | {r['table']} | {r['rows_in']:,} | {r['seconds']} | {rate} | "
                     f"{r['peak_rss_mb']:,} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ratings", type=int, nargs="*", default=[1_000_000, 10_000_000],
                        help="sizes in the MovieLens-1M format")
    parser.add_argument("--netflix", type=int, nargs="*", default=[], help="sizes in the Netflix Prize format")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="3g")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--name", default="clean_benchmark", help="report file name (without extension)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(args.master).appName("clean_benchmark")
             .config("spark.driver.memory", args.driver_memory).config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.shuffle.partitions", "8").config("spark.ui.enabled", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    meta = {"spark_master": args.master, "driver_memory": args.driver_memory, "cpus": os.cpu_count(),
            "python": platform.python_version(), "spark": spark.version, "machine": platform.machine()}
    rows = []
    with tempfile.TemporaryDirectory(prefix="clean-bench-") as tmp:
        work = Path(tmp)
        generate_sample(work / "sample", scale=1.0, seed=42)
        for dataset, sizes in (("ml-1m", args.ratings), ("netflix", args.netflix)):
            for n in sizes:
                rows += bench(spark, dataset, n, work, work / "sample" / "goodbooks")
    spark.stop()
    write_report(args.out, args.name, {"meta": meta, "rows": rows}, markdown(rows, meta))


if __name__ == "__main__":
    main()

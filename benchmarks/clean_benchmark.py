"""Benchmark the clean job: synthetic MovieLens-1M-format ratings at several sizes.

For each size it writes users/movies/ratings files (with duplicates and a few bad
lines), runs the real clean job on a local file:// lake, and reports per table the
rows in, seconds, rows/s and the peak memory (driver + Spark JVM resident set).

    python benchmarks/clean_benchmark.py --ratings 1000000 10000000

Prints a table and writes benchmarks/results/clean_benchmark.{json,md}.
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
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

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


class PeakMemory:
    """Samples the resident memory of this process and its children (the Spark JVM) every 0.2 s."""

    def __init__(self):
        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        me = psutil.Process()
        while not self._stop.wait(0.2):
            try:
                rss = me.memory_info().rss + sum(c.memory_info().rss for c in me.children(recursive=True))
            except psutil.Error:
                continue
            self.peak = max(self.peak, rss)

    def take(self) -> int:
        """Peak since the last call (then start over)."""
        peak, self.peak = self.peak, 0
        return peak

    def stop(self):
        self._stop.set()


def stage(lake: Path, dataset: str, folder: Path, names: list[str]) -> None:
    target = lake / layout.raw_prefix(dataset, DS)
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        os.link(folder / name, target / name) if (folder / name).stat().st_dev == target.stat().st_dev \
            else shutil.copy(folder / name, target / name)
    (target / layout.RAW_MANIFEST).write_text(json.dumps({"files": {n: {} for n in names}}))


def bench(spark, n_ratings: int, work: Path, books: Path) -> list[dict]:
    from spark.jobs import clean_sources

    data, lake = work / f"ml-{n_ratings}", work / f"lake-{n_ratings}"
    log.info("generating %d ratings", n_ratings)
    write_movielens(data, n_ratings)
    stage(lake, "ml-1m", data, ["users.dat", "movies.dat", "ratings.dat"])
    stage(lake, "goodbooks-10k", books, ["books.csv", "tags.csv", "book_tags.csv"])
    memory, rows = PeakMemory(), []

    def on_table(table, counts, seconds):
        rows.append({"ratings_size": n_ratings, "table": table, "rows_in": counts.rows_in, "seconds": round(seconds, 2),
                     "rows_per_s": round(counts.rows_in / seconds) if seconds else None,
                     "peak_rss_mb": round(memory.take() / 2**20), "rows_quarantined": counts.rows_quarantined,
                     "rows_deduplicated": counts.rows_deduplicated})

    started = time.monotonic()
    clean_sources.run(spark, f"file://{lake}", DS, "ml-1m", "goodbooks-10k", 1.0, on_table=on_table)
    memory.stop()
    rows.append({"ratings_size": n_ratings, "table": "(whole job)", "rows_in": sum(r["rows_in"] for r in rows),
                 "seconds": round(time.monotonic() - started, 2), "rows_per_s": None,
                 "peak_rss_mb": max(r["peak_rss_mb"] for r in rows), "rows_quarantined": None,
                 "rows_deduplicated": None})
    shutil.rmtree(data)
    shutil.rmtree(lake)
    return rows


def markdown(rows: list[dict], meta: dict) -> str:
    lines = [f"# Clean job benchmark ({meta['spark_master']}, {meta['cpus']} CPUs, driver memory "
             f"{meta['driver_memory']})", "",
             "| ratings | table | rows in | seconds | rows/s | peak RSS MB |", "|---:|---|---:|---:|---:|---:|"]
    for r in rows:
        rate = "" if r["rows_per_s"] is None else f"{r['rows_per_s']:,}"
        lines.append(f"| {r['ratings_size']:,} | {r['table']} | {r['rows_in']:,} | {r['seconds']} | {rate} | "
                     f"{r['peak_rss_mb']:,} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ratings", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="3g")
    parser.add_argument("--out", type=Path, default=RESULTS)
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
        for n in args.ratings:
            rows += bench(spark, n, work, work / "sample" / "goodbooks")
    spark.stop()
    report = markdown(rows, meta)
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "clean_benchmark.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    (args.out / "clean_benchmark.md").write_text(report)
    print(f"wrote {args.out / 'clean_benchmark.json'} and {args.out / 'clean_benchmark.md'}")


if __name__ == "__main__":
    main()

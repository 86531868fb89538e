"""Change data benchmark: a day with a small share of changed rows, extracted and merged, against a full
reload of the same day, on the application database (``dataset=app-db``).

It seeds the application database with generated ratings (MovieLens-1M format) in services of its own,
runs the ``ingest_raw`` and ``clean`` stages for a first day (full load), changes ``--changed`` of the
feedback rows (updates, inserts, deletes), runs the next day (the changes merged onto the day before),
then reloads everything for a third day (watermark cleared: a full load of the same state) and checks
that both give the same ratings. Reports wall time and peak memory (the process and its Spark JVM) of
each stage.

    python benchmarks/cdc_benchmark.py --ratings 1000000 --changed 0.01

Prints a table and writes benchmarks/results/cdc_benchmark.{json,md}.
"""
from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

from benchmarks.memory import MemorySampler  # noqa: E402
from benchmarks.results_io import write_report  # noqa: E402

DAYS = ("2026-02-01", "2026-02-02", "2026-02-03")
PORTS = {"RECSYS_PG_PORT": "5703", "RECSYS_MOTO_PORT": "5303", "RECSYS_UI_PORT": "8304"}
log = logging.getLogger("cdc_benchmark")


def change_rows(settings, share: float) -> dict[str, int]:
    """Change ``share`` of the feedback rows in one transaction: half updated, 40% new, 10% deleted."""
    from recsys.local.app_db_seed import connect

    conn = connect(settings)
    with conn, conn.cursor() as cur:
        cur.execute("select count(*) from app.feedback")
        n = round(cur.fetchone()[0] * share)
        wanted = {"updated": n // 2, "inserted": n * 2 // 5, "deleted": n - n // 2 - n * 2 // 5}
        counts = {}
        cur.execute("update app.feedback set value = 6 - value, occurred_at = now() where feedback_id in "
                    "(select feedback_id from app.feedback order by md5(feedback_id::text) limit %s)",
                    (wanted["updated"],))
        counts["updated"] = cur.rowcount
        cur.execute("insert into app.feedback (user_id, movie_id, event_type, value) "
                    "select u.user_id, m.movie_id, 'rating', 1 + (u.user_id + m.movie_id) %% 5 from "
                    "(select user_id, row_number() over (order by md5(user_id::text)) as i from app.users) u join "
                    "(select movie_id, row_number() over (order by md5(movie_id::text)) as i from app.movies) m "
                    "on (u.i * 7 + m.i) %% 97 = 0 limit %s", (wanted["inserted"],))
        counts["inserted"] = cur.rowcount
        cur.execute("delete from app.feedback where feedback_id in (select feedback_id from app.feedback "
                    "order by md5(feedback_id::text || 'd') limit %s)", (wanted["deleted"],))
        counts["deleted"] = cur.rowcount
    conn.close()
    return counts


def timed_day(settings, ds: str, memory: MemorySampler) -> dict:
    """ingest_raw and clean of ``ds``: seconds, peak memory and rows."""
    from recsys import stages

    out = {}
    for stage, call in (("extract", lambda: stages.ingest_raw(settings, ds, {"app-db": "", "sample-goodbooks": ""})),
                        ("clean", lambda: stages.clean(settings, ds, "app-db", "sample-goodbooks", 1.0))):
        memory.take()
        began = time.monotonic()
        result = call()
        out[stage] = {"seconds": round(time.monotonic() - began, 1), "peak_rss_mb": round(memory.take() / 2**20)}
        if stage == "extract":
            out[stage]["rows"] = sum(result["app-db"]["rows"].values())
        else:
            out[stage]["tables"] = {t: {k: c[k] for k in ("rows_in", "rows_clean", "rows_quarantined",
                                                          "rows_deduplicated", "rows_state")}
                                    for t, c in result["tables"].items() if t in ("users", "movies", "feedback", "ratings")}
    log.info("ds=%s: %s", ds, {k: v["seconds"] for k, v in out.items()})
    return out


def ratings_fingerprint(settings, ds: str) -> tuple[int, int]:
    """(rows, order-free checksum) of the clean ratings of ``ds``."""
    from recsys.backends import s3_hook
    from recsys.lake_io import read_parquet
    from spark.cleaning import lake

    table = read_parquet(s3_hook(settings), settings.lake_bucket, lake.clean_prefix("ratings", ds)).to_pandas()
    keys = table["user_id"] * 1_000_003 + table["movie_id"] * 7 + (table["rating"] * 2).astype(int)
    return len(table), int(keys.sum() % (2**61 - 1))


def markdown(result: dict) -> str:
    lines = [f"# Change data benchmark: {result['ratings']:,} ratings, {result['changed_share']:.0%} of the "
             f"feedback changed", "", f"{result['machine']}, {result['date']}", "",
             "| day | rows extracted | extract s | clean s | whole day s | peak RSS (MB) |",
             "|---|---:|---:|---:|---:|---:|"]
    for what, day in result["days"].items():
        lines.append(f"| {what} | {day['extract']['rows']:,} | {day['extract']['seconds']} | "
                     f"{day['clean']['seconds']} | {round(day['extract']['seconds'] + day['clean']['seconds'], 1)} | "
                     f"{max(day['extract']['peak_rss_mb'], day['clean']['peak_rss_mb'])} |")
    lines += ["", f"Changes between the first two days: {result['changes']}. The merged day and the full reload "
              f"give the same clean ratings: {result['same_ratings']} ({result['ratings_after']:,} rows).", "",
              "Accounting of the merged day (in = applied + quarantined + superseded):", "",
              "| table | in | applied | quarantined | superseded | rows after |", "|---|---:|---:|---:|---:|---:|"]
    for table, c in result["accounting"].items():
        after = "-" if c["rows_state"] is None else f"{c['rows_state']:,}"
        lines.append(f"| {table} | {c['rows_in']:,} | {c['rows_clean']:,} | {c['rows_quarantined']:,} | "
                     f"{c['rows_deduplicated']:,} | {after} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--changed", type=float, default=0.01, help="share of the feedback rows changed")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from recsys.local.sample_data import generate_sample, scale_for_ratings

    state = ROOT / ".state" / "bench-cdc"
    shutil.rmtree(state, ignore_errors=True)
    os.environ.update({**PORTS, "RECSYS_STATE_DIR": str(state), "RECSYS_DATASET": "app-db",
                       "RECSYS_SAMPLE_SCALE": f"{scale_for_ratings(args.ratings):.4f}"})
    from recsys.backends import s3_hook
    from recsys.local import services
    from recsys.local.app_db_seed import seed
    from recsys.local.env import airflow_env
    from recsys.settings import Settings
    from spark.cleaning import lake

    settings = Settings()
    os.environ.update(airflow_env(settings))
    services.up(settings)
    memory = MemorySampler(interval=0.5)
    try:
        generate_sample(settings.sample_dir, scale=settings.sample_scale, seed=settings.sample_seed)
        began = time.monotonic()
        seeded = seed(settings, settings.sample_dir / "movielens")
        log.info("seeded %s in %.0fs", seeded, time.monotonic() - began)
        days = {"first day: full load": timed_day(settings, DAYS[0], memory)}
        changes = change_rows(settings, args.changed)
        days["next day: the changes merged"] = merged = timed_day(settings, DAYS[1], memory)
        s3_hook(settings).delete_objects(bucket=settings.lake_bucket, keys=[lake.app_db_watermark_key()])
        days["the same state reloaded in full"] = timed_day(settings, DAYS[2], memory)
        after = ratings_fingerprint(settings, DAYS[1])
        result = {"ratings": seeded["ratings"], "changed_share": args.changed, "seeded": seeded, "changes": changes,
                  "days": days, "accounting": merged["clean"]["tables"], "ratings_after": after[0],
                  "same_ratings": after == ratings_fingerprint(settings, DAYS[2]),
                  "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                  "date": datetime.now().isoformat(timespec="minutes")}
    finally:
        memory.stop()
        services.wipe(settings)  # stops the services, removes the state and the database's runtime folder
    write_report(args.out, "cdc_benchmark", result, markdown(result))


if __name__ == "__main__":
    main()

"""Serving benchmark: versioned publish throughput and API latency at a fixed request rate, on loopback.

Everything runs on this machine against a moto server of its own (DynamoDB and S3 APIs): the
recommendations of every ML-100K user (random lists: this measures serving, not quality) and
every segment are published as a version, then the API (``python -m recsys.local.cli api``,
uvicorn, one process) is sent requests at a fixed rate, open loop (each request is due at its
slot; latency counts from the slot, so a server falling behind shows it):

* ``GET /v1/users/{id}/recommendations`` for known users,
* ``POST /v1/recommendations`` with demographics only, and with five ratings (fold-in),
* as the ceiling, a bare boto3 ``GetItem`` loop on the same items at the same rate.

Publish is compared with a bare boto3 ``batch_writer`` writing the same items.

    python benchmarks/serving_benchmark.py --data ../shared/data/ml-100k --rates 200 40 --seconds 15

Prints a table and writes benchmarks/results/serving_benchmark.{json,md}.
"""
from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import platform
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import boto3
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

from benchmarks.ml100k import load_ml100k  # noqa: E402
from benchmarks.results_io import write_report  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
RUN_ID, DS = "benchmark-run", "2026-01-01"
WORKERS = 16  # connections the load generator keeps open


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def records(data, rng: np.random.Generator) -> list[dict]:
    """One item per user and per segment (the full gender x age x occupation grid and its backoffs)."""
    from training.pipeline import segment_key, segments

    movies = data.items[["movie_id", "title"]].to_dict("records")
    books = [{"book_id": b, "title": f"Book {b}", "authors": "A. Author", "score": 1.0} for b in range(1, 101)]

    def lists() -> dict:
        picked = rng.choice(len(movies), 10, replace=False)
        return {"movies": [{**movies[i], "score": float(10 - r)} for r, i in enumerate(picked)],
                "books": [books[i] for i in rng.choice(len(books), 5, replace=False)]}

    users = [{"user_id": int(u), "served_by": "benchmark", **lists()} for u in data.users["user_id"]]
    segs = [{"user_id": segment_key(*seg), "segment": dict(zip(("gender", "age_bucket", "occupation"), seg)),
             "cold_start_model": "benchmark", **lists()} for seg in segments(data.users).itertuples(index=False)]
    return users + segs


def bench_publish(settings, items: list[dict], rounds: int = 5) -> dict:
    """Items/s of the versioned publish (its items and version record) and of a bare boto3 batch writer on the
    same items, ``rounds`` times each, alternating which goes first (moto's speed drifts); the median of each
    counts. The pointer switch is timed apart: moto copies every table for each transaction, so there it grows
    with the table, where DynamoDB's does not."""
    from recsys.backends import dynamodb
    from recsys.serving import publish, versions

    resource = dynamodb(settings)
    table = publish.ensure_table(resource, settings.recs_table)
    bare_table = publish.ensure_table(resource, settings.recs_table + "-bare")
    expires_at = int(time.time()) + 7 * 86_400  # bare items kept as long as the versioned ones

    switch = []

    def versioned(r: int) -> float:
        run_id = RUN_ID if r == rounds - 1 else f"{RUN_ID}-{r}"  # the last one stays live for the API
        started = time.perf_counter()
        publish.publish_version(resource, settings.recs_table, items, run_id, DS, retention_days=7)
        written = time.perf_counter()
        versions.switch_live(table, run_id)
        switch.append(time.perf_counter() - written)
        return written - started

    def bare(r: int) -> float:
        started = time.perf_counter()  # the same conversion to DynamoDB types, then boto3's own batching
        with bare_table.batch_writer() as writer:
            for record in items:
                writer.put_item(Item=publish.to_item(record, f"bare-{r}", expires_at))
        return time.perf_counter() - started

    times = {"versioned": [], "bare": []}
    for r in range(rounds):
        for name, run in ((("versioned", versioned), ("bare", bare)) if r % 2 == 0 else
                          (("bare", bare), ("versioned", versioned))):
            times[name].append(run(r))
    median = {name: float(np.median(t)) for name, t in times.items()}
    return {"items": len(items), "rounds": rounds, "seconds": times, "switch_seconds": switch,
            "versioned_items_per_s": len(items) / median["versioned"], "bare_items_per_s": len(items) / median["bare"],
            "ratio": median["bare"] / median["versioned"]}


@dataclasses.dataclass
class Scenario:
    name: str
    request: callable  # (connection, i) -> status


def fixed_rate(scenario: Scenario, connect, rate: float, seconds: float) -> dict:
    """Send ``rate`` requests a second for ``seconds`` (open loop); latencies from each request's slot.
    Each worker thread opens its connection (``connect()``) before the first slot."""
    slots: queue.Queue = queue.Queue()
    latencies, errors, lock = [], [0], threading.Lock()
    ready = threading.Barrier(WORKERS + 1)

    def worker():
        conn = connect()
        ready.wait()
        while (item := slots.get()) is not None:
            i, due = item
            time.sleep(max(0.0, due - time.perf_counter()))
            try:
                ok = scenario.request(conn, i)
            except (OSError, http.client.HTTPException):
                conn, ok = connect(), False
            took = time.perf_counter() - due
            with lock:
                latencies.append(took)
                errors[0] += not ok

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    ready.wait()
    start, n = time.perf_counter() + 0.2, int(rate * seconds)
    for i in range(n):
        slots.put((i, start + i / rate))
    for _ in threads:
        slots.put(None)
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    ms = np.array(latencies) * 1000
    return {"scenario": scenario.name, "requests": n, "achieved_rps": n / elapsed, "errors": errors[0],
            "p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)),
            "max_ms": float(ms.max())}


def api_scenarios(data, key: str, rng: np.random.Generator) -> list[Scenario]:
    users = data.users["user_id"].to_numpy()
    popular = data.interactions.groupby("movie_id").size().sort_values(ascending=False).index[:50].to_numpy()
    people = data.users[["gender", "age_bucket", "occupation"]].to_dict("records")
    headers = {"X-API-Key": key, "content-type": "application/json"}

    def call(conn, method, path, body=None) -> bool:
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status == 200

    def get_user(conn, i):
        return call(conn, "GET", f"/v1/users/{users[i % len(users)]}/recommendations")

    def post_demographics(conn, i):
        return call(conn, "POST", "/v1/recommendations", people[i % len(people)])

    def post_ratings(conn, i):
        rated = rng.choice(popular, 5, replace=False)
        return call(conn, "POST", "/v1/recommendations",
                    {**people[i % len(people)], "ratings": [{"movie_id": int(m), "rating": 5} for m in rated]})

    return [Scenario("GET known user", get_user), Scenario("POST demographics only", post_demographics),
            Scenario("POST with 5 ratings (fold-in)", post_ratings)]


def markdown(result: dict) -> str:
    p = result["publish"]
    lines = ["# Serving benchmark", "",
             f"{result['meta']['cpus']} cores, everything on loopback: moto server (DynamoDB, S3), the API (one "
             f"uvicorn process), the load generator ({WORKERS} keep-alive connections, open loop, "
             f"{result['meta']['seconds']:g} s per scenario and rate; latency counts from each request's slot).", "",
             "| rate req/s | scenario | requests | achieved req/s | errors | p50 ms | p99 ms | max ms | p99 / ceiling p99 |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for rate in result["meta"]["rates"]:
        rows = [r for r in result["latency"] if r["rate"] == rate]
        ceiling = next(r for r in rows if r["scenario"].startswith("ceiling"))["p99_ms"]
        lines += [f"| {rate:g} | {r['scenario']} | {r['requests']} | {r['achieved_rps']:.0f} | {r['errors']} | "
                  f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.1f} | {r['p99_ms'] / ceiling:.1f}x |"
                  for r in rows]
    lines += ["", f"| publish ({p['rounds']} rounds each, alternating which goes first; median) | items | items/s |", "|---|---:|---:|",
              f"| versioned publish (items + version record) | {p['items']} | {p['versioned_items_per_s']:.0f} |",
              f"| bare boto3 batch_writer | {p['items']} | {p['bare_items_per_s']:.0f} |", "",
              f"Versioned publish writes at {p['ratio']:.2f}x the bare batch writer. The pointer switch (one "
              f"transaction) took {min(p['switch_seconds']):.2f}-{max(p['switch_seconds']):.2f} s: moto copies every "
              f"table for a transaction, so it grows with the versions kept; in DynamoDB it is one small write."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="a MovieLens-100K folder")
    parser.add_argument("--rates", type=float, nargs="+", default=[200.0, 40.0],
                        help="requests/s: the target, and one the moto server itself sustains")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    state = Path(tempfile.mkdtemp(prefix="serving-bench-"))
    os.environ.update({"RECSYS_STATE_DIR": str(state), "RECSYS_MOTO_PORT": str(_free_port()),
                       "RECSYS_API_PORT": str(_free_port()), "RECSYS_LAKE_BUCKET": "bench-lake",
                       "RECSYS_RECS_TABLE": "bench-recs", "RECSYS_API_KEYS_TABLE": "bench-keys"})
    from recsys.local import services
    from recsys.local.env import airflow_env
    from recsys.settings import get_settings

    settings = get_settings()
    os.environ.update(airflow_env(settings))
    services.start_moto(settings)
    api = None
    try:
        from recsys.api import keys
        from recsys.backends import dynamodb, lake_hook
        from recsys.serving.catalogue import write_api_files

        data = load_ml100k(args.data)
        items = records(data, rng)
        publish = bench_publish(settings, items)
        print(f"publish: {publish}", flush=True)
        write_api_files(lake_hook(settings), settings.lake_bucket, RUN_ID, data)
        key = keys.create_key(keys.ensure_table(dynamodb(settings), settings.api_keys_table), "benchmark",
                              requests_per_minute=10_000_000)
        api = subprocess.Popen([sys.executable, "-m", "recsys.local.cli", "api"], env=os.environ.copy(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not services.answers(f"http://127.0.0.1:{settings.api_port}/v1/health"):
            if time.monotonic() > deadline or api.poll() is not None:
                raise RuntimeError("the API did not start")
            time.sleep(0.2)
        latency = []
        connect_api = lambda: http.client.HTTPConnection("127.0.0.1", settings.api_port, timeout=10)  # noqa: E731
        for rate in args.rates:
            for scenario in api_scenarios(data, key, rng):
                latency.append({"rate": rate, **fixed_rate(scenario, connect_api, rate, args.seconds)})
                print(latency[-1], flush=True)
        users = data.users["user_id"].astype(str).to_numpy()

        def table_of_thread():  # one boto3 resource per worker thread (they are not thread-safe), made up front
            return boto3.resource("dynamodb", endpoint_url=settings.moto_endpoint,
                                  region_name=settings.aws_region).Table(settings.recs_table)

        def get_item(table, i):
            return "Item" in table.get_item(Key={"user_id": users[i % len(users)], "version": RUN_ID})

        for rate in args.rates:
            latency.append({"rate": rate, **fixed_rate(Scenario("ceiling: bare boto3 GetItem", get_item),
                                                       table_of_thread, rate, args.seconds)})
            print(latency[-1], flush=True)
    finally:
        if api is not None:
            api.terminate()
            api.wait(10)
        services.stop_moto(settings)
    meta = {"cpus": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine(),
            "rates": args.rates, "seconds": args.seconds}
    result = {"meta": meta, "publish": publish, "latency": latency}
    report = markdown(result)
    write_report(args.out, "serving_benchmark", result, report)


if __name__ == "__main__":
    main()

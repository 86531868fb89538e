"""Scaling benchmark: the whole daily DAG, raw files to DynamoDB, on generated data at several sizes.

For each size it generates the sample (MovieLens-1M format; see
:meth:`recsys.local.sample_data.SampleSize.for_scale` for the users and movies at each
size), starts the local services in a state folder of its own, runs ``airflow dags test
recsys_daily`` for a day (a full evaluation of every model) and the next (a refit day) and
reports per task the wall time and the peak resident memory of the whole process tree (the
task process, Spark's JVM, dbt), with the run's NDCG@10 and its train-stage cost per step.
The services (moto server, PostgreSQL) are not counted.

    python benchmarks/scale_benchmark.py --ratings 100000 1000000 10000000

Prints a table and writes benchmarks/results/scale_benchmark.{json,md} and
scale_benchmark.png (time against ratings per task, log-log).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

from benchmarks.memory import MemorySampler  # noqa: E402
from benchmarks.results_io import write_report  # noqa: E402

DS, NEXT_DS = "2026-01-01", "2026-01-02"  # a full evaluation, then a refit day (full_evaluation_every_days)
RESULTS = ROOT / "benchmarks" / "results"
VENV_BIN = Path(sys.executable).parent
# Ports of the benchmark's own services, apart from the demo's and the tests'.
PORTS = {"RECSYS_PG_PORT": "5701", "RECSYS_MOTO_PORT": "5301", "RECSYS_UI_PORT": "8301",
         "RECSYS_DBT_DOCS_PORT": "8302", "RECSYS_API_PORT": "8303"}
log = logging.getLogger("scale_benchmark")


def _run(cmd: list[str], env: dict, log_file: Path) -> None:
    with open(log_file, "w") as out:
        proc = subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed ({proc.returncode}); see {log_file}")


def task_times(env: dict) -> list[dict]:
    """The run's task instances (start, end) from the Airflow metadata database, in start order."""
    query = ("import json\n"
             "from airflow.models.taskinstance import TaskInstance as TI\n"
             "from airflow.utils.session import create_session\n"
             "with create_session() as s:\n"
             "    rows = s.query(TI.task_id, TI.start_date, TI.end_date, TI.state).filter(TI.dag_id == 'recsys_daily')\n"
             "    print(json.dumps([[r[0], r[1].timestamp(), r[2].timestamp(), str(r[3])] for r in rows if r[1]]))\n")
    out = subprocess.run([str(VENV_BIN / "python"), "-c", query], env=env, capture_output=True, text=True, check=True)
    rows = json.loads(out.stdout.strip().splitlines()[-1])
    return sorted(({"task": t, "start": s, "end": e, "state": st} for t, s, e, st in rows), key=lambda r: r["start"])


def model_metrics(settings, ds: str) -> dict:
    """The day's model run: its published model's protocol A NDCG@10 (with its interval) and train cost."""
    from recsys import backends
    from recsys.serving import registry
    from recsys.serving.signing import signing_key

    s3 = backends.s3_hook(settings)
    run_id = registry.runs_of_day(s3, settings.lake_bucket, signing_key(settings), ds)[-1]
    metrics = registry.load_metrics(s3, settings.lake_bucket, signing_key(settings), run_id)
    chosen = metrics["published_model"]
    warm = metrics["protocols"]["A"]
    return {"published_model": chosen, "ndcg@10": warm[chosen]["ndcg@10"],
            "ndcg@10_ci95": warm[chosen].get("ndcg@10_ci95"), "n_test_users": warm[chosen]["n_test_users"],
            "peers_ndcg@10": {n: round(m["ndcg@10"], 4) for n, m in warm.items()},
            "cold_start_model": metrics["cold_start"]["model"], "evaluation": metrics["evaluation"]["kind"],
            "train_seconds": metrics.get("seconds", {}), "train_peak_mb": metrics.get("peak_mb", {})}


def dag_run(ds: str, env: dict, log_file: Path, settings, lightfm_threads: int) -> dict:
    """``airflow dags test`` of ``ds``, measured: wall time, peak memory, each task's time and memory, the model."""
    log.info("ds %s: running the DAG (log: %s)", ds, log_file)
    with open(log_file, "w") as out:
        began = time.time()
        proc = subprocess.Popen([str(VENV_BIN / "airflow"), "dags", "test", "recsys_daily", ds, "--conf",
                                 json.dumps({"lightfm_threads": lightfm_threads})], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
        memory = MemorySampler(proc.pid, interval=0.5)
        code = proc.wait()
        ended = time.time()
        memory.stop()
    if code:
        raise RuntimeError(f"the DAG failed for ds {ds}; see {log_file}")
    tasks = [{"task": t["task"], "state": t["state"], "seconds": round(t["end"] - t["start"], 1),
              "peak_rss_mb": round(memory.peak(t["start"], t["end"]) / 2**20)}
             for t in task_times(env) if t["start"] >= began]  # this run's tasks, not an earlier day's
    return {"wall_seconds": round(ended - began, 1), "peak_rss_mb": round(memory.peak() / 2**20), "tasks": tasks,
            "model": model_metrics(settings, ds)}


def bench(n_ratings: int, work: Path, lightfm_threads: int = 1) -> dict:
    """Generate, start the services, run the DAG for a day (a full evaluation) and the next (a refit day, on the
    same files) and measure both; the state is removed afterwards."""
    from recsys.local.env import airflow_env
    from recsys.local.sample_data import SampleSize, generate_sample, scale_for_ratings

    state = work / f"ratings-{n_ratings}"
    shutil.rmtree(state, ignore_errors=True)
    scale = scale_for_ratings(n_ratings)
    size = SampleSize.for_scale(scale)
    env = {**os.environ, **PORTS, "RECSYS_STATE_DIR": str(state), "RECSYS_SAMPLE_SCALE": f"{scale:.4f}"}
    os.environ.update(env)
    from recsys.settings import Settings

    settings = Settings()
    env.update(airflow_env(settings))
    os.environ.update(env)
    started = time.monotonic()
    counts = generate_sample(settings.sample_dir, scale=settings.sample_scale, seed=settings.sample_seed)
    log.info("%d ratings: generated %s in %.0fs", n_ratings, counts, time.monotonic() - started)
    logs = work / f"logs-{n_ratings}"  # beside the state folder, which is wiped at the end (and on failure)
    logs.mkdir(parents=True, exist_ok=True)
    cli = [str(VENV_BIN / "python"), "-m", "recsys.local.cli"]
    _run([*cli, "up"], env, logs / "up.log")
    try:
        _run([str(VENV_BIN / "airflow"), "db", "migrate"], env, logs / "migrate.log")
        result = {"ratings": counts["ratings.dat"], "users": size.users, "movies": size.movies,
                  "lightfm_threads": lightfm_threads, "date": datetime.now().strftime("%Y-%m-%d"),
                  **dag_run(DS, env, logs / "dag.log", settings, lightfm_threads)}
        result["refit_day"] = dag_run(NEXT_DS, env, logs / "dag-next-day.log", settings, lightfm_threads)
    finally:
        _run([*cli, "wipe"], env, logs / "wipe.log")
    log.info("%d ratings: %.0fs wall (the next day %.0fs), peak %d MB, ndcg@10 %.4f", n_ratings,
             result["wall_seconds"], result["refit_day"]["wall_seconds"], result["peak_rss_mb"],
             result["model"]["ndcg@10"])
    return result


def _stage(task: str) -> str:
    """A task's stage: cosmos's dbt tasks (``<group>.<node>``) by group, every other task as itself."""
    return f"{task.split('.')[0]} (all dbt nodes)" if "." in task else task


def stage_seconds(result: dict) -> dict[str, float]:
    """Seconds per stage (a dbt group's tasks summed)."""
    out: dict[str, float] = {}
    for t in result["tasks"]:
        out[_stage(t["task"])] = round(out.get(_stage(t["task"]), 0.0) + t["seconds"], 1)
    return out


def stage_peaks(result: dict) -> dict[str, int]:
    """Peak resident MB per stage (a dbt group's highest task)."""
    out: dict[str, int] = {}
    for t in result["tasks"]:
        out[_stage(t["task"])] = max(out.get(_stage(t["task"]), 0), t["peak_rss_mb"])
    return out


def plot(results: list[dict], path: Path) -> None:
    """Wall seconds against ratings per stage, log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    ratings = [r["ratings"] for r in results]
    stages = {s for r in results for s in stage_seconds(r)}
    for stage in sorted(stages, key=lambda s: -stage_seconds(results[-1]).get(s, 0)):
        seconds = [max(stage_seconds(r).get(stage, 0.0), 0.1) for r in results]
        if max(seconds) >= 5:  # the stages that matter; the rest crowd the plot
            ax.plot(ratings, seconds, marker="o", label=stage)
    ax.plot(ratings, [r["wall_seconds"] for r in results], marker="s", color="black", label="whole DAG")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("ratings")
    ax.set_ylabel("wall seconds")
    ax.set_title("recsys_daily: time against ratings per stage")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def markdown(results: list[dict], meta: dict) -> str:
    lines = [f"# Scaling benchmark: the whole DAG ({meta['cpus']} CPUs, {meta['memory_gb']} GB, {meta['date']})", "",
             "`airflow dags test recsys_daily` on the generated sample (MovieLens-1M format), raw files to "
             "DynamoDB, with LightFM on the threads shown (DAG param `lightfm_threads`); memory is the peak "
             "resident set of the DAG's process tree (task, Spark JVM, dbt), the local services not counted.", "",
             "Each size runs a day that evaluates every model (validation, protocols A and B) and then the next "
             "day, a refit day (DAG param `full_evaluation_every_days`, default 7): the same files, the first "
             "day's settings and choices, judged on protocol A only.", "",
             "| ratings | users | movies | measured | LightFM threads | wall | the next day (refit) | peak memory | "
             "published model | NDCG@10 (95% interval) |",
             "|---:|---:|---:|---|---:|---:|---:|---:|---|---|"]
    for r in results:
        m = r["model"]
        ci = f" ± {m['ndcg@10_ci95']:.4f}" if m.get("ndcg@10_ci95") is not None else ""
        refit = f"{r['refit_day']['wall_seconds'] / 60:.1f} min" if "refit_day" in r else "-"
        lines.append(f"| {r['ratings']:,} | {r['users']:,} | {r['movies']:,} | {r.get('date', '-')} | "
                     f"{r['lightfm_threads']} | {r['wall_seconds'] / 60:.1f} min | {refit} | "
                     f"{r['peak_rss_mb'] / 1024:.1f} GB | {m['published_model']} | {m['ndcg@10']:.4f}{ci} |")
    stages = list(dict.fromkeys(s for r in results for s in stage_seconds(r)))
    lines += ["", "## Seconds per stage", "", "| stage | " + " | ".join(f"{r['ratings']:,}" for r in results) + " |",
              "|---|" + "---:|" * len(results)]
    lines += [f"| {s} | " + " | ".join(str(stage_seconds(r).get(s, "")) for r in results) + " |" for s in stages]
    lines += ["", "## Peak memory per stage (MB; the DAG's process tree while the stage ran)", "",
              "| stage | " + " | ".join(f"{r['ratings']:,}" for r in results) + " |", "|---|" + "---:|" * len(results)]
    lines += [f"| {s} | " + " | ".join(f"{stage_peaks(r)[s]:,}" if stage_peaks(r).get(s) else "-" for r in results)
              + " |" for s in stages]
    lines += ["", "(-: the stage ended between two samples, 0.5 s apart.)"]
    lines += _train_steps(results, "train_seconds", "The train stage's cost per step (seconds)")
    lines += _train_steps(results, "train_peak_mb", "The train stage's peak memory per step (MB, the task process; "
                          "-: not recorded then)")
    refits = [{**r["refit_day"], "ratings": r["ratings"]} for r in results if "refit_day" in r]
    if refits:
        next_stages = list(dict.fromkeys(s for r in refits for s in stage_seconds(r)))
        lines += ["", "## The next day, a refit day: seconds per stage", "",
                  "| stage | " + " | ".join(f"{r['ratings']:,}" for r in refits) + " |", "|---|" + "---:|" * len(refits)]
        lines += [f"| {s} | " + " | ".join(str(stage_seconds(r).get(s, "")) for r in refits) + " |"
                  for s in next_stages]
        lines += _train_steps(refits, "train_seconds", "The refit day's train stage per step (seconds)")
    lines += ["", "## Protocol A NDCG@10 of every model", "",
              "| model | " + " | ".join(f"{r['ratings']:,}" for r in results) + " |", "|---|" + "---:|" * len(results)]
    models = list(dict.fromkeys(n for r in results for n in r["model"]["peers_ndcg@10"]))
    lines += [f"| {n} | " + " | ".join(str(r["model"]["peers_ndcg@10"].get(n, "")) for r in results) + " |"
              for n in models]
    lines += ["", "![time against ratings](scale_benchmark.png)"]
    return "\n".join(lines) + "\n"


def _train_steps(results: list[dict], field: str, title: str) -> list[str]:
    """A table of the train stage's steps: ``field`` of each result's model run, per size."""
    steps = list(dict.fromkeys(s for r in results for s in r["model"].get(field, {})))
    if not steps:
        return []
    lines = ["", f"## {title}", "", "| step | " + " | ".join(f"{r['ratings']:,}" for r in results) + " |",
             "|---|" + "---:|" * len(results)]
    return lines + [f"| {s} | " + " | ".join(f"{r['model'][field][s]:,}" if s in r["model"].get(field, {})
                                             else ("" if field in r["model"] else "-") for r in results) + " |"
                    for s in steps]


def _kept_results(path: Path, sizes: list[int]) -> list[dict]:
    """The results of an earlier report at sizes not measured again (a size is its generator target, within 5%)."""
    if not path.exists():
        return []
    return [r for r in json.loads(path.read_text())["results"]
            if all(abs(r["ratings"] - n) > 0.05 * n for n in sizes)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ratings", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--work", type=Path, default=ROOT / ".state" / "bench-scale",
                        help="state folders of the runs (removed after each)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true",
                        help="keep the report's results of other sizes (measured earlier) beside the new ones")
    parser.add_argument("--lightfm-threads", type=int, default=1,
                        help="the DAG param lightfm_threads (1 = reproducible lists; more = faster)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    import psutil

    meta = {"cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30),
            "python": platform.python_version(), "date": datetime.now().strftime("%Y-%m-%d"),
            "lightfm_threads": args.lightfm_threads}
    results = _kept_results(args.out / "scale_benchmark.json", args.ratings) if args.keep else []
    for n in args.ratings:
        results = sorted([*results, bench(n, args.work, args.lightfm_threads)], key=lambda r: r["ratings"])
        # written after every size, so a long run's finished sizes are kept
        args.out.mkdir(parents=True, exist_ok=True)
        plot(results, args.out / "scale_benchmark.png")
        write_report(args.out, "scale_benchmark", {"meta": meta, "results": results}, markdown(results, meta))


if __name__ == "__main__":
    main()

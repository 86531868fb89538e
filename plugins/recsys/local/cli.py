"""``python -m recsys.local.cli {up,down,wipe,status,env,seed-app-db,ui,demo,summary,api,api-key,rollback,
dashboards}``:
the local stack CLI."""
from __future__ import annotations

import argparse
import logging
import os
import shlex
import signal
import threading
from pathlib import Path

from recsys.local import airflow_stack, env, services
from recsys.settings import get_settings


def run_ui(settings) -> int:
    """The Airflow UI on the local state until Ctrl-C."""
    airflow_stack.start(settings)
    print(f"\nAirflow UI: {settings.ui_url}  (user admin, password in "
          f"{os.environ.get('AIRFLOW_HOME', '')}/simple_auth_manager_passwords.json.generated); Ctrl-C stops it",
          flush=True)
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):  # also when started in the background, where SIGINT is ignored
        signal.signal(sig, lambda *_: stopping.set())
    while not stopping.wait(1):
        pass
    print("stopping Airflow", flush=True)
    airflow_stack.stop(settings)
    return 0


def run_demo(settings, ds: str) -> int:
    """One real scheduled run of the daily DAG, its progress printed; Airflow is stopped afterwards."""
    print(f"==> starting Airflow on {settings.ui_url} (API server first)", flush=True)
    airflow_stack.start(settings)
    # Quiet Airflow's own INFO lines in this process only: the components started above keep theirs.
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
    try:
        print(f"==> recsys_daily for ds={ds}, run by the scheduler", flush=True)
        state = airflow_stack.follow_run(settings, "recsys_daily", ds)
    finally:
        airflow_stack.stop(settings)
    print(f"==> recsys_daily ds={ds}: {state}", flush=True)
    return 0 if state == "success" else 1


def run_api(settings) -> int:
    """The recommendations API on 127.0.0.1 until Ctrl-C, on the local moto DynamoDB and S3."""
    import uvicorn

    from recsys.api import keys
    from recsys.api.service import build_app
    from recsys.backends import dynamodb

    keys.ensure_table(dynamodb(settings), settings.api_keys_table)
    print(f"recommendations API: http://127.0.0.1:{settings.api_port}/docs  (a key: make api-key NAME=my-app); "
          f"Ctrl-C stops it", flush=True)
    uvicorn.run(build_app(settings, endpoint_url=settings.moto_endpoint), host="127.0.0.1", port=settings.api_port,
                log_level="warning")
    return 0


def create_api_key(settings, name: str, requests_per_minute: int) -> int:
    """Create an API key and print it: the only time it is shown (only its digest is stored)."""
    from recsys.api import keys
    from recsys.backends import dynamodb

    key = keys.create_key(keys.ensure_table(dynamodb(settings), settings.api_keys_table), name, requests_per_minute)
    print(f"API key for {name} ({requests_per_minute} requests/minute), shown once:\n{key}")
    return 0


def seed_app_db(settings, movielens_dir: str | None) -> int:
    """Seed the local application database (once: a database with users is left alone)."""
    from pathlib import Path

    from recsys.local.app_db_seed import seed
    from recsys.local.sample_data import generate_sample, is_current_sample

    if movielens_dir is None:
        if not is_current_sample(settings.sample_dir):
            generate_sample(settings.sample_dir, scale=settings.sample_scale, seed=settings.sample_seed)
        movielens_dir = settings.sample_dir / "movielens"
    counts = seed(settings, Path(movielens_dir))
    print(f"application database {settings.app_db_name}: " +
          (f"seeded from {movielens_dir}: {counts}" if counts else "has users already, left as it is"))
    return 0


def run_dashboards(settings, screenshots_dir: str | None) -> int:
    """Serve the Streamlit dashboards on the warehouse until Ctrl-C; or save a screenshot of every page."""
    from recsys.local import dashboards

    proc = dashboards.start(settings, settings.dashboards_port, settings.state_dir / "dashboards.log")
    url = f"http://127.0.0.1:{settings.dashboards_port}"
    try:
        if screenshots_dir:
            import shutil

            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
                for path in dashboards.screenshots(browser, url, Path(screenshots_dir)):
                    print(f"wrote {path}")
                browser.close()
            return 0
        print(f"dashboards: {url}/  ({len(dashboards.PAGES)} pages on the warehouse's live day); Ctrl-C stops "
              f"them", flush=True)
        proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        dashboards.stop(proc)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m recsys.local.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start moto server and PostgreSQL, wait until healthy")
    sub.add_parser("down", help="stop Airflow and the local services (the moto lake is in memory and is lost)")
    sub.add_parser("wipe", help="stop everything and delete all local state")
    sub.add_parser("status", help="say which services are healthy")
    sub.add_parser("env", help="print `export` lines for Airflow/dbt/Spark on the local stack")
    seed_app = sub.add_parser("seed-app-db", help="fill the local application database (dataset app-db) from "
                                                  "MovieLens-1M-format files, the bundled sample by default")
    seed_app.add_argument("--movielens-dir", default=None, help="a folder with users.dat, movies.dat, ratings.dat")
    sub.add_parser("ui", help="start Airflow (API server first) on 127.0.0.1 and keep it up until Ctrl-C")
    demo = sub.add_parser("demo", help="start Airflow, let the scheduler run recsys_daily for --ds with "
                                       "progress, then stop Airflow")
    demo.add_argument("--ds", required=True)
    summary = sub.add_parser("summary", help="print what the run of a ds produced")
    summary.add_argument("--ds", required=True)
    sub.add_parser("api", help="start the recommendations API on 127.0.0.1 until Ctrl-C")
    api_key = sub.add_parser("api-key", help="create an API key for an application (printed once)")
    api_key.add_argument("--name", required=True)
    api_key.add_argument("--requests-per-minute", type=int, default=600)
    rollback = sub.add_parser("rollback", help="point readers back at an earlier complete version")
    rollback.add_argument("--to", default=None, help="model run id (default: the version before the live one)")
    dash = sub.add_parser("dashboards", help="serve the Streamlit dashboards on the warehouse on 127.0.0.1 until "
                                             "Ctrl-C")
    dash.add_argument("--screenshots", default=None, metavar="DIR", help="save a screenshot of every page in DIR "
                                                                          "(Debian's chromium) instead of serving")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("airflow").setLevel(logging.WARNING)  # its config and timezone notices on import
    settings = get_settings()
    if args.command == "up":
        services.up(settings)
    elif args.command == "down":
        airflow_stack.stop(settings)
        services.down(settings)
    elif args.command == "wipe":
        airflow_stack.stop(settings)
        for folder in services.wipe(settings):
            print(f"removed {folder}")
    elif args.command == "status":
        print(f"moto server  {settings.moto_endpoint}: "
              f"{'healthy' if services.moto_healthy(settings) else 'down'}")
        print(f"PostgreSQL   {settings.pg_host}:{settings.pg_port}: "
              f"{'healthy' if services.pg_healthy(settings) else 'down'}")
    elif args.command == "env":
        for key, value in env.airflow_env(settings).items():
            print(f"export {key}={shlex.quote(value)}")
    elif args.command == "seed-app-db":
        return seed_app_db(settings, args.movielens_dir)
    elif args.command == "ui":
        return run_ui(settings)
    elif args.command == "demo":
        return run_demo(settings, args.ds)
    elif args.command == "summary":
        # Before airflow is imported: lineage notices of the hooks' imports are no part of a summary.
        os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "ERROR"
        from recsys.local.summary import print_summary

        return 0 if print_summary(settings, args.ds) else 1
    elif args.command == "api":
        return run_api(settings)
    elif args.command == "api-key":
        return create_api_key(settings, args.name, args.requests_per_minute)
    elif args.command == "rollback":
        from recsys import stages

        pointer = stages.rollback(settings, args.to)
        print(f"live version: {pointer['run_id']} (ds={pointer['ds']}); previously {pointer['previous']}")
    elif args.command == "dashboards":
        return run_dashboards(settings, args.screenshots)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

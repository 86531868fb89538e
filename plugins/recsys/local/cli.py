"""``python -m recsys.local.cli {up,down,wipe,status,env,summary}``: the local stack CLI."""
from __future__ import annotations

import argparse
import logging
import os
import shlex

from recsys.local import env, services
from recsys.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m recsys.local.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start moto server and PostgreSQL, wait until healthy")
    sub.add_parser("down", help="stop the local services (the moto lake is in memory and is lost)")
    sub.add_parser("wipe", help="stop everything and delete all local state")
    sub.add_parser("status", help="say which services are healthy")
    sub.add_parser("env", help="print `export` lines for Airflow/dbt/Spark on the local stack")
    summary = sub.add_parser("summary", help="print what a run produced")
    summary.add_argument("--ds", required=True)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = get_settings()
    if args.command == "up":
        services.up(settings)
    elif args.command == "down":
        services.down(settings)
    elif args.command == "wipe":
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
    elif args.command == "summary":
        os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")  # before airflow is imported
        from recsys.local.summary import print_summary

        print_summary(settings, args.ds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

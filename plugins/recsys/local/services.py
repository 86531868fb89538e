"""Start, check and stop the embedded local services.

* moto server on 127.0.0.1 (S3 and DynamoDB APIs), a real HTTP server process;
* PostgreSQL 16 from the ``pgserver`` wheel, listening on 127.0.0.1 (TCP, so psql,
  dbt and Airflow connect exactly as they would to any other PostgreSQL).

All state lives under ``Settings.state_dir``; pid files make ``up`` idempotent.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from recsys.settings import Settings

log = logging.getLogger(__name__)
logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs every command at INFO

PG_SYSTEM_USER = "pgserver"  # postgres refuses to run as root


class ServiceError(RuntimeError):
    """A local service could not be started or is not healthy."""


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def _wait_for(check, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise ServiceError(f"{what} did not become healthy within {timeout:.0f}s")


# --- moto server -----------------------------------------------------------------

def moto_healthy(settings: Settings) -> bool:
    """True when the moto server answers on its configured port."""
    try:
        with urllib.request.urlopen(f"{settings.moto_endpoint}/moto-api/", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def start_moto(settings: Settings) -> None:
    """Start the moto server in the background unless it is already healthy."""
    if moto_healthy(settings):
        log.info("moto server already running at %s", settings.moto_endpoint)
        return
    if _port_open(settings.moto_host, settings.moto_port):
        raise ServiceError(f"port {settings.moto_port} is taken by something that is not moto; "
                           "set RECSYS_MOTO_PORT")
    run_dir = settings.state_dir / "moto"
    run_dir.mkdir(parents=True, exist_ok=True)
    logfile = open(run_dir / "moto.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", settings.moto_host, "-p", str(settings.moto_port)],
        stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True,
    )
    (run_dir / "moto.pid").write_text(str(proc.pid))
    _wait_for(lambda: moto_healthy(settings), "moto server", 30)
    log.info("moto server started at %s (pid %s)", settings.moto_endpoint, proc.pid)


def stop_moto(settings: Settings) -> None:
    """Stop the moto server started by :func:`start_moto` (its state is in memory)."""
    pidfile = settings.state_dir / "moto" / "moto.pid"
    if not pidfile.exists():
        return
    pid = int(pidfile.read_text())
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    pidfile.unlink()
    log.info("moto server stopped")


# --- PostgreSQL ----------------------------------------------------------------

def _pg_data_dir(settings: Settings) -> Path:
    return settings.state_dir / "pgdata"


def _pgserver_commands(settings: Settings):
    """pgserver's initdb/pg_ctl wrappers (its import wants a private XDG_RUNTIME_DIR)."""
    run_dir = settings.state_dir / "run"
    run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run_dir))
    from pgserver import _commands

    return _commands


def _pg_run_as() -> dict:
    """pg binaries must not run as root: run them as a dedicated system user."""
    if os.geteuid() != 0:
        return {}
    from pgserver.utils import ensure_user_exists

    ensure_user_exists(PG_SYSTEM_USER)
    return {"user": PG_SYSTEM_USER}


def pg_healthy(settings: Settings) -> bool:
    """True when the warehouse accepts a connection as the configured user."""
    import psycopg2

    try:
        conn = psycopg2.connect(host=settings.pg_host, port=settings.pg_port, user=settings.pg_user,
                                password=settings.pg_password, dbname=settings.pg_database,
                                connect_timeout=2)
    except psycopg2.OperationalError:
        return False
    conn.close()
    return True


def start_postgres(settings: Settings) -> None:
    """Init (first time) and start the embedded PostgreSQL, then ensure role and database."""
    if not settings.pg_embedded:
        _wait_for(lambda: pg_healthy(settings), f"PostgreSQL at {settings.pg_host}:{settings.pg_port}", 10)
        return
    pg = _pgserver_commands(settings)
    data_dir = _pg_data_dir(settings)
    run_as = _pg_run_as()
    if not (data_dir / "PG_VERSION").exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        if run_as:
            import pwd

            entry = pwd.getpwnam(run_as["user"])
            os.chown(data_dir, entry.pw_uid, entry.pw_gid)
        log.info("initialising PostgreSQL data directory %s", data_dir)
        pg.initdb(["--auth=trust", "--encoding=utf8", "-U", "postgres"], pgdata=data_dir, **run_as)
    if not (data_dir / "postmaster.pid").exists():
        if _port_open(settings.pg_host, settings.pg_port):
            raise ServiceError(f"port {settings.pg_port} is taken; set RECSYS_PG_PORT")
        pg.pg_ctl(["-w", "-l", str(data_dir / "server.log"),
                   "-o", f"-h {settings.pg_host} -p {settings.pg_port} -k ''", "start"],
                  pgdata=data_dir, timeout=60, **run_as)
    _ensure_role_and_database(settings)
    _wait_for(lambda: pg_healthy(settings), "PostgreSQL", 30)
    log.info("PostgreSQL running at %s:%s/%s", settings.pg_host, settings.pg_port, settings.pg_database)


def _ensure_role_and_database(settings: Settings) -> None:
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(host=settings.pg_host, port=settings.pg_port, user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("select 1 from pg_roles where rolname = %s", (settings.pg_user,))
        if not cur.fetchone():
            cur.execute(sql.SQL("create role {} login password %s").format(sql.Identifier(settings.pg_user)),
                        (settings.pg_password,))
        cur.execute("select 1 from pg_database where datname = %s", (settings.pg_database,))
        if not cur.fetchone():
            cur.execute(sql.SQL("create database {} owner {}").format(
                sql.Identifier(settings.pg_database), sql.Identifier(settings.pg_user)))
    conn.close()


def stop_postgres(settings: Settings) -> None:
    """Stop the embedded PostgreSQL (data is kept)."""
    data_dir = _pg_data_dir(settings)
    if not settings.pg_embedded or not (data_dir / "postmaster.pid").exists():
        return
    pg = _pgserver_commands(settings)
    pg.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, timeout=60, **_pg_run_as())
    log.info("PostgreSQL stopped")


# --- all -----------------------------------------------------------------------

def up(settings: Settings) -> None:
    """Start every local service and wait until each is healthy."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    start_moto(settings)
    start_postgres(settings)


def down(settings: Settings) -> None:
    """Stop every local service."""
    stop_moto(settings)
    stop_postgres(settings)

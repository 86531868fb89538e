"""Start, check and stop the embedded local services.

* moto server on 127.0.0.1 (S3 and DynamoDB APIs), a real HTTP server process;
* PostgreSQL 16 from the ``pgserver`` wheel, listening on 127.0.0.1 only (TCP, so psql,
  dbt and Airflow connect exactly as they would to any other PostgreSQL), every role with a
  password (SCRAM). Its data directory, and beside it the superuser's generated password,
  live in ``Settings.pg_runtime_dir``, a folder its system user can reach wherever the
  project is cloned.

Everything else lives under ``Settings.state_dir``; pid files make ``up`` idempotent.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from recsys.settings import Settings, secret_file

log = logging.getLogger(__name__)
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


def answers(url: str) -> bool:
    """True when ``url`` answers 200 within two seconds."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


# --- moto server -----------------------------------------------------------------

def moto_healthy(settings: Settings) -> bool:
    """True when the moto server answers on its configured port."""
    return answers(f"{settings.moto_endpoint}/moto-api/")


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

def _run_as() -> dict:
    """PostgreSQL refuses to run as root: as root, run its binaries as a dedicated system user."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--shell", "/usr/sbin/nologin", PG_SYSTEM_USER], check=True,
                       capture_output=True)
    return {"user": PG_SYSTEM_USER}


def pg_install_source() -> Path:
    """The ``pgserver`` package: its PostgreSQL build (``pginstall/``), whose binaries load their shared
    libraries from the wheel's ``pgserver.libs/`` beside the package."""
    return Path(importlib.util.find_spec("pgserver").submodule_search_locations[0])


def _pg_install(settings: Settings) -> Path:
    """The PostgreSQL build the server runs from: the wheel's own, or (as root) a copy in the runtime folder.

    As root the server runs as another user, who must be able to reach its binaries; a venv
    inside root's home (mode 0700 on most systems) is out of its reach, so the build and its
    libraries are copied once into :attr:`Settings.pg_runtime_dir`, root-owned, read-only for
    that user, in the same relative layout (the binaries find the libraries through it).
    """
    package = pg_install_source()
    if os.geteuid() != 0:
        return package / "pginstall"
    target = settings.pg_runtime_dir / "pgserver"
    stamp = settings.pg_runtime_dir / "pginstall.source"
    if not stamp.exists() or stamp.read_text() != str(package):
        log.info("copying the PostgreSQL build to %s (once, where the %s user can read it)", target, PG_SYSTEM_USER)
        for name in ("pgserver", "pgserver.libs"):
            shutil.rmtree(settings.pg_runtime_dir / name, ignore_errors=True)
        shutil.copytree(package / "pginstall", target / "pginstall", symlinks=True)
        shutil.copytree(package.parent / "pgserver.libs", settings.pg_runtime_dir / "pgserver.libs", symlinks=True)
        stamp.write_text(str(package))
    return target / "pginstall"


def _pg(settings: Settings, exe: str, args: list[str], timeout: float = 60, stdin: str | None = None,
        mode: tuple[str, ...] = ()) -> None:
    """Run one PostgreSQL binary on the data directory (as the PostgreSQL user when we are root); ``mode``
    goes before every other argument (``postgres --single`` requires it first)."""
    cmd = [str(_pg_install(settings) / "bin" / exe), *mode, "-D", str(pg_data_dir(settings)), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=settings.pg_runtime_dir,
                          input=stdin, **_run_as())
    if proc.returncode != 0:
        raise ServiceError(f"{exe} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")


def _pg_running(settings: Settings) -> bool:
    """True when the embedded server of this data directory runs (a stale ``postmaster.pid`` left by a killed
    server does not count)."""
    if not (pg_data_dir(settings) / "postmaster.pid").exists():
        return False
    cmd = [str(_pg_install(settings) / "bin" / "pg_ctl"), "-D", str(pg_data_dir(settings)), "status"]
    return subprocess.run(cmd, capture_output=True, cwd=settings.pg_runtime_dir, **_run_as()).returncode == 0


def pg_data_dir(settings: Settings) -> Path:
    """The embedded PostgreSQL's data directory."""
    return settings.pg_runtime_dir / "pgdata"


def _prepare_runtime_dir(settings: Settings) -> None:
    """Create the runtime folder so that the PostgreSQL user can reach it and own its data directory."""
    runtime, data_dir = settings.pg_runtime_dir, pg_data_dir(settings)
    runtime.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(mode=0o700, exist_ok=True)
    run_as = _run_as()
    if run_as:
        entry = pwd.getpwnam(run_as["user"])
        for folder in [runtime, *runtime.parents]:
            if folder.stat().st_mode & 0o001 == 0:
                raise ServiceError(f"{folder} is not traversable by the {PG_SYSTEM_USER} user; set "
                                   f"RECSYS_PG_RUNTIME_DIR to a folder under a world-traversable path")
            if folder == Path("/"):
                break
        os.chown(data_dir, entry.pw_uid, entry.pw_gid)


# Every role logs in with a password (SCRAM), over TCP on the configured loopback address only.
PG_HBA = """# written by recsys.local.services: password (SCRAM) for every role, loopback only
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
"""


def _superuser_password_file(settings: Settings) -> Path:
    # Beside the data directory, not in the state folder: both outlive a clone together, so a new clone
    # of the same path (or a wiped state) never meets a data directory whose password it does not know.
    return settings.pg_runtime_dir / "superuser.password"


def pg_superuser_password(settings: Settings) -> str:
    """The embedded PostgreSQL superuser's password: generated on first use beside its data directory (0600)."""
    return secret_file(_superuser_password_file(settings))


def _initdb(settings: Settings) -> None:
    """A new data directory whose superuser has a generated password; no role is trusted."""
    pwfile = settings.pg_runtime_dir / ".initdb-password"
    fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(pg_superuser_password(settings))
    run_as = _run_as()
    if run_as:  # initdb runs as the PostgreSQL user, who must read the file; it is removed right after
        entry = pwd.getpwnam(run_as["user"])
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
    try:
        _pg(settings, "initdb", ["--auth=scram-sha-256", f"--pwfile={pwfile}", "--encoding=utf8", "-U", "postgres"])
    finally:
        pwfile.unlink(missing_ok=True)


def _reset_superuser_password(settings: Settings) -> None:
    """Give the superuser of an existing data directory a new generated password.

    For a data directory whose password is not beside it (initialised without passwords by an older
    version, or its password file deleted). Runs PostgreSQL in single-user mode, which only
    the owner of the data directory can do; the statement goes in on standard input, never on a
    command line.
    """
    log.warning("the embedded PostgreSQL's superuser password is not in %s; setting a new one",
                _superuser_password_file(settings))
    if _pg_running(settings):
        _pg(settings, "pg_ctl", ["-w", "-m", "fast", "stop"])
    pending = _superuser_password_file(settings).with_suffix(".new")  # in place only once the server has it
    pending.unlink(missing_ok=True)
    _pg(settings, "postgres", ["-j", "postgres"], mode=("--single",),
        stdin=f"alter role postgres password '{secret_file(pending)}';\n")
    pending.replace(_superuser_password_file(settings))


def _write_hba(settings: Settings) -> None:
    """Our access rules, written on every start so no older ``trust`` rule survives."""
    (pg_data_dir(settings) / "pg_hba.conf").write_text(PG_HBA)


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
    data_dir = pg_data_dir(settings)
    _prepare_runtime_dir(settings)
    if not (data_dir / "PG_VERSION").exists():
        log.info("initialising PostgreSQL data directory %s", data_dir)
        _initdb(settings)
    elif not _superuser_password_file(settings).exists():
        _reset_superuser_password(settings)
    _write_hba(settings)
    if _pg_running(settings):
        _pg(settings, "pg_ctl", ["reload"])
    else:
        if _port_open(settings.pg_host, settings.pg_port):
            raise ServiceError(f"port {settings.pg_port} is taken; set RECSYS_PG_PORT")
        _pg(settings, "pg_ctl", ["-w", "-l", str(data_dir / "server.log"),
                                 "-o", f"-h {settings.pg_host} -p {settings.pg_port} -k ''", "start"])
    _ensure_role_and_database(settings)
    _wait_for(lambda: pg_healthy(settings), "PostgreSQL", 30)
    log.info("PostgreSQL running at %s:%s/%s (data in %s)", settings.pg_host, settings.pg_port,
             settings.pg_database, data_dir)


def _ensure_role_and_database(settings: Settings) -> None:
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(host=settings.pg_host, port=settings.pg_port, user="postgres", dbname="postgres",
                            password=pg_superuser_password(settings))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("select 1 from pg_roles where rolname = %s", (settings.pg_user,))
        verb = "alter" if cur.fetchone() else "create"  # alter: RECSYS_PG_PASSWORD may have changed
        cur.execute(sql.SQL(verb + " role {} login password %s").format(sql.Identifier(settings.pg_user)),
                    (settings.pg_password,))
        for database in (settings.pg_database, settings.app_db_name):  # the warehouse, the application's
            cur.execute("select 1 from pg_database where datname = %s", (database,))
            if not cur.fetchone():
                cur.execute(sql.SQL("create database {} owner {}").format(
                    sql.Identifier(database), sql.Identifier(settings.pg_user)))
    conn.close()


def stop_postgres(settings: Settings) -> None:
    """Stop the embedded PostgreSQL (data is kept)."""
    if not settings.pg_embedded or not _pg_running(settings):
        return
    _pg(settings, "pg_ctl", ["-w", "-m", "fast", "stop"])
    log.info("PostgreSQL stopped")


# --- all -----------------------------------------------------------------------

def airflow_home(settings: Settings) -> Path:
    """AIRFLOW_HOME of the local stack."""
    return settings.state_dir / "airflow"


def up(settings: Settings) -> None:
    """Start every local service and wait until each is healthy."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    # Airflow's home holds its metadata database (connections, variables) and task logs: its owner only.
    airflow_home(settings).mkdir(mode=0o700, exist_ok=True)
    os.chmod(airflow_home(settings), 0o700)
    start_moto(settings)
    start_postgres(settings)


def down(settings: Settings) -> None:
    """Stop every local service."""
    stop_moto(settings)
    stop_postgres(settings)


def wipe(settings: Settings) -> list[Path]:
    """Stop every local service and delete all local state; return the folders removed."""
    down(settings)
    removed = []
    for folder in (settings.pg_runtime_dir, settings.state_dir):  # the first may lie inside the second
        if folder.exists():
            shutil.rmtree(folder)
            removed.append(folder)
    return removed

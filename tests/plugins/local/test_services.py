"""The local services start for real, answer health checks, and `up` is idempotent."""
from __future__ import annotations

import dataclasses
import os
import shutil
import socket

import boto3
import psycopg2
import pytest

from recsys.local import services
from recsys.settings import get_settings

pytestmark = pytest.mark.integration


def test_up_twice_keeps_the_running_services(local_stack):
    pid_before = (local_stack.state_dir / "moto" / "moto.pid").read_text()
    services.up(local_stack)
    assert (local_stack.state_dir / "moto" / "moto.pid").read_text() == pid_before
    assert services.moto_healthy(local_stack) and services.pg_healthy(local_stack)


def test_moto_serves_s3_and_dynamodb_over_http(local_stack):
    kw = {"endpoint_url": local_stack.moto_endpoint, "region_name": "us-east-1",
          "aws_access_key_id": "test", "aws_secret_access_key": "test"}
    s3 = boto3.client("s3", **kw)
    s3.create_bucket(Bucket="health-check")
    s3.put_object(Bucket="health-check", Key="k", Body=b"v")
    assert s3.get_object(Bucket="health-check", Key="k")["Body"].read() == b"v"
    assert "TableNames" in boto3.client("dynamodb", **kw).list_tables()


def test_postgres_accepts_the_configured_role_over_tcp(local_stack):
    conn = psycopg2.connect(host=local_stack.pg_host, port=local_stack.pg_port, user=local_stack.pg_user,
                            password=local_stack.pg_password, dbname=local_stack.pg_database)
    with conn.cursor() as cur:
        cur.execute("select current_user, current_database(), version()")
        user, db, version = cur.fetchone()
    conn.close()
    assert (user, db) == (local_stack.pg_user, local_stack.pg_database) and "PostgreSQL 16" in version


def test_a_port_taken_by_something_else_is_a_clear_error(local_stack):
    wrong = dataclasses.replace(local_stack, moto_port=local_stack.pg_port)  # postgres, not moto
    with pytest.raises(services.ServiceError, match="RECSYS_MOTO_PORT"):
        services.start_moto(wrong)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs PostgreSQL as another user")
def test_first_start_works_from_a_folder_only_root_can_enter(tmp_path, monkeypatch):
    """Cloned under root's home (mode 0700), the venv and .state are out of the PostgreSQL user's reach."""
    home = tmp_path / "root-home"
    home.mkdir(mode=0o700)
    site_packages = home / "clone" / ".venv" / "site-packages"
    for name in ("pgserver", "pgserver.libs"):
        shutil.copytree(services.pg_install_source().parent / name, site_packages / name, symlinks=True)
    monkeypatch.setattr(services, "pg_install_source", lambda: site_packages / "pgserver")
    settings = dataclasses.replace(get_settings(), state_dir=home / "clone" / ".state", pg_port=_free_port())
    try:
        services.start_postgres(settings)
        assert services.pg_healthy(settings)
        assert home not in services.pg_data_dir(settings).parents
    finally:
        services.stop_postgres(settings)
        shutil.rmtree(settings.pg_runtime_dir, ignore_errors=True)


def test_a_data_directory_whose_password_is_lost_gets_a_new_one_and_trusts_nobody(tmp_path):
    """A new clone at the same path, or a wiped state folder, meets the data directory an earlier one left."""
    settings = dataclasses.replace(get_settings(), state_dir=tmp_path / "clone" / ".state", pg_port=_free_port())
    connect = dict(host=settings.pg_host, port=settings.pg_port, dbname="postgres", user="postgres",
                   connect_timeout=5)
    try:
        services.start_postgres(settings)
        old_password = services.pg_superuser_password(settings)
        services.stop_postgres(settings)
        (settings.pg_runtime_dir / "superuser.password").unlink()
        (services.pg_data_dir(settings) / "pg_hba.conf").write_text("host all all 127.0.0.1/32 trust\n")

        services.start_postgres(settings)

        assert services.pg_healthy(settings)
        for password in (None, old_password):
            with pytest.raises(psycopg2.OperationalError, match="password authentication failed|no password"):
                psycopg2.connect(password=password, **connect)
        psycopg2.connect(password=services.pg_superuser_password(settings), **connect).close()
    finally:
        services.stop_postgres(settings)
        shutil.rmtree(settings.pg_runtime_dir, ignore_errors=True)


def test_wipe_removes_the_state_and_a_runtime_folder_inside_it(tmp_path, monkeypatch):
    monkeypatch.setenv("RECSYS_PG_RUNTIME_DIR", str(tmp_path / "state" / "pg"))
    settings = dataclasses.replace(get_settings(), state_dir=tmp_path / "state", pg_embedded=False,
                                   moto_port=_free_port())
    (settings.pg_runtime_dir / "pgdata").mkdir(parents=True)
    assert services.wipe(settings) == [tmp_path / "state" / "pg", tmp_path / "state"]
    assert not (tmp_path / "state").exists()


def test_postgres_asks_every_role_for_its_password_and_listens_on_loopback_only(local_stack):
    s = local_stack
    connect = dict(host=s.pg_host, port=s.pg_port, dbname=s.pg_database, connect_timeout=5)
    for user, password in (("postgres", None), ("postgres", "postgres"), (s.pg_user, s.pg_password + "-wrong")):
        with pytest.raises(psycopg2.OperationalError, match="password authentication failed|no password supplied"):
            psycopg2.connect(user=user, password=password, **connect)
    secret = s.pg_runtime_dir / "superuser.password"
    assert secret.stat().st_mode & 0o077 == 0, "only its owner reads the superuser's password"
    conn = psycopg2.connect(user=s.pg_user, password=s.pg_password, **connect)
    try:
        with conn.cursor() as cur:
            cur.execute("show listen_addresses")
            assert cur.fetchone()[0] == "127.0.0.1"
            cur.execute("select rolsuper from pg_roles where rolname = current_user")
            assert cur.fetchone()[0] is False
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("copy (select 1) to program 'id'")  # no shell commands through the warehouse
    finally:
        conn.close()


def test_airflow_home_with_its_metadata_database_is_private_to_its_owner(local_stack):
    home = services.airflow_home(local_stack)
    assert home.stat().st_mode & 0o077 == 0, "nobody else reads airflow.db (connections) or the task logs"

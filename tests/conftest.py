"""Test environment: its own state folder and ports, so tests never touch the demo.

The environment is set here, at import time, because Airflow reads its
configuration (AIRFLOW_HOME, connections) when it is first imported.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# make test-real-data gives its session a state of its own: its warehouse must not hold a newer day of the sample
TEST_STATE = Path(os.environ.get("RECSYS_TEST_STATE_DIR", ROOT / ".state" / "test")).resolve()

os.environ.update({
    "RECSYS_STATE_DIR": str(TEST_STATE),
    "RECSYS_MOTO_PORT": os.environ.get("RECSYS_TEST_MOTO_PORT", "5155"),
    "RECSYS_PG_PORT": os.environ.get("RECSYS_TEST_PG_PORT", "5599"),
    "RECSYS_UI_PORT": os.environ.get("RECSYS_TEST_UI_PORT", "8180"),
    "RECSYS_SAMPLE_SCALE": "0.1",
    # the tests read sources from pytest's temporary folders and the shared real data
    "RECSYS_SOURCE_ROOTS": f"{tempfile.gettempdir()},{ROOT.parent / 'shared' / 'data'},s3://,https://",
})

from recsys.local.env import airflow_env  # noqa: E402
from recsys.settings import get_settings  # noqa: E402

os.environ.update(airflow_env(get_settings()))


@pytest.fixture(scope="session")
def local_stack():
    """The real local services (moto server, PostgreSQL) for the whole session."""
    from recsys.local import services

    settings = get_settings()
    services.up(settings)
    yield settings
    services.down(settings)


@pytest.fixture
def stack_settings(local_stack):
    """Settings with a lake bucket and DynamoDB table of this test's own."""
    suffix = uuid.uuid4().hex[:8]
    return dataclasses.replace(local_stack, lake_bucket=f"test-lake-{suffix}", recs_table=f"test-recs-{suffix}")


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    """A small generated sample (MovieLens-1M + goodbooks formats)."""
    from recsys.local.sample_data import generate_sample

    out = tmp_path_factory.mktemp("sample")
    generate_sample(out, scale=0.1, seed=7)
    return out


@pytest.fixture(scope="session")
def spark():
    """A local SparkSession (no S3) for the cleaning functions."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[1]").appName("tests")
               .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    logging.getLogger("py4j").setLevel(logging.WARNING)  # its __del__ logs after pytest closed the streams


@pytest.fixture
def browser():
    """Debian's chromium, headless, through Playwright (its own browser download is not reachable here)."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed (scripts/test.sh installs it as root: apt-get install chromium)"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()

"""The Streamlit dashboards (``dashboards/``): their virtual environment, the server, screenshots.

Streamlit's dependencies are newer than Airflow's pins, so the dashboards get a virtual environment
of their own (``.venv-dashboards``, from ``dashboards/requirements.txt``). The server listens on
127.0.0.1 only and reads the warehouse through ``RECSYS_WAREHOUSE_URL`` in its environment, never
on a command line.
"""
from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from recsys.local.env import warehouse_connection_uri
from recsys.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)

DASHBOARDS_DIR = PROJECT_ROOT / "dashboards"
VENV = PROJECT_ROOT / ".venv-dashboards"
# url path -> the title the page shows, in the order of the navigation ("" = the overview, the default page)
PAGES = {"": "Recommendations platform", "ratings": "Ratings", "audience": "Audience by ZIP region",
         "genres": "Genres", "movies": "Movies", "data-quality": "Data quality", "model": "Model",
         "published": "Published", "tasks": "Tasks"}


def warehouse_url(settings: Settings) -> str:
    """The libpq URI of the warehouse: RECSYS_WAREHOUSE_URL (e.g. a Redshift cluster's), else the local one."""
    return os.environ.get("RECSYS_WAREHOUSE_URL") or warehouse_connection_uri(settings)


def install() -> Path:
    """Create ``.venv-dashboards`` and install the pinned requirements, once per requirements file."""
    requirements = DASHBOARDS_DIR / "requirements.txt"
    stamp, want = VENV / ".requirements.sha", hashlib.sha256(requirements.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == want:
        return VENV
    log.info("dashboards: installing Streamlit into %s (first time: about a minute)", VENV)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "-r",
                    str(requirements)], check=True)
    stamp.write_text(want)
    return VENV


def start(settings: Settings, port: int, log_file: Path) -> subprocess.Popen:
    """Start Streamlit on 127.0.0.1:``port`` and wait until it answers its health check."""
    venv = install()
    env = {**os.environ, "RECSYS_WAREHOUSE_URL": warehouse_url(settings),
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    out = open(log_file, "w")
    proc = subprocess.Popen([str(venv / "bin" / "streamlit"), "run", "app.py", "--server.address", "127.0.0.1",
                             "--server.port", str(port)], cwd=DASHBOARDS_DIR, env=env, stdout=out,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the dashboards server exited ({proc.returncode}); see {log_file}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as health:
                if health.status == 200:
                    log.info("dashboards: http://127.0.0.1:%d/ (log %s)", port, log_file)
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"the dashboards server did not answer on port {port} within 60 s; see {log_file}")


def stop(proc: subprocess.Popen) -> None:
    """Stop a server :func:`start` started."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def open_page(browser, base_url: str, path: str):
    """Open one dashboard page in ``browser`` (Playwright) and wait until its charts have drawn."""
    # Streamlit scrolls inside its own container, so a full-page screenshot is as tall as the viewport
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.goto(f"{base_url}/{path}")
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(1500)  # vega-embed draws after the script run has finished
    return page


def screenshots(browser, base_url: str, out_dir: Path) -> list[Path]:
    """A PNG of every page, named after its url path (the overview: overview.png), cut to its content."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in PAGES:
        page = open_page(browser, base_url, path)
        written.append(out_dir / f"{path or 'overview'}.png")
        height = page.evaluate("() => document.querySelector('[data-testid=\"stMainBlockContainer\"]')"
                               ".getBoundingClientRect().bottom")
        page.screenshot(path=str(written[-1]), clip={"x": 0, "y": 0, "width": 1400, "height": min(2400, height + 40)})
        page.close()
    return written

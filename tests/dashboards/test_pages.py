"""The dashboards' code, read as text (their own venv runs them; tests/integration opens them in a browser)."""
from __future__ import annotations

import re
from pathlib import Path

from recsys.local import dashboards

VIEWS = sorted((dashboards.DASHBOARDS_DIR / "views").glob("*.py"))
TABLE = re.compile(r"\b(?:from|join)\s+([a-z_]+)\.([a-z_]+)", re.IGNORECASE)


def test_every_page_reads_the_marts_and_seeds_only_never_raw_or_staging():
    tables = {(path.name, *m) for path in [*VIEWS, dashboards.DASHBOARDS_DIR / "warehouse.py"]
              for m in TABLE.findall(path.read_text())}
    assert tables, "no table found: the pattern no longer matches the pages' SQL"
    assert {schema for _, schema, _ in tables} <= {"marts", "recs", "seeds"}, sorted(tables)
    for path in VIEWS:  # a `backquoted` name in the prose is fine
        assert not re.search(r"(?<!`)\b(raw|staging|intermediate)\.[a-z]", path.read_text()), path.name


def test_every_page_is_in_the_navigation_and_the_browser_test():
    app = (dashboards.DASHBOARDS_DIR / "app.py").read_text()
    assert sorted(re.findall(r'st\.Page\("views/([a-z_]+)\.py"', app)) == sorted(p.stem for p in VIEWS)
    paths = re.findall(r'url_path="([a-z-]+)"', app)
    assert ["", *paths] == list(dashboards.PAGES)


def test_the_server_is_bound_to_loopback_and_sends_no_usage_statistics():
    config = (dashboards.DASHBOARDS_DIR / ".streamlit" / "config.toml").read_text()
    assert 'address = "127.0.0.1"' in config and "gatherUsageStats = false" in config


def test_the_dashboards_requirements_are_all_pinned():
    lines = [line for line in (Path(dashboards.DASHBOARDS_DIR) / "requirements.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][^ ]*", line) for line in lines), lines

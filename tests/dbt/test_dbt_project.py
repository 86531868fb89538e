"""The dbt project: valid for Redshift without Redshift, documented and tested throughout.

The local manifest is the one bootstrap writes (and cosmos renders); the prod one
comes from scripts/lint_dbt.sh, which also compiles and lints every model for Redshift.
"""
from __future__ import annotations

import json
import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCAL_MANIFEST = ROOT / "dbt" / "target" / "manifest.json"
# Functions and syntax PostgreSQL has and Redshift does not.
POSTGRES_ONLY = [r"\bstring_agg\s*\(", r"\barray_agg\s*\(", r"\bgenerate_series\s*\(", r"\bdistinct\s+on\s*\(",
                 r"\bfilter\s*\(\s*where\b", r"::\s*jsonb\b", r"\bjsonb_\w+\s*\(", r"\bunnest\s*\(",
                 r"\bon\s+conflict\b", r"\breturning\b"]


@pytest.fixture(scope="module")
def prod(tmp_path_factory) -> Path:
    """Parse, compile and lint for the Redshift target; the target folder it wrote."""
    out = tmp_path_factory.mktemp("dbt-prod")
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "lint_dbt.sh"), str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, f"Redshift parse/compile/lint failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def local() -> dict:
    assert LOCAL_MANIFEST.exists(), "run scripts/bootstrap.sh first (it writes dbt/target/manifest.json)"
    return json.loads(LOCAL_MANIFEST.read_text())


def _models(manifest: dict) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def _tests_by_model(manifest: dict) -> dict[str, list[tuple[str, str | None]]]:
    """model name -> [(test name, column or None)] for the generic tests attached to it."""
    out = defaultdict(list)
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("test_metadata") and node.get("attached_node"):
            model = node["attached_node"].split(".")[-1]
            out[model].append((node["test_metadata"]["name"], node.get("column_name")))
    return out


def test_every_model_compiles_and_lints_as_redshift_sql(prod):
    compiled = list((prod / "compiled" / "recsys" / "models").rglob("*.sql"))
    assert len([p for p in compiled if ".yml" not in str(p)]) == len(_models(json.loads(
        (prod / "manifest.json").read_text())))


def test_compiled_models_use_no_postgres_only_sql(prod):
    offenders = []
    for path in (prod / "compiled" / "recsys").rglob("*.sql"):
        sql = path.read_text().lower()
        offenders += [f"{path.name}: {pattern}" for pattern in POSTGRES_ONLY if re.search(pattern, sql)]
    assert offenders == []


def test_dist_and_sort_keys_only_on_redshift(prod, local):
    prod_models, local_models = _models(json.loads((prod / "manifest.json").read_text())), _models(local)
    assert prod_models["fct_ratings"]["config"]["dist"] == "user_id"
    assert prod_models["fct_ratings"]["config"]["sort"] == ["ds", "rated_at"]
    assert prod_models["dim_users"]["config"]["dist"] == "all"
    assert all(m["config"].get("dist") is None and m["config"].get("sort") is None for m in local_models.values())


def test_every_model_and_its_columns_are_described(local):
    missing = []
    for name, model in _models(local).items():
        if not model["description"].strip():
            missing.append(name)
        if not model["columns"]:
            missing.append(f"{name}: no documented columns")
        missing += [f"{name}.{c}" for c, col in model["columns"].items() if not col["description"].strip()]
    for source in local["sources"].values():
        if not source["description"].strip():
            missing.append(f"source {source['source_name']}.{source['name']}")
    assert missing == []


def test_every_model_has_its_grain_tested(local):
    """A unique + not_null column, or a unique combination of columns."""
    tests = _tests_by_model(local)
    untested = []
    for name in _models(local):
        kinds = tests[name]
        unique_cols = {c for t, c in kinds if t == "unique"}
        not_null_cols = {c for t, c in kinds if t == "not_null"}
        if not (unique_cols & not_null_cols or any(t == "unique_combination" for t, _ in kinds)):
            untested.append(name)
    assert untested == []


def test_documented_columns_match_the_model_sql(prod, local):
    """A described column that the compiled model does not mention is documentation drift."""
    drift = []
    for name, model in _models(local).items():
        sql = (prod / "compiled" / "recsys" / model["original_file_path"]).read_text().lower()
        drift += [f"{name}.{c}" for c in model["columns"] if not re.search(rf"\b{c}\b", sql)]
    assert drift == []


def test_clean_sources_are_checked_for_freshness(local):
    freshness = {f"{s['source_name']}.{s['name']}": (s.get("freshness") or {}).get("error_after", {}).get("count")
                 for s in local["sources"].values()}
    assert freshness.pop("platform.published_recommendations") is None  # loaded only when a model publishes
    assert freshness.pop("movies.feedback") is None  # empty unless the source is the application's database
    assert freshness.pop("platform.model_run_metrics") is None  # loaded by train, after the day's first dbt build
    assert freshness.pop("platform.task_runs") is None  # written by the tasks as they finish
    assert freshness and all(freshness.values()), freshness
    assert {s["loaded_at_field"] for s in local["sources"].values()} == {"loaded_at"}


def test_models_built_after_publishing_are_tagged_and_nothing_else_needs_them(local):
    models = _models(local)
    published = {n for n, m in models.items() if "published" in m["tags"]}
    assert published == {"stg_platform__published_recommendations", "mart_recs__run_quality",
                         "mart_recs__books_per_genre", "stg_platform__model_run_metrics", "mart_recs__model_metrics",
                         "stg_platform__task_runs", "mart_recs__task_durations"}
    # built in place after publishing: outside the schemas the daily swap replaces
    assert {models[n]["schema"] for n in published} == {"recs"}
    assert "recs" not in {m["schema"] for n, m in models.items() if n not in published}
    for name, model in models.items():
        if name not in published:
            parents = {p.split(".")[-1] for p in model["depends_on"]["nodes"]}
            assert not parents & published, f"{name} would wait for publishing"


def test_fct_ratings_is_incremental_by_ds(local):
    config = _models(local)["fct_ratings"]["config"]
    assert (config["materialized"], config["incremental_strategy"], config["unique_key"]) == (
        "incremental", "delete+insert", "ds")


def test_marts_are_named_after_their_folder(local):
    """marts/<group>/ holds mart_<group>__<name> models; marts/core/ the dim_ and fct_ tables."""
    misnamed = []
    for name, model in _models(local).items():
        parts = model["original_file_path"].split("/")
        if parts[:2] != ["models", "marts"]:
            continue
        group = parts[2]
        expected = ("dim_", "fct_") if group == "core" else (f"mart_{group}__",)
        if not name.startswith(expected):
            misnamed.append(f"{group}/{name}")
    assert misnamed == []


def test_marts_python_reads_with_select_star_have_enforced_typed_contracts(local):
    from recsys.warehouse.marts import TRAINING_MARTS

    models = _models(local)
    for mart, _ in TRAINING_MARTS.values():
        model = models[mart]
        assert model["config"]["contract"]["enforced"], mart
        assert model["columns"] and all(c.get("data_type") for c in model["columns"].values()), mart


def test_formula_marts_have_unit_tests(local):
    tested = {u["model"] for u in local["unit_tests"].values()}
    assert {"mart_analytics__movies_top_rated", "mart_analytics__genre_affinity", "mart_recs__run_quality"} <= tested

"""The DAG folder parses, without touching connections, into the DAG we expect."""
from __future__ import annotations

from pathlib import Path

import pytest

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
STAGES = ["ingest_raw", "clean", "register_catalog", "load_warehouse", "train", "quality_gate", "score", "publish",
          "load_published_recs"]


def _load(**env) -> "DagBag":  # noqa: F821
    import os

    from airflow.models import DagBag

    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("AIRFLOW_CONN_")}
    saved_env = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:  # with no connection defined, any lookup at parse time would be an import error
        return DagBag(dag_folder=str(DAGS_DIR))
    finally:
        os.environ.update(saved)
        for k, v in saved_env.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)


@pytest.fixture(scope="module")
def dagbag():
    return _load()


def test_glue_engine_runs_the_clean_job_with_glue_job_operator():
    from airflow.providers.amazon.aws.operators.glue import GlueJobOperator

    dag = _load(RECSYS_CLEAN_ENGINE="glue").dags["recsys_daily"]
    clean = dag.get_task("clean")
    assert isinstance(clean, GlueJobOperator)
    assert clean.upstream_task_ids == {"upload_glue_code"}
    assert "upload_glue_code" in dag.get_task("ingest_raw").downstream_task_ids
    assert dag.get_task("register_catalog").upstream_task_ids == {"clean"}


def test_params_offer_every_catalogued_source_and_opt_in_tuning_and_exploration(dagbag):
    from spark.cleaning.datasets import BOOK_DATASETS, MOVIE_DATASETS

    params = dagbag.dags["recsys_daily"].params
    assert params.get_param("dataset").schema["enum"] == list(MOVIE_DATASETS)
    assert params.get_param("books_dataset").schema["enum"] == list(BOOK_DATASETS)
    assert params["tuning_trials"] == 0  # tuning is opt-in per run
    assert params["exploration"] == 0.0  # the model's own order unless a run asks for exploration
    exploration = params.get_param("exploration").schema
    assert (exploration["minimum"], exploration["maximum"]) == (0, 1)
    from training.gate import RULES

    assert params["gate_rule"] == "clearly_below" and params.get_param("gate_rule").schema["enum"] == list(RULES)
    assert params["full_evaluation_every_days"] == 7  # a week of refit days, then every model judged again
    assert params.get_param("full_evaluation_every_days").schema["minimum"] == 1  # 1: every run in full


def test_dagbag_is_not_empty_and_has_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "recsys_daily" in dagbag.dag_ids


def test_file_names_match_dag_ids():
    from airflow.models import DagBag

    for path in DAGS_DIR.glob("*.py"):
        bag = DagBag(dag_folder=str(path))
        assert list(bag.dag_ids) == [path.stem]


def test_every_task_retries_with_backoff(dagbag):
    dag = dagbag.dags["recsys_daily"]
    for task in dag.tasks:
        assert task.retries >= 2, task.task_id
        assert task.retry_exponential_backoff, task.task_id


def test_schedule_tags_and_docs(dagbag):
    dag = dagbag.dags["recsys_daily"]
    assert dag.schedule == "@daily"
    assert dag.catchup is False and dag.is_paused_upon_creation is False
    assert {"recsys", "lightfm"} <= set(dag.tags)
    assert "quality_gate" in dag.doc_md


def test_stages_run_in_order_and_dbt_gates_training(dagbag):
    dag = dagbag.dags["recsys_daily"]
    for upstream, downstream in zip(STAGES, STAGES[1:]):
        if upstream == "load_warehouse":
            continue  # the dbt group sits between load_warehouse and train
        assert downstream in dag.get_task(upstream).downstream_task_ids, (upstream, downstream)
    dbt_tasks = [t for t in dag.tasks if t.task_id.startswith("dbt.")]
    assert dag.get_task("dbt.dbt_producer_watcher").base_cmd == ["build"], "one dbt build: models, then their tests"
    runs = {t.task_id.removesuffix(".run") for t in dbt_tasks if t.task_id.endswith(".run")}
    assert "dbt.fct_ratings" in runs and runs <= {t.task_id.removesuffix(".test") for t in dbt_tasks
                                                  if t.task_id.endswith(".test")}, "every model's tests have a task"
    train_upstream = dag.get_task("train").get_flat_relative_ids(upstream=True)
    assert {t.task_id for t in dbt_tasks} <= train_upstream, "training waits for every dbt model and test"
    assert "load_warehouse" in {u for t in dbt_tasks for u in t.get_flat_relative_ids(upstream=True)}


def test_a_refused_gate_stops_scoring_and_publishing_so_the_live_recommendations_stay(dagbag):
    dag = dagbag.dags["recsys_daily"]
    assert "score" in dag.get_task("quality_gate").downstream_task_ids
    assert "publish" in dag.get_task("score").downstream_task_ids
    for task_id in ("score", "publish"):  # a failed (refusing) upstream never lets these run
        assert dag.get_task(task_id).trigger_rule == "all_success", task_id


def test_source_freshness_runs_before_the_models_that_read_the_sources(dagbag):
    dag = dagbag.dags["recsys_daily"]
    freshness = dag.get_task("dbt.movies_ratings_source")
    assert freshness.upstream_task_ids == {"dbt.dbt_producer_watcher"}
    assert dag.get_task("dbt.dbt_producer_watcher").upstream_task_ids == {"prepare_warehouse_build"}
    assert dag.get_task("prepare_warehouse_build").upstream_task_ids == {"load_warehouse"}
    assert "dbt.stg_movies__ratings.run" in freshness.downstream_task_ids


@pytest.mark.parametrize("group", ["dbt", "dbt_published"])
def test_every_dbt_node_task_waits_for_the_groups_dbt_build(dagbag, group):
    """`airflow dags test` runs one task at a time: a node task started before the build would wait for ever."""
    dag = dagbag.dags["recsys_daily"]
    producer = f"{group}.dbt_producer_watcher"
    nodes = [t for t in dag.tasks if t.task_id.startswith(f"{group}.") and t.task_id != producer]
    assert nodes and all(producer in t.get_flat_relative_ids(upstream=True) for t in nodes)
    first = [t for t in nodes if producer in t.upstream_task_ids and not t.task_id.endswith("_done")]
    assert first and all(t.trigger_rule == "none_failed" for t in first), "a retried build (skipped) still reports"


def test_the_day_is_built_beside_the_live_schemas_and_swapped_in_after_training_before_publishing(dagbag):
    dag = dagbag.dags["recsys_daily"]
    assert dag.get_task("dbt.dbt_producer_watcher").vars == {"ds": "{{ ds }}", "schema_suffix": "_next"}
    assert dag.get_task("dbt_published.dbt_producer_watcher").vars["schema_suffix"] == ""
    assert dag.get_task("swap_warehouse").upstream_task_ids == {"train"}
    assert "swap_warehouse" in dag.get_task("publish").upstream_task_ids


def test_recommendations_marts_are_built_from_what_was_published(dagbag):
    dag = dagbag.dags["recsys_daily"]
    published = {t.task_id for t in dag.tasks if t.task_id.startswith("dbt_published.")}
    assert "dbt_published.mart_recs__run_quality.run" in published
    assert "dbt.mart_recs__run_quality.run" not in {t.task_id for t in dag.tasks}
    upstream = dag.get_task("dbt_published.mart_recs__run_quality.run").get_flat_relative_ids(upstream=True)
    assert {"publish", "load_published_recs"} <= upstream


@pytest.mark.parametrize("warehouse, target, mapping", [("postgres", "local", "PostgresUserPasswordProfileMapping"),
                                                         ("redshift", "prod", "RedshiftUserPasswordProfileMapping")])
def test_dbt_profile_comes_from_the_warehouse_connection(warehouse, target, mapping):
    dag = _load(RECSYS_WAREHOUSE_TYPE=warehouse).dags["recsys_daily"]
    profile = dag.get_task("dbt.dbt_producer_watcher").profile_config
    assert profile.target_name == target
    assert type(profile.profile_mapping).__name__ == mapping
    assert profile.profile_mapping.conn_id == "recsys_warehouse"


def test_default_params_validate_and_the_trigger_form_needs_no_input(dagbag):
    """The Airflow 3 trigger form treats a param as required unless its type allows null, and an empty
    text field becomes null: every param without a meaningful default must allow null."""
    params = dagbag.dags["recsys_daily"].params
    params.validate()
    for name in params:
        param = params.get_param(name)
        types = param.schema.get("type")
        types = types if isinstance(types, list) else [types]
        if param.value in (None, ""):
            assert "null" in types, f"{name} would be required by the trigger form"
    assert params["dataset_uri"] is None and params["books_uri"] is None


def test_tasks_have_an_owner_a_failure_hook_and_their_docs_in_the_ui(dagbag):
    from recsys.alerts import on_dag_failure

    dag = dagbag.dags["recsys_daily"]
    assert on_dag_failure in (dag.on_failure_callback if isinstance(dag.on_failure_callback, list)
                              else [dag.on_failure_callback])
    for task_id in STAGES:
        task = dag.get_task(task_id)
        assert task.owner == "recsys-data", task_id
        assert task.doc_md and len(task.doc_md) > 40, task_id


def test_a_run_without_a_logical_date_fails_for_good_at_the_first_task_writing_nothing(dagbag, monkeypatch):
    """A REST API trigger without logical_date gives ds=None; nothing may be written under ds=None."""
    from airflow.sdk.exceptions import AirflowFailException

    from recsys import stages

    task = dagbag.dags["recsys_daily"].get_task("ingest_raw")
    assert not task.upstream_task_ids
    ingested = []
    monkeypatch.setattr(stages, "ingest_raw", lambda *args: ingested.append(args))
    params = {"dataset": "sample-movielens", "dataset_uri": None, "books_dataset": "sample-goodbooks",
              "books_uri": None}
    with pytest.raises(AirflowFailException, match="no logical date"):
        task.python_callable(ds=None, params=params)
    assert ingested == []
    task.python_callable(ds="2026-01-02", params=params)
    assert ingested[0][1:] == ("2026-01-02", {"sample-movielens": "", "sample-goodbooks": ""})


def test_one_default_quarantine_limit_for_the_dag_the_job_and_glue(dagbag):
    import inspect

    from spark.cleaning.accounting import MAX_QUARANTINE_FRACTION
    from spark.jobs import clean_sources

    assert dagbag.dags["recsys_daily"].params["max_quarantine_fraction"] == MAX_QUARANTINE_FRACTION
    assert clean_sources.parse_args(["--lake", "s3a://x", "--ds", "2026-01-01"]).max_quarantine_fraction == \
        MAX_QUARANTINE_FRACTION
    assert inspect.signature(clean_sources.run).parameters["max_quarantine_fraction"].default == \
        MAX_QUARANTINE_FRACTION

"""
### recsys_daily: raw files to per-user recommendations, every day

| task | what it does | writes |
|---|---|---|
| `ingest_raw` | refuses a run without a logical date; downloads (checksummed, cached) or copies the datasets' files byte for byte; for `app-db`, extracts the application database's changes since the watermark | `s3://<lake>/raw/<dataset>/ds=<ds>/` |
| `clean` | PySpark job, spark-submit locally or AWS Glue 5: typed, validated, deduplicated; rejects with file, line and reason; fails when rows do not balance or too many are quarantined | `clean/<table>/ds=<ds>/`, `quarantine/...` |
| `register_catalog` | registers the clean tables in the Glue Data Catalog | `<catalog db>.<table>` partition ds |
| `load_warehouse` | replaces the ds partition of the warehouse `raw` schema | `raw.*` |
| `prepare_warehouse_build` | empty `*_next` schemas beside the live ones, with the history of incremental models | `*_next` schemas |
| `dbt` | cosmos task group in watcher mode: one `dbt build` (source freshness, then each model and its tests), and a task per source, model and test reporting how it ended; a failing test stops the run | `staging_next.*`, `intermediate_next.*`, `marts_next.*`, `seeds_next.*` |
| `train` | every model (LightFM hybrid with demographic + genre features, EASE, item-kNN, ALS, blends, popularity, naive Bayes): settings and the served model chosen on a validation split, judged on protocols A (warm) and B (cold start); optional tuning | `models/<run_id>/` with report.md |
| `swap_warehouse` | swaps the `_next` schemas in for the live ones in one transaction (readers see one complete day); an older ds than the live one drops its build instead | `staging`, `intermediate`, `marts`, `seeds`; `marts.warehouse_as_of` |
| `quality_gate` | refuses a model clearly below (paired 95% interval; any point below with `gate_rule` = `below`) a baseline of its run, or clearly below the live configuration retrained in the run; the live recommendations stay | - |
| `score` | top-10 unseen movies (re-ranked by `exploration`) and top-5 books (from the movies' genres) per user, and per demographic segment for new users | `recs/ds=<ds>/` |
| `publish` | a complete new version (one item per user and per segment) beside the live one, then one conditional write points readers at it; the API's catalogue and fold-in weights; an SNS message; skipped when a newer ds is live (backfills never replace newer recommendations) | the recommendations table, `published/` |
| `load_published_recs` | loads what was published back into the warehouse | `raw.published_recommendations` |
| `dbt_published` | cosmos task group: the recommendations marts (coverage, popularity bias, diversity), built in place | `recs.mart_recs__*` |

Every task is idempotent for its logical date: a rerun overwrites its own partition, and
every stage reads its own ds's data (`score` reads the data its model run was trained on), so
clearing an old run reproduces that day without touching what is live. A model
run id is unique per DAG run (`model-<ds>-<digest of the DAG run id>`), with its ds beside it.

Params: `dataset` (movies: `sample-movielens`, `ml-100k`, `ml-1m`, `ml-latest-small`,
`ml-latest`, `ml-25m`, `netflix`, or `app-db`: the application's database, a full load and then each
day's changes in the AWS DMS format, merged onto the day before) and `books_dataset` (`sample-goodbooks`,
`goodbooks-10k`, `goodreads-21st-century`). Leave `dataset_uri` / `books_uri` empty
for the official download (or the bundled sample), or give a folder, a zip, or a
`file://`, `s3://` or `https://` URI. `exploration` (0 to 1, default 0) re-ranks the
published lists towards less popular, more genre-diverse movies; the run's report shows what
each level costs in NDCG@10. `lightfm_threads` (default 1) trains LightFM on more threads: faster,
and a rerun then matches in quality (within 0.02 NDCG@10) rather than list for list.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProjectConfig, RenderConfig
from cosmos.constants import (PRODUCER_WATCHER_TASK_ID, ExecutionMode, LoadMode, SourceRenderingBehavior,
                              TestBehavior)

from recsys import backends, stages
from recsys.alerts import on_dag_failure
from recsys.settings import get_settings
from recsys.warehouse.swap import BUILD_SUFFIX
from spark.cleaning.accounting import MAX_QUARANTINE_FRACTION
from spark.cleaning.datasets import BOOK_DATASETS, MOVIE_DATASETS
from training.schedule import FULL_EVERY_DAYS

settings = get_settings()
DBT_DIR = settings.dbt_project_dir
PUBLISHED = "tag:published"  # models of what was published, built after publishing
OPTIONAL_URI = dict(type=["null", "string"],
                    description="folder, zip, file://, s3:// or https:// URI; empty = official download "
                                "(or the bundled sample)")


def dbt_group(group_id: str, select: list[str] | None = None, exclude: list[str] | None = None,
              schema_suffix: str = "") -> DbtTaskGroup:
    """A cosmos task group over the dbt project in watcher mode: one `dbt build` (source freshness, then every
    model followed by its tests, on the profile's threads) and one task per model and per test that reports
    how its node ended, so a failing test fails its task and stops everything downstream, and a retried task
    runs its own node again. ``schema_suffix`` builds into schemas beside the live ones (swapped in later)."""
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(dbt_project_path=DBT_DIR, manifest_path=DBT_DIR / "target" / "manifest.json",
                                     dbt_vars={"ds": "{{ ds }}", "schema_suffix": schema_suffix}),
        profile_config=backends.dbt_profile(settings),
        # A stale source fails its own task (and so everything after it) instead of cosmos's default, which
        # quietly skips the models on top of a source that is merely late (freshness "warn").
        execution_config=ExecutionConfig(execution_mode=ExecutionMode.WATCHER,
                                         setup_operator_args={"freshness_callback": lambda *_: []}),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.AFTER_EACH,
                                   should_detach_multiple_parents_tests=True, select=select or [],
                                   exclude=exclude or [],
                                   source_rendering_behavior=SourceRenderingBehavior.WITH_TESTS_OR_FRESHNESS),
        operator_args={"install_deps": False},
    )
    _after_the_producer(group)
    return group


def _after_the_producer(group: DbtTaskGroup) -> None:
    """Start the group's first node tasks once `dbt build` has ended. Cosmos starts them beside it, which
    deadlocks `airflow dags test` (it runs one task at a time and a waiting node task never yields);
    ``none_failed`` lets them report the nodes' statuses when a retried producer skips."""
    producer = group.children[f"{group.group_id}.{PRODUCER_WATCHER_TASK_ID}"]
    for task in group.get_roots():
        if task is not producer:
            task.trigger_rule = "none_failed"
            producer >> task


@dag(
    dag_id="recsys_daily",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,  # a daily refresh: live as soon as the scheduler sees it
    max_active_runs=1,
    default_args={"owner": "recsys-data", "retries": 2, "retry_delay": timedelta(minutes=1),
                  "retry_exponential_backoff": True, "max_retry_delay": timedelta(minutes=15)},
    on_failure_callback=on_dag_failure,
    tags=["recsys", "movielens", "goodbooks", "lightfm"],
    doc_md=__doc__,
    params={
        "dataset": Param(settings.dataset, enum=list(MOVIE_DATASETS),
                         description="movie ratings dataset (default: RECSYS_DATASET)"),
        "dataset_uri": Param(None, **OPTIONAL_URI),
        "books_dataset": Param("sample-goodbooks", enum=list(BOOK_DATASETS), description="book catalogue dataset"),
        "books_uri": Param(None, **OPTIONAL_URI),
        "max_quarantine_fraction": Param(MAX_QUARANTINE_FRACTION, type="number", minimum=0, maximum=1,
                                         description="fail `clean` if a table quarantines more than this"),
        "tuning_trials": Param(0, type="integer", minimum=0, maximum=50,
                               description="0 = train with the configured hyperparameters; N = search N "
                                           "settings first (logged, saved as tuning.json) and use the best"),
        "lightfm_threads": Param(1, type="integer", minimum=1, maximum=64,
                                 description="LightFM's training threads: 1 = a rerun of the day publishes the "
                                             "same lists; more = faster (Hogwild), and a rerun then matches in "
                                             "quality (within 0.02 NDCG@10, tested), not list for list"),
        "full_evaluation_every_days": Param(
            FULL_EVERY_DAYS, type="integer", minimum=1, maximum=366,
            description="1 = every run tunes and judges every model on validation and both protocols; N = the "
                        "N-1 days after such a run refit its settings and choices and judge only on protocol A "
                        "(the served model and every baseline, the gate's numbers): most of train's time saved"),
        "exploration": Param(0.0, type="number", minimum=0, maximum=1,
                             description="0 = the model's own order; up to 1 = re-rank the published lists "
                                         "towards less popular, more genre-diverse movies (the run's report "
                                         "shows the NDCG@10 each level costs)"),
        "gate_rule": Param("clearly_below", enum=["clearly_below", "below"],
                           description="refuse to publish a model clearly below a baseline of its run (paired "
                                       "95% interval under zero), or any point below one (`below`)"),
    },
)
def recsys_daily():
    @task
    def ingest_raw(ds=None, params=None) -> dict:
        """Copy the movie and book datasets' files untouched into `raw/<dataset>/ds=<ds>/`, with a manifest.
        A run without a logical date is refused here, before anything is written."""
        return stages.ingest_raw(settings, stages.require_ds(ds),
                                 {params["dataset"]: params["dataset_uri"] or "",
                                  params["books_dataset"]: params["books_uri"] or ""})

    @task
    def clean(ds=None, params=None) -> dict:
        """Run the Spark clean job (spark-submit): canonical Parquet tables, quarantined rows with reasons,
        and the row accounting, which the job enforces."""
        return stages.clean(settings, ds, params["dataset"], params["books_dataset"],
                            params["max_quarantine_fraction"])

    @task
    def upload_glue_code() -> dict:
        """Upload the clean job and its helper package for AWS Glue."""
        return stages.upload_glue_code(settings)

    @task
    def register_catalog(ds=None) -> dict:
        """Register the day's clean tables as partitions in the Glue Data Catalog."""
        return stages.register_catalog(settings, ds)

    @task
    def load_warehouse(ds=None) -> dict:
        """Replace the day's partition of every table in the warehouse `raw` schema."""
        return stages.load_warehouse(settings, ds)

    @task
    def prepare_warehouse_build(ds=None) -> dict:
        """Create empty `*_next` schemas for dbt to build this ds into, beside the live ones analysts read,
        with a copy of the incremental models' history (`fct_ratings`)."""
        return stages.prepare_warehouse_build(settings, ds)

    @task
    def swap_warehouse(ds=None) -> dict:
        """Swap the schemas dbt built for this ds in for the live ones, in one transaction, so analysts see one
        complete day; a backfill of an older ds drops its build instead (the newer day stays live)."""
        return stages.swap_warehouse(settings, ds)

    # Tasks pass the model run id along; `run_id` itself is a reserved context key.
    @task
    def train(ds=None, params=None, dag_run=None) -> str:
        """Choose settings and the served model on a validation split, evaluate every model on both
        protocols (on a refit day, `full_evaluation_every_days`: take the last full evaluation's settings and
        choices, and judge on protocol A only), fit the chosen warm and cold-start models on all positives,
        and store the run (models, metrics, report with each step's cost) in the registry; returns the model
        run id."""
        return stages.train(settings, ds, dag_run.run_id, params["dataset"], params["tuning_trials"],
                            params["lightfm_threads"], params["full_evaluation_every_days"])["run_id"]

    @task
    def quality_gate(model_run_id: str, params=None) -> str:
        """Refuse (for good, no retry) a model clearly below a baseline of its own run (or any point below, with
        `gate_rule` = `below`), or clearly below the live run's configuration retrained on today's data (paired
        95% interval under zero); the live recommendations stay."""
        stages.quality_gate(settings, model_run_id, params["gate_rule"])
        return model_run_id

    @task
    def score(model_run_id: str, ds=None, params=None) -> str:
        """Score every user and every demographic segment with the run's models into `recs/ds=<ds>/`,
        re-ranked by the `exploration` param; users without a positive are served as new users."""
        stages.score(settings, model_run_id, ds, params["exploration"])
        return model_run_id

    @task
    def publish(model_run_id: str, ds=None, logical_date=None) -> str:
        """Publish the day's recommendations as a new version, point readers at it and notify (skipped when a
        newer ds is live)."""
        stages.publish_recs(settings, model_run_id, ds, logical_date.isoformat())
        return model_run_id

    @task
    def load_published_recs(model_run_id: str, ds=None) -> dict:
        """Load what was published into `raw.published_recommendations` for the recommendations marts."""
        return stages.load_published_recs(settings, model_run_id, ds)

    raw = ingest_raw()
    if settings.clean_engine == "glue":
        from recsys.clean.glue import clean_job_operator

        cleaned = clean_job_operator(settings)
        raw >> upload_glue_code() >> cleaned
    else:
        cleaned = clean()
        raw >> cleaned
    loaded = load_warehouse()
    cleaned >> register_catalog() >> loaded
    marts = dbt_group("dbt", exclude=[PUBLISHED], schema_suffix=BUILD_SUFFIX)
    model_run = train()
    loaded >> prepare_warehouse_build() >> marts >> model_run
    swapped = swap_warehouse()
    model_run >> swapped
    published = publish(score(quality_gate(model_run)))
    swapped >> published
    load_published_recs(published) >> dbt_group("dbt_published", select=[PUBLISHED])


recsys_daily()

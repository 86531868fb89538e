"""
### recsys_daily: raw files to per-user recommendations, every day

| task | what it does | writes |
|---|---|---|
| `ingest_raw` | downloads (checksummed, cached) or copies the datasets' files byte for byte | `s3://<lake>/raw/<dataset>/ds=<ds>/` |
| `clean` | PySpark job, spark-submit locally or AWS Glue 5: typed, validated, deduplicated; rejects with file, line and reason | `clean/<table>/ds=<ds>/`, `quarantine/...` |
| `register_catalog` | checks the row accounting, registers the clean tables in the Glue Data Catalog | `<catalog db>.<table>` partition ds |
| `load_warehouse` | replaces the ds partition of the warehouse `raw` schema | `raw.*` |
| `dbt` | cosmos task group: source freshness, then one `dbt build` per model (the model, then its tests); a failing test stops the run | `staging.*`, `intermediate.*`, `marts.*` |
| `train` | LightFM hybrid (demographic + genre features) and baselines on protocols A (warm) and B (cold start); optional tuning | `models/<run_id>/` with report.md |
| `quality_gate` | refuses a model that does not beat global popularity, or falls >5% below the last published run | - |
| `score` | top-10 unseen movies and top-5 books (from the movies' genres) per user, and per demographic segment for new users | `recs/ds=<ds>/` |
| `publish` | one DynamoDB item per user | the recommendations table |
| `load_published_recs` | loads what was published back into the warehouse | `raw.published_recommendations` |
| `dbt_published` | cosmos task group: the recommendations marts (coverage, popularity bias, diversity) | `marts.mart_recs__*` |

Every task is idempotent for its logical date: a rerun overwrites its own partition.

Params: `dataset` (movies: `sample-movielens`, `ml-100k`, `ml-1m`, `ml-latest-small`,
`ml-latest`, `ml-25m`, `netflix`) and `books_dataset` (`sample-goodbooks`,
`goodbooks-10k`, `goodreads-21st-century`). Leave `dataset_uri` / `books_uri` empty
for the official download (or the bundled sample), or give a folder, a zip, or a
`file://`, `s3://` or `https://` URI.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, chain, dag, task
from cosmos import DbtTaskGroup, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import LoadMode, SourceRenderingBehavior, TestBehavior
from cosmos.profiles import PostgresUserPasswordProfileMapping, RedshiftUserPasswordProfileMapping

from recsys import stages
from recsys.settings import get_settings
from spark.cleaning.datasets import BOOK_DATASETS, MOVIE_DATASETS

settings = get_settings()
DBT_DIR = settings.dbt_project_dir
# dbt's profile comes from the recsys_warehouse Airflow connection (read at run time, not parse time).
_MAPPING, _TARGET = ((RedshiftUserPasswordProfileMapping, "prod") if settings.warehouse_type == "redshift"
                     else (PostgresUserPasswordProfileMapping, "local"))
DBT_PROFILE = ProfileConfig(profile_name="recsys", target_name=_TARGET,
                            profile_mapping=_MAPPING(conn_id=settings.warehouse_conn_id,
                                                     profile_args={"schema": "public"}))
PUBLISHED = "tag:published"  # models of what was published, built after publishing


def dbt_group(group_id: str, select: list[str] | None = None, exclude: list[str] | None = None) -> DbtTaskGroup:
    """A cosmos task group over the dbt project: one `dbt build` per model (the model, then its tests), so a
    failing test fails the model's task and stops everything downstream."""
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(dbt_project_path=DBT_DIR, manifest_path=DBT_DIR / "target" / "manifest.json",
                                     dbt_vars={"ds": "{{ ds }}"}),
        profile_config=DBT_PROFILE,
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.BUILD,
                                   should_detach_multiple_parents_tests=True, select=select or [],
                                   exclude=exclude or [],
                                   source_rendering_behavior=SourceRenderingBehavior.WITH_TESTS_OR_FRESHNESS),
        operator_args={"install_deps": False},
    )


@dag(
    dag_id="recsys_daily",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,  # a daily refresh: live as soon as the scheduler sees it
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1), "retry_exponential_backoff": True,
                  "max_retry_delay": timedelta(minutes=15)},
    tags=["recsys", "movielens", "goodbooks", "lightfm"],
    doc_md=__doc__,
    params={
        "dataset": Param("sample-movielens", enum=list(MOVIE_DATASETS), description="movie ratings dataset"),
        "dataset_uri": Param("", type="string",
                             description="folder, zip, file://, s3:// or https:// URI; empty = official download"),
        "books_dataset": Param("sample-goodbooks", enum=list(BOOK_DATASETS), description="book catalogue dataset"),
        "books_uri": Param("", type="string",
                           description="folder, zip, file://, s3:// or https:// URI; empty = official download"),
        "max_quarantine_fraction": Param(0.05, type="number", minimum=0, maximum=1,
                                         description="fail `clean` if a table quarantines more than this"),
        "tuning_trials": Param(0, type="integer", minimum=0, maximum=50,
                               description="0 = train with the configured hyperparameters; N = search N "
                                           "settings first (logged, saved as tuning.json) and use the best"),
    },
)
def recsys_daily():
    @task
    def ingest_raw(ds=None, params=None) -> dict:
        return stages.ingest_raw(settings, ds, {params["dataset"]: params["dataset_uri"],
                                                params["books_dataset"]: params["books_uri"]})

    if settings.clean_engine == "glue":
        from recsys.glue import clean_job_operator

        @task
        def upload_glue_code() -> dict:
            return stages.upload_glue_code(settings)

        clean_step = [upload_glue_code(), clean_job_operator(settings)]
    else:
        @task
        def clean(ds=None, params=None) -> dict:
            return stages.clean(settings, ds, params["dataset"], params["books_dataset"],
                                params["max_quarantine_fraction"])

        clean_step = [clean()]

    @task
    def register_catalog(ds=None, params=None) -> dict:
        return stages.register_catalog(settings, ds, params["max_quarantine_fraction"])

    @task
    def load_warehouse(ds=None) -> dict:
        return stages.load_warehouse(settings, ds)

    # Tasks pass the model run id along; `run_id` itself is a reserved context key.
    @task
    def train(ds=None, params=None) -> str:
        return stages.train(settings, ds, params["dataset"], params["tuning_trials"])["run_id"]

    @task
    def quality_gate(model_run_id: str) -> str:
        stages.quality_gate(settings, model_run_id)
        return model_run_id

    @task
    def score(model_run_id: str, ds=None) -> str:
        stages.score(settings, model_run_id, ds)
        return model_run_id

    @task
    def publish(model_run_id: str, ds=None, logical_date=None) -> str:
        stages.publish_recs(settings, model_run_id, ds, logical_date.isoformat())
        return model_run_id

    @task
    def load_published_recs(model_run_id: str, ds=None) -> dict:
        return stages.load_published_recs(settings, model_run_id, ds)

    trained = train()
    chain(ingest_raw(), *clean_step, register_catalog(), load_warehouse(), dbt_group("dbt", exclude=[PUBLISHED]),
          trained)
    chain(load_published_recs(publish(score(quality_gate(trained)))), dbt_group("dbt_published", select=[PUBLISHED]))


recsys_daily()

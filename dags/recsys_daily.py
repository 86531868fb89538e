"""
### recsys_daily: raw files to per-user recommendations, every day

| task | what it does | writes |
|---|---|---|
| `ingest_raw` | copies the source files byte for byte, with sizes and sha256 | `s3://<lake>/raw/<source>/ds=<ds>/` |
| `clean` | PySpark job (Glue-compatible): typed, validated, deduplicated; rejects with reasons | `clean/<table>/ds=<ds>/`, `quarantine/...` |
| `load_warehouse` | replaces the ds partition of the warehouse `raw` schema | `raw.*` |
| `dbt` | cosmos task group: every model, then its tests; a failing test stops the run | `staging.*`, `intermediate.*`, `marts.*` |
| `train` | LightFM hybrid (demographic + genre features) vs popularity on a temporal hold-out | `models/<run_id>/` |
| `quality_gate` | refuses a model that does not beat popularity on NDCG@10 | - |
| `score` | top-10 unseen movies and top-5 books (from the movies' genres) per user | `recs/ds=<ds>/` |
| `publish` | one DynamoDB item per user | the recommendations table |

Every task is idempotent for its logical date: a rerun overwrites its own partition.
Params: leave `movielens_path` / `goodbooks_path` empty for the bundled sample, or give
folders holding MovieLens-1M (`users.dat`, `movies.dat`, `ratings.dat`) and
goodbooks-10k (`books.csv`, `tags.csv`, `book_tags.csv`) files.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, chain, dag, task
from cosmos import DbtTaskGroup, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import LoadMode, TestBehavior
from cosmos.profiles import PostgresUserPasswordProfileMapping

from recsys import stages
from recsys.settings import get_settings

settings = get_settings()
DBT_DIR = settings.dbt_project_dir


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
        "movielens_path": Param("", type="string", description="MovieLens-1M folder; empty = bundled sample"),
        "goodbooks_path": Param("", type="string", description="goodbooks-10k folder; empty = bundled sample"),
        "max_quarantine_fraction": Param(0.05, type="number", minimum=0, maximum=1,
                                         description="fail `clean` if a table quarantines more than this"),
    },
)
def recsys_daily():
    @task
    def ingest_raw(ds=None, params=None) -> dict:
        return stages.ingest_raw(settings, ds, params["movielens_path"], params["goodbooks_path"])

    @task
    def clean(ds=None, params=None) -> dict:
        return stages.clean(settings, ds, params["max_quarantine_fraction"])

    @task
    def load_warehouse(ds=None) -> dict:
        return stages.load_warehouse(settings, ds)

    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(dbt_project_path=DBT_DIR, manifest_path=DBT_DIR / "target" / "manifest.json",
                                     dbt_vars={"ds": "{{ ds }}"}),
        profile_config=ProfileConfig(
            profile_name="recsys", target_name="local",
            profile_mapping=PostgresUserPasswordProfileMapping(conn_id=settings.warehouse_conn_id,
                                                               profile_args={"schema": "public"})),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.AFTER_EACH,
                                   should_detach_multiple_parents_tests=True),
        operator_args={"install_deps": False},
    )

    # Tasks pass the model run id along; `run_id` itself is a reserved context key.
    @task
    def train(ds=None) -> str:
        return stages.train(settings, ds)["run_id"]

    @task
    def quality_gate(model_run_id: str) -> str:
        stages.quality_gate(settings, model_run_id)
        return model_run_id

    @task
    def score(model_run_id: str, ds=None) -> str:
        stages.score(settings, model_run_id, ds)
        return model_run_id

    @task
    def publish(model_run_id: str, ds=None, logical_date=None) -> dict:
        return stages.publish_recs(settings, model_run_id, ds, logical_date.isoformat())

    trained = train()
    chain(ingest_raw(), clean(), load_warehouse(), dbt, trained)
    publish(score(quality_gate(trained)))


recsys_daily()

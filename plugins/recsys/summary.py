"""Print what a run produced: rows per stage, model metrics, one user's recommendations."""
from __future__ import annotations

from airflow.providers.amazon.aws.hooks.dynamodb import DynamoDBHook
from airflow.providers.postgres.hooks.postgres import PostgresHook

from recsys import lake
from recsys.aws import s3_hook
from recsys.settings import Settings
from recsys.spark_job import read_json_part


def count_items(dynamo: DynamoDBHook) -> int:
    """Items in the hook's table (scan pages are 1 MB, so sum over all pages)."""
    pages = dynamo.conn.meta.client.get_paginator("scan").paginate(TableName=dynamo.table_name, Select="COUNT")
    return sum(page["Count"] for page in pages)


def _warehouse_counts(settings: Settings, ds: str) -> dict[str, int]:
    pg = PostgresHook(postgres_conn_id=settings.warehouse_conn_id)
    tables = [r[0] for r in pg.get_records(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('raw', 'marts') order by 1")]
    return {t: pg.get_first(f"select count(*) from {t}" + (" where ds = %s" if t.startswith("raw.") else ""),
                            parameters=(ds,) if t.startswith("raw.") else None)[0] for t in tables}


def print_summary(settings: Settings, ds: str) -> None:
    """Print the run summary of ``ds`` read back from the lake, the warehouse and DynamoDB."""
    from training import registry

    s3 = s3_hook(settings)
    bucket = settings.lake_bucket
    print(f"\n=== recsys_daily ds={ds} ===")
    print("\n-- clean (rows in / clean / quarantined / deduplicated)")
    tables = read_json_part(s3, bucket, lake.clean_manifest_prefix(ds))["tables"]
    for table, c in tables.items():
        print(f"  {table:<10} {c['rows_in']:>8} {c['rows_clean']:>8} {c['rows_quarantined']:>6} "
              f"{c['rows_deduplicated']:>6}  {c['top_reasons'] or ''}")
    print("\n-- warehouse rows")
    for table, n in _warehouse_counts(settings, ds).items():
        print(f"  {table:<40} {n:>8}")
    run_id = registry.model_run_id(ds)
    metrics = registry.load_metrics(s3, bucket, run_id)
    for protocol, title in (("A", "warm, temporal hold-out"), ("B", "cold start, 5 folds of new users")):
        print(f"\n-- model run {run_id}, protocol {protocol} ({title})")
        for name, m in metrics["protocols"][protocol].items():
            print(f"  {name:<15} ndcg@10={m['ndcg@10']:.4f}  precision@10={m['precision@10']:.4f}  "
                  f"coverage@10={m['coverage@10']:.3f}")
    cold = metrics["cold_start"]
    print(f"  cold start serves: {cold['model']} (reference {cold['reference']})")
    print(f"  published: {registry.published_run(s3, bucket)}")

    dynamo = DynamoDBHook(aws_conn_id=settings.aws_conn_id, table_name=settings.recs_table)
    item = dynamo.get_conn().Table(settings.recs_table).get_item(Key={"user_id": "1"}).get("Item")
    print(f"\n-- DynamoDB {settings.recs_table}: {count_items(dynamo)} items; user 1:")
    if item:
        for m in item["movies"]:
            print(f"  movie {int(m['movie_id']):>5}  {float(m['score']):7.3f}  {m['title']}")
        for b in item["books"]:
            print(f"  book  {int(b['book_id']):>5}  {float(b['score']):7.3f}  {b['title']} - {b['authors']}")
        print(f"  model_run_id={item['model_run_id']} ds={item['ds']} generated_at={item['generated_at']}")
    print("\nWhere to look next:")
    print(f"  lake:       s3://{bucket}/ at {settings.moto_endpoint} (aws --endpoint-url ... s3 ls)")
    print(f"  warehouse:  psql postgresql://{settings.pg_user}@{settings.pg_host}:{settings.pg_port}/"
          f"{settings.pg_database}  (password: RECSYS_PG_PASSWORD)")
    print("              analyst marts: marts.mart_* (README: For analysts); docs: make dbt-docs")
    print("  Airflow UI: make ui   then http://127.0.0.1:8080")

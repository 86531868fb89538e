"""Print what the run of one ds produced: rows per stage, that day's model runs, one user's recommendations.

Everything keyed by ds is read for the ds asked for (the clean accounting, the raw
partitions, the model runs, the scored recommendations); what only exists as current
state (the marts, the live pointer, the DynamoDB table) is labelled as such.
"""
from __future__ import annotations

from recsys import backends
from recsys.serving.signing import signing_key
from recsys.settings import Settings
from spark.cleaning import lake


def _print_versions(table) -> None:
    from recsys.serving import versions

    live = versions.live(table)
    print(f"\n-- DynamoDB {table.name}: live version {live['run_id'] if live else None}"
          f"{' (previous: ' + str(live['previous']) + ')' if live else ''}")
    for record in versions.versions(table):
        print(f"  {record['version']:<40} ds={record['ds']} {record['status']:<9} {int(record['items']):>7} items  "
              f"published {record['published_at'][:19]}")


def warehouse_counts(hook, ds: str) -> dict[str, int]:
    """Rows of each raw table's ``ds`` partition, and of each mart (current state)."""
    tables = [r[0] for r in hook.get_records(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('raw', 'marts', 'recs') order by 1")]
    return {t: hook.get_first(f"select count(*) from {t}" + (" where ds = %s" if t.startswith("raw.") else ""),
                              parameters=(ds,) if t.startswith("raw.") else None)[0] for t in tables}


def _print_clean(s3, bucket: str, ds: str) -> bool:
    from recsys.lake_io import read_clean_manifest

    try:
        tables = read_clean_manifest(s3, bucket, ds, complete=False)["tables"]
    except FileNotFoundError:
        print(f"\nnothing was cleaned for ds={ds} in s3://{bucket}/: no run of that day to summarise")
        return False
    print(f"\n-- clean, ds={ds} (rows in / clean / quarantined / deduplicated)")
    for table, c in tables.items():
        print(f"  {table:<10} {c['rows_in']:>8} {c['rows_clean']:>8} {c['rows_quarantined']:>6} "
              f"{c['rows_deduplicated']:>6}  {c['top_reasons'] or ''}")
    return True


def _print_model_runs(s3, bucket: str, key: bytes, ds: str) -> str | None:
    from recsys.serving import registry

    runs = registry.runs_of_day(s3, bucket, key, ds)
    if not runs:
        print(f"\n-- no model run for ds={ds}")
        return None
    if len(runs) > 1:
        print(f"\n-- {len(runs)} model runs for ds={ds}: {', '.join(runs)}; the newest:")
    run_id = runs[-1]
    metrics = registry.load_metrics(s3, bucket, key, run_id)
    for protocol, title in (("A", "warm, temporal hold-out"), ("B", "cold start, 5 folds of new users")):
        if protocol not in metrics["protocols"]:
            continue
        print(f"\n-- model run {run_id}, protocol {protocol} ({title})")
        for name, m in metrics["protocols"][protocol].items():
            print(f"  {name:<28} ndcg@10={m['ndcg@10']:.4f}  precision@10={m['precision@10']:.4f}  "
                  f"coverage@10={m['coverage@10']:.3f}")
    cold, evaluation = metrics["cold_start"], metrics.get("evaluation", {})
    if evaluation.get("kind") == "refit":
        print(f"  refit day: settings and choices of the full evaluation {evaluation['run_id']} (ds {evaluation['ds']})")
    print(f"  known users served: {metrics['published_model']} (chosen on validation)")
    print(f"  new users served:   {cold['model']} (reference {cold['reference']})")
    live = registry.published_run(s3, bucket)
    print(f"  live now (models/published.json): {live['run_id'] + ' of ds ' + live['ds'] if live else 'nothing'}"
          f"{' - this run' if live and live['run_id'] == run_id else ''}")
    return run_id


def _print_user(s3, bucket: str, ds: str) -> None:
    from recsys.lake_io import read_jsonl

    if not s3.check_for_key(lake.recs_key(ds), bucket_name=bucket):
        print(f"\n-- no recommendations scored for ds={ds}")
        return
    rec = read_jsonl(s3, bucket, lake.recs_key(ds))[0]
    print(f"\n-- recommendations scored for ds={ds}, user {rec['user_id']}:")
    for m in rec["movies"]:
        print(f"  movie {int(m['movie_id']):>5}  {float(m['score']):7.3f}  {m['title']}")
    for b in rec["books"]:
        print(f"  book  {int(b['book_id']):>5}  {float(b['score']):7.3f}  {b['title']} - {b['authors']}")


def print_summary(settings: Settings, ds: str) -> bool:
    """Print the run summary of ``ds`` read back from the lake, the warehouse and DynamoDB; False when
    nothing ran for ``ds``."""
    s3, bucket = backends.s3_hook(settings), settings.lake_bucket
    print(f"\n=== recsys_daily ds={ds} ===")
    if not _print_clean(s3, bucket, ds):
        return False
    print(f"\n-- warehouse rows (raw.*: partition ds={ds}; marts.*, recs.*: the live day, "
          f"marts.warehouse_as_of)")
    for table, n in warehouse_counts(backends.warehouse_hook(settings), ds).items():
        print(f"  {table:<40} {n:>8}")
    _print_model_runs(s3, bucket, signing_key(settings), ds)
    _print_user(s3, bucket, ds)
    _print_versions(backends.dynamodb(settings).Table(settings.recs_table))
    print("\nWhere to look next:")
    print(f"  lake:       s3://{bucket}/ at {settings.moto_endpoint} (aws --endpoint-url ... s3 ls)")
    print(f"  warehouse:  psql postgresql://{settings.pg_user}@{settings.pg_host}:{settings.pg_port}/"
          f"{settings.pg_database}  (password: RECSYS_PG_PASSWORD)")
    print("              analyst marts: marts.mart_*, recs.mart_recs__* (README: For analysts); docs: make dbt-docs")
    print(f"  Airflow UI: make ui   then {settings.ui_url} (the run, its task logs and durations)")
    print(f"  dashboards: make dashboards  then http://127.0.0.1:{settings.dashboards_port}/ (analysts' and "
          f"operators' pages on the marts)")
    print(f"  API + page: make api  then http://127.0.0.1:{settings.api_port}/ (sign-up page) and /docs "
          f"(a key: make api-key NAME=my-app)")
    return True

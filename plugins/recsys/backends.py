"""The one place where local vs AWS is decided: which hooks, loader and dbt profile a task gets.

Everything is chosen from :class:`~recsys.settings.Settings` (environment variables and
Airflow connection ids), so the same task code runs on the embedded local services and
in AWS. Provider hooks are imported inside the functions: the DAG imports this module
at parse time and must stay light.
"""
from __future__ import annotations

from recsys.settings import Settings

REDSHIFT = "redshift"


def s3_hook(settings: Settings):
    """S3 hook on the AWS connection (moto server locally, S3 in AWS)."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    return S3Hook(aws_conn_id=settings.aws_conn_id)


def lake_hook(settings: Settings):
    """S3 hook on the lake bucket, creating the bucket first if it does not exist (locally it never does)."""
    hook = s3_hook(settings)
    if not hook.check_for_bucket(settings.lake_bucket):
        hook.create_bucket(bucket_name=settings.lake_bucket)
    return hook


def dynamodb(settings: Settings):
    """DynamoDB (the boto3 resource) on the AWS connection (moto server locally)."""
    from airflow.providers.amazon.aws.hooks.dynamodb import DynamoDBHook

    return DynamoDBHook(aws_conn_id=settings.aws_conn_id).conn


def glue_catalog_hook(settings: Settings):
    """Glue Data Catalog hook on the AWS connection."""
    from airflow.providers.amazon.aws.hooks.glue_catalog import GlueCatalogHook

    return GlueCatalogHook(aws_conn_id=settings.aws_conn_id)


def warehouse_hook(settings: Settings):
    """A DB-API hook on the warehouse connection: Redshift or PostgreSQL."""
    if settings.warehouse_type == REDSHIFT:
        from airflow.providers.amazon.aws.hooks.redshift_sql import RedshiftSQLHook

        return RedshiftSQLHook(redshift_conn_id=settings.warehouse_conn_id)
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    return PostgresHook(postgres_conn_id=settings.warehouse_conn_id)


def app_db_hook(settings: Settings):
    """A PostgreSQL hook on the application's operational database (embedded locally, RDS in AWS)."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    return PostgresHook(postgres_conn_id=settings.app_db_conn_id)


def warehouse_loader(settings: Settings, s3):
    """The warehouse loader: Redshift COPY from S3, or PostgreSQL COPY through the worker."""
    if settings.warehouse_type == REDSHIFT:
        from recsys.warehouse.redshift import RedshiftCopyLoader

        return RedshiftCopyLoader(warehouse_hook(settings), s3, settings.lake_bucket, settings.redshift_copy_role)
    from recsys.warehouse.postgres import PostgresCopyLoader

    return PostgresCopyLoader(warehouse_hook(settings), s3, settings.lake_bucket)


def dbt_profile(settings: Settings):
    """The cosmos profile: dbt target ``prod`` (Redshift) or ``local`` (PostgreSQL), built from the
    warehouse connection at run time; 4 threads, the nodes the group's one `dbt build` runs at once."""
    from cosmos import ProfileConfig
    from cosmos.profiles import PostgresUserPasswordProfileMapping, RedshiftUserPasswordProfileMapping

    mapping, target = ((RedshiftUserPasswordProfileMapping, "prod") if settings.warehouse_type == REDSHIFT
                       else (PostgresUserPasswordProfileMapping, "local"))
    return ProfileConfig(profile_name="recsys", target_name=target,
                         profile_mapping=mapping(conn_id=settings.warehouse_conn_id,
                                                 profile_args={"schema": "public", "threads": 4}))

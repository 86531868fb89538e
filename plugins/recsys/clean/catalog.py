"""Register the clean tables in the Glue Data Catalog, partitioned by ds.

Athena, Redshift Spectrum and Glue jobs then find each day's Parquet by table
name. Registering a ds twice replaces its partition, so a retry is harmless.
"""
from __future__ import annotations

import logging

import pyarrow as pa

from recsys.lake_io import read_parquet_schema
from spark.cleaning import lake

log = logging.getLogger(__name__)
_PARQUET = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
}


def hive_type(arrow_type: pa.DataType) -> str:
    """The Glue/Hive type of an Arrow column type."""
    if pa.types.is_list(arrow_type):
        return f"array<{hive_type(arrow_type.value_type)}>"
    for check, name in ((pa.types.is_int32, "int"), (pa.types.is_int64, "bigint"), (pa.types.is_floating, "double"),
                        (pa.types.is_timestamp, "timestamp"), (pa.types.is_boolean, "boolean")):
        if check(arrow_type):
            return name
    return "string"


def table_input(name: str, schema: pa.Schema, location: str) -> dict:
    """Glue ``TableInput`` for a Parquet table partitioned by ``ds``."""
    return {
        "Name": name, "TableType": "EXTERNAL_TABLE", "Parameters": {"classification": "parquet"},
        "PartitionKeys": [{"Name": "ds", "Type": "string"}],
        "StorageDescriptor": {"Columns": [{"Name": f.name, "Type": hive_type(f.type)} for f in schema],
                              "Location": location, **_PARQUET},
    }


def register_ds(glue, s3, bucket: str, database: str, ds: str) -> dict[str, str]:
    """Create or update each clean table and replace its ``ds`` partition; return table -> partition location."""
    client = glue.get_conn()
    try:
        client.create_database(DatabaseInput={"Name": database, "Description": "recsys clean tables"})
    except client.exceptions.AlreadyExistsException:
        pass
    registered = {}
    root = f"s3://{bucket}"
    for i, table in enumerate(lake.CLEAN_TABLES, 1):
        prefix = lake.clean_prefix(table, ds)
        schema = read_parquet_schema(s3, bucket, prefix)
        spec = table_input(table, schema, lake.uri(root, lake.clean_table_prefix(table)))
        try:
            client.update_table(DatabaseName=database, TableInput=spec)
        except client.exceptions.EntityNotFoundException:
            client.create_table(DatabaseName=database, TableInput=spec)
        location = lake.uri(root, prefix)
        partition = {"Values": [ds], "StorageDescriptor": {**spec["StorageDescriptor"], "Location": location}}
        try:
            client.delete_partition(DatabaseName=database, TableName=table, PartitionValues=[ds])
        except client.exceptions.EntityNotFoundException:
            pass
        client.create_partition(DatabaseName=database, TableName=table, PartitionInput=partition)
        registered[table] = location
        log.info("[%d/%d] %s.%s ds=%s -> %s", i, len(lake.CLEAN_TABLES), database, table, ds, location)
    return registered

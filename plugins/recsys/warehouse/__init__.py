"""Warehouse stage: load the lake's Parquet into the raw schema (PostgreSQL or Redshift) and read the marts."""

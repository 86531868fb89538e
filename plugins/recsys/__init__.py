"""Shared code for the recommendation platform: settings, local services and the
functions the Airflow tasks call (ingest, load, publish)."""

"""The Airflow side of the platform, grouped by stage.

``stages`` holds one thin function per DAG task; ``backends`` decides local vs AWS;
``ingest``, ``clean``, ``warehouse`` and ``serving`` hold each stage's code; ``local``
the embedded services, the sample generator and the CLI.
"""

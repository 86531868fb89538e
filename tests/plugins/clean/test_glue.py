"""The Glue engine ships the unchanged job script plus its helpers and builds a Glue 5 job run."""
from __future__ import annotations

import io
import json
import time
import zipfile

import pytest

from recsys.backends import lake_hook
from recsys.clean import glue
from recsys.clean.job import CLEAN_JOB
from spark.cleaning import lake


def test_helper_zip_holds_the_spark_package_and_is_stable():
    first, second = glue.package_helpers(), glue.package_helpers()
    assert first == second, "same sources, same bytes: re-uploading is a no-op"
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert {"spark/__init__.py", "spark/cleaning/tables.py", "spark/cleaning/datasets.py"} <= set(names)


@pytest.mark.integration
def test_upload_puts_script_and_helpers_in_the_lake(stack_settings):
    hook = lake_hook(stack_settings)
    uris = glue.upload_code(hook, stack_settings.lake_bucket)
    script_key = uris["script"].split("/", 3)[3]
    assert hook.read_key(script_key, bucket_name=stack_settings.lake_bucket) == CLEAN_JOB.read_text()
    assert uris["py_files"].endswith("/glue/spark.zip")


def test_operator_runs_the_same_script_on_glue_5(stack_settings):
    op = glue.clean_job_operator(stack_settings)
    assert op.script_location == f"s3://{stack_settings.lake_bucket}/glue/clean_sources.py"
    assert op.create_job_kwargs["GlueVersion"] == "5.0"
    assert op.create_job_kwargs["DefaultArguments"]["--extra-py-files"].endswith("/glue/spark.zip")
    assert op.script_args == {"--lake": f"s3://{stack_settings.lake_bucket}", "--ds": "{{ ds }}",
                              "--movies-dataset": "{{ params.dataset }}", "--books-dataset": "{{ params.books_dataset }}",
                              "--max-quarantine-fraction": "{{ params.max_quarantine_fraction }}"}


def test_a_glue_run_that_refused_its_input_fails_for_good_and_other_failures_keep_their_retries(stack_settings,
                                                                                              monkeypatch):
    from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
    from airflow.sdk.exceptions import AirflowFailException

    def failed_run(self, context):
        raise RuntimeError("Glue job run failed")  # what the operator raises for a FAILED job run

    monkeypatch.setattr(GlueJobOperator, "execute", failed_run)
    op = glue.clean_job_operator(stack_settings)
    hook = lake_hook(stack_settings)
    with pytest.raises(RuntimeError, match="Glue job run failed"):  # no verdict on the input: retried
        op.execute({"ds": "2026-02-01"})

    def refusing_run(self, context):  # the job writes its refused manifest, then its run fails
        hook.load_string(json.dumps({"status": "refused", "tables": {}}),
                         key=lake.clean_manifest_prefix("2026-02-01") + "part-00000.json",
                         bucket_name=stack_settings.lake_bucket, replace=True)
        raise RuntimeError("Glue job run failed")

    monkeypatch.setattr(GlueJobOperator, "execute", refusing_run)
    with pytest.raises(AirflowFailException, match="the clean job refused ds=2026-02-01"):
        op.execute({"ds": "2026-02-01"})
    time.sleep(1.1)  # S3 times are in whole seconds
    monkeypatch.setattr(GlueJobOperator, "execute", failed_run)
    with pytest.raises(RuntimeError, match="Glue job run failed"):  # an earlier attempt's verdict does not count
        op.execute({"ds": "2026-02-01"})

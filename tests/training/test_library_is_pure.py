"""training/ is a library: it imports with Airflow, Spark, boto3 and the Airflow side unavailable."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BLOCKED = ("airflow", "pyspark", "recsys", "spark", "boto3", "botocore", "cosmos", "dbt")

SCRIPT = f"""
import importlib, pkgutil, sys

class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ImportError(f"training must not import {{name}}")
        return None

sys.meta_path.insert(0, Blocked())
import training
for module in pkgutil.iter_modules(training.__path__):
    importlib.import_module(f"training.{{module.name}}")
print("imported", len(list(pkgutil.iter_modules(training.__path__))), "modules")
"""


def test_every_training_module_imports_without_airflow_spark_or_storage():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "", "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("imported ")

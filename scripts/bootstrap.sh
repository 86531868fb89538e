#!/usr/bin/env bash
# Create .venv, install the pinned packages and the s3a jars, parse the dbt project.
# Safe to run again: each step is skipped when its inputs did not change.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(cat requirements.txt constraints.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing requirements (first time: ~3 minutes, LightFM compiles)"
  .venv/bin/pip install --quiet --disable-pip-version-check --upgrade pip setuptools wheel 2>&1 | grep -v "is ignored" || true
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt 2>&1 \
    | grep -v "is ignored" || true
  .venv/bin/python -W ignore -c "import airflow, cosmos, dbt, pyspark, lightfm, moto, pgserver" \
    || { echo "package install failed" >&2; exit 1; }
  echo "$want" > "$stamp"
fi

# hadoop-aws + AWS SDK for s3a://. Maven is not reachable; both jars ship inside the
# sagemaker-pyspark sdist on PyPI, so take them from there.
jars=.venv/share/recsys-jars
if [ ! -f "$jars/hadoop-aws-3.3.1.jar" ] || [ ! -f "$jars/aws-java-sdk-bundle-1.11.901.jar" ]; then
  echo "==> fetching hadoop-aws jars (from the sagemaker-pyspark sdist)"
  tmp=$(mktemp -d)
  .venv/bin/pip download --quiet --no-deps --no-binary :all: -d "$tmp" sagemaker-pyspark==1.4.5 2>&1 \
    | grep -v "is ignored" || true
  mkdir -p "$jars"
  tar -xzf "$tmp"/sagemaker_pyspark-1.4.5.tar.gz -C "$tmp" --wildcards \
    '*/jars/hadoop-aws-3.3.1.jar' '*/jars/aws-java-sdk-bundle-1.11.901.jar'
  find "$tmp" -name '*.jar' -exec mv {} "$jars"/ \;
  rm -rf "$tmp"
fi

# cosmos renders the dbt task group from the manifest (no dbt call at DAG parse time).
echo "==> dbt parse (writes dbt/target/manifest.json for cosmos)"
eval "$(PYTHONPATH=plugins .venv/bin/python -m recsys.local.cli env)"
(cd dbt && ../.venv/bin/dbt parse --quiet --profiles-dir . --target local)

"""Ingest stage: fetch each dataset (sample, official download or URI) and copy it untouched into the raw zone."""

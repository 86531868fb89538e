"""A published version for the API tests: three users, four segments, the catalogue and fold-in weights,
on the real moto DynamoDB and S3."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
import pytest
from fastapi import FastAPI

from recsys.api import keys as api_keys
from recsys.api.app import LakeFeedback, create_app
from recsys.api.keys import KeyRing
from recsys.api.store import RecsStore
from recsys.backends import dynamodb as dynamodb_of, lake_hook
from recsys.serving import publish, versions
from spark.cleaning import lake
from training.foldin import FoldIn

CATALOGUE = {"movies": [{"movie_id": m, "title": f"Movie {m}", "genres": ["Sci-Fi"] if m % 2 else ["Drama"],
                         "decade": "1990s", "n_ratings": 100 - m} for m in range(1, 31)],
             "vocabulary": {"age_bucket": ["18-24", "25-34"], "occupation": ["programmer", "writer"]},
             "quality": {"dataset": "ml-100k", "warm": {"model": "blend", "ndcg@10": 0.208},
                         "cold_start": {"model": "naive_bayes", "ndcg@10": 0.423}}}


def _list(first: int) -> dict:
    return {"movies": [{"movie_id": m, "title": f"Movie {m}", "score": -0.5 * m} for m in range(first, first + 12)],
            "books": [{"book_id": b, "title": f"Book {b}", "authors": "A", "score": 3.0} for b in range(1, 6)]}


def _records() -> list[dict]:
    users = [{"user_id": u, "served_by": "blend", **_list(u)} for u in (1, 2, 3)]
    users.append({"user_id": 4, "served_by": "naive_bayes", **_list(4)})  # no positive: served as a new user
    segments = [{"user_id": f"segment#{g}|{a}|{o}", "cold_start_model": "naive_bayes",
                 "segment": {"gender": g, "age_bucket": a, "occupation": o}, **_list(first)}
                for g, a, o, first in (("F", "25-34", "writer", 10), ("F", "25-34", "*", 11), ("F", "*", "*", 12),
                                       ("*", "*", "*", 13))]
    return users + segments


@dataclass
class Published:
    app: FastAPI
    key: str
    s3: object
    settings: object
    key_table: object


@pytest.fixture
def published(stack_settings) -> Published:
    """Version run-1 live, an API key, and the app on them."""
    s = stack_settings
    dynamodb, s3 = dynamodb_of(s), lake_hook(s).get_conn()
    table = publish.ensure_table(dynamodb, s.recs_table)
    s3.put_object(Bucket=s.lake_bucket, Key=lake.catalogue_key("run-1"), Body=json.dumps(CATALOGUE).encode())
    # the run's item-item weights: 20 users liked movies 1-10 together, 20 others movies 21-30
    liked = pd.DataFrame([(u, m, 5) for u in range(20) for m in range(1, 11)] +
                         [(u, m, 5) for u in range(20, 40) for m in range(21, 31)],
                         columns=["user_id", "movie_id", "rating"])
    s3.put_object(Bucket=s.lake_bucket, Key=lake.foldin_key("run-1"), Body=FoldIn.fit(liked, l2=10.0).to_npz())
    publish.publish_version(dynamodb, table.name, _records(), "run-1", "2026-04-01", retention_days=7)
    versions.switch_live(table, "run-1")
    key_table = api_keys.ensure_table(dynamodb, s.recs_table + "-keys")
    key = api_keys.create_key(key_table, "tests", requests_per_minute=600)
    app = create_app(RecsStore(table, s3, s.lake_bucket), KeyRing(key_table), LakeFeedback(s3, s.lake_bucket))
    return Published(app, key, s3, s, key_table)

"""The recommendations API as an application calls it, on the real moto DynamoDB and S3."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from recsys.api import keys as api_keys
from recsys.api.keys import RateLimiter

pytestmark = pytest.mark.integration


@pytest.fixture
def api(published):
    client = TestClient(published.app, headers={"X-API-Key": published.key})
    return client, published.s3, published.settings, published.key_table


def test_a_known_user_gets_shown_scores_titles_genres_and_reasons(api):
    client, *_ = api
    body = client.get("/v1/users/2/recommendations", params={"n": 5}).json()
    assert body["model_run_id"] == "run-1" and [m["movie_id"] for m in body["movies"]] == [2, 3, 4, 5, 6]
    assert [m["score"] for m in body["movies"]] == [1.0, 0.8, 0.6, 0.4, 0.2]
    assert body["movies"][1] == {"movie_id": 3, "title": "Movie 3", "genres": ["Sci-Fi"], "decade": "1990s",
                                 "score": 0.8, "reason": "liked by people who rate like you"}
    assert body["books"][0]["reason"] == "because you are recommended Drama" and len(body["books"]) == 5


def test_a_known_user_without_a_positive_is_told_their_list_comes_from_people_like_them(api):
    client, *_ = api
    body = client.get("/v1/users/4/recommendations").json()
    assert body["served_by"] == "naive_bayes" and body["movies"][0]["reason"] == "popular with people like you"
    assert client.get("/v1/users/1/recommendations").json()["movies"][0]["reason"] == "liked by people who rate like you"


def test_a_page_form_with_odd_values_is_answered_never_a_server_error(api):
    client, s3, s, _ = api
    odd = {"gender": "X", "age": "²", "rating_2": "²", "rating_x": "5", "rating_3": "9"}
    response = client.post("/", data=odd)
    assert response.status_code == 422 and "gender" in response.text and "<form" in response.text
    assert "Contents" not in s3.list_objects_v2(Bucket=s.lake_bucket, Prefix="feedback/")


def test_an_unknown_user_gets_404_with_the_fallback(api):
    client, *_ = api
    response = client.get("/v1/users/999/recommendations")
    assert response.status_code == 404
    assert response.json()["detail"]["fallback"].startswith("POST /v1/recommendations")


def test_a_new_user_is_served_the_most_specific_published_segment(api):
    client, *_ = api
    full = client.post("/v1/recommendations", json={"gender": "F", "age": 30, "occupation": "writer"}).json()
    assert full["path"] == "segment" and full["movies"][0]["movie_id"] == 10
    assert full["segment"] == {"gender": "F", "age_bucket": "25-34", "occupation": "writer"}
    only_gender = client.post("/v1/recommendations", json={"gender": "F", "occupation": "programmer"}).json()
    assert only_gender["movies"][0]["movie_id"] == 12, "F|*|programmer is not published: backs off to F|*|*"
    nothing = client.post("/v1/recommendations", json={}).json()
    assert nothing["movies"][0]["movie_id"] == 13 and nothing["movies"][0]["reason"] == "popular with people like you"


def test_a_new_user_who_rates_a_few_movies_is_folded_into_the_live_model(api):
    client, *_ = api
    ratings = [{"movie_id": 22, "rating": 5}, {"movie_id": 25, "rating": 4}, {"movie_id": 3, "rating": 1}]
    body = client.post("/v1/recommendations", json={"gender": "F", "ratings": ratings, "n": 5}).json()
    assert body["path"] == "fold_in" and body["model_run_id"] == "run-1"
    listed = [m["movie_id"] for m in body["movies"]]
    assert len(listed) == 5 and set(listed) <= set(range(21, 31)) - {22, 25}, "what goes with what they liked"
    assert body["movies"][0] == {"movie_id": listed[0], "title": f"Movie {listed[0]}", "genres": body["movies"][0]["genres"],
                                 "decade": "1990s", "score": 1.0, "reason": "similar to the movies you liked"}
    disliked_only = client.post("/v1/recommendations", json={"gender": "F", "ratings": [
        {"movie_id": 22, "rating": 2}]}).json()
    assert disliked_only["path"] == "segment" and 22 not in {m["movie_id"] for m in disliked_only["movies"]}


def test_a_new_users_answers_and_ratings_are_kept_for_the_next_run_and_rated_movies_left_out(api):
    client, s3, s, _ = api
    body = client.post("/v1/recommendations", json={"gender": "F", "ratings": [
        {"movie_id": 12, "rating": 5}, {"movie_id": 13, "rating": 2}]}).json()
    assert not {12, 13} & {m["movie_id"] for m in body["movies"]}
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=s.lake_bucket, Prefix="feedback/")["Contents"]]
    assert len(keys) == 1 and body["feedback_id"] in keys[0]
    stored = json.loads(s3.get_object(Bucket=s.lake_bucket, Key=keys[0])["Body"].read())
    assert stored["ratings"] == [{"movie_id": 12, "rating": 5}, {"movie_id": 13, "rating": 2}]
    assert stored["answers"]["gender"] == "F" and stored["api_key_name"] == "tests"


@pytest.mark.parametrize("request_kwargs, status, says", [
    ({"json": {"ratings": [{"movie_id": 999, "rating": 5}]}}, 422, "unknown movie_id [999]"),
    ({"json": {"ratings": [{"movie_id": 1, "rating": 9}]}}, 422, "less than or equal to 5"),
    ({"json": {"occupation": "astronaut"}}, 422, "occupation 'astronaut' is not one of"),
    ({"json": {"gender": "X"}}, 422, "'M' or 'F'"),
    ({"json": {"surprise": 1}}, 422, "Extra inputs are not permitted"),
    ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, "JSON decode error"),
    ({"content": b"{" + b" " * 20_000 + b"}", "headers": {"content-type": "application/json"}}, 413, "larger than"),
])
def test_bad_requests_get_a_clear_4xx_and_store_nothing(api, request_kwargs, status, says):
    client, s3, s, _ = api
    response = client.post("/v1/recommendations", **request_kwargs)
    assert response.status_code == status and says in response.text, response.text
    assert "Contents" not in s3.list_objects_v2(Bucket=s.lake_bucket, Prefix="feedback/")


def test_missing_or_wrong_keys_are_refused_and_keys_are_stored_hashed(api):
    client, _, _, key_table = api
    assert client.get("/v1/model", headers={"X-API-Key": ""}).status_code == 401
    assert client.get("/v1/model", headers={"X-API-Key": "rk_wrong"}).json()["detail"] == "unknown API key"
    assert client.get("/v1/health", headers={"X-API-Key": ""}).json()["live_run_id"] == "run-1"
    (stored,) = key_table.scan()["Items"]
    assert set(stored) == {"key_hash", "name", "requests_per_minute", "created_at"}
    assert client.headers["X-API-Key"] not in json.dumps(stored, default=str)


def test_too_many_requests_get_429_with_retry_after(api):
    client, _, _, key_table = api
    slow = api_keys.create_key(key_table, "slow", requests_per_minute=6)
    assert client.get("/v1/model", headers={"X-API-Key": slow}).status_code == 200
    refused = client.get("/v1/model", headers={"X-API-Key": slow})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "10"


def test_the_token_bucket_refills_at_the_keys_rate():
    clock = [0.0]
    limiter = RateLimiter(clock=lambda: clock[0])
    assert all(limiter.allow("k", 60)[0] for _ in range(6))  # a burst of a tenth of a minute's worth
    allowed, wait = limiter.allow("k", 60)
    assert not allowed and wait == pytest.approx(1.0)
    clock[0] += 1.0
    assert limiter.allow("k", 60)[0]


def test_the_questionnaire_finds_movies_popular_first_and_the_model_says_what_is_live(api):
    client, *_ = api
    found = client.get("/v1/movies", params={"query": "movie 2", "limit": 3}).json()["movies"]
    assert [m["movie_id"] for m in found] == [2, 20, 21]
    model = client.get("/v1/model").json()
    assert model["run_id"] == "run-1" and model["version"]["status"] == "complete" and model["version"]["items"] == 8
    assert model["warm"] == {"model": "blend", "ndcg@10": 0.208} and model["cold_start"]["model"] == "naive_bayes"
    assert client.get("/openapi.json").json()["paths"]["/v1/recommendations"]["post"]


def test_the_key_cache_and_rate_buckets_stay_bounded_under_any_traffic(monkeypatch):
    monkeypatch.setattr(api_keys, "MAX_TRACKED", 100)
    limiter = RateLimiter()
    for i in range(1_000):  # a thousand addresses (or bogus keys) seen once each
        limiter.allow(f"visitor-{i}", 60)
    assert len(limiter._buckets) == 100 and "visitor-999" in limiter._buckets

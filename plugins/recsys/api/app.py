"""The recommendations API: known users, new users from a few answers, the catalogue, the live model.

Run locally with ``make api`` (uvicorn on 127.0.0.1); in AWS the same app runs as a Lambda behind
API Gateway through :mod:`recsys.api.lambda_handler`. Every ``/v1`` route but ``/v1/health`` needs an
``X-API-Key`` header; the sign-up page at ``/`` (:mod:`recsys.api.page`) needs none and is
rate-limited per client address. The contract for app developers is in the README ("For app developers")
and at ``/docs`` (OpenAPI).
"""

import json
import uuid
from collections import Counter
from datetime import datetime, timezone
from typing import Annotated, Literal
from urllib.parse import parse_qs

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from recsys.api import page
from recsys.api.keys import KeyRing, RateLimiter, digest
from recsys.api.store import Live, RecsStore
from spark.cleaning import lake
from spark.cleaning.vocabulary import AGE_BUCKETS, PLAUSIBLE_AGE

MAX_BODY_BYTES = 16_384
MAX_N = 50
PAGE_REQUESTS_PER_MINUTE = 60


class Rating(BaseModel):
    model_config = ConfigDict(extra="forbid")
    movie_id: int = Field(gt=0, description="a movie_id from GET /v1/movies")
    rating: int = Field(ge=1, le=5, description="1-5 stars")


class NewUser(BaseModel):
    """A new user's sign-up answers (all optional) and, optionally, a few ratings."""
    model_config = ConfigDict(extra="forbid")
    gender: Literal["M", "F"] | None = None
    age: int | None = Field(None, ge=PLAUSIBLE_AGE[0], le=PLAUSIBLE_AGE[1], description="years; or age_bucket")
    age_bucket: str | None = Field(None, description="one of GET /v1/vocabulary's age_bucket")
    occupation: str | None = Field(None, description="one of GET /v1/vocabulary's occupation")
    zip: str | None = Field(None, pattern=r"^\d{5}(-\d{4})?$", description="US ZIP code")
    ratings: list[Rating] = Field(default_factory=list, max_length=50)
    n: int = Field(10, ge=1, le=MAX_N, description="how many movies")


def age_bucket_of(age: int) -> str:
    """The MovieLens bucket of an exact age (ages are validated to be at least 5: "Under 18" starts at 1)."""
    return AGE_BUCKETS[max(code for code in AGE_BUCKETS if code <= age)]


def _movies(item: dict, live: Live, n: int, reason: str, exclude: set[int] = frozenset()) -> list[dict]:
    """The first ``n`` movies of a published list (or fold-in's), shown with the catalogue's details."""
    listed = [m for m in item.get("movies", []) if int(m["movie_id"]) not in exclude][:n]
    return [{"movie_id": int(m["movie_id"]), "title": m.get("title") or info.get("title"),
             "genres": info.get("genres", []), "decade": info.get("decade"), "reason": reason}
            for m in listed for info in [live.catalogue.get(int(m["movie_id"]), {})]]


def _ranked(listed: list[dict]) -> list[dict]:
    """Each item with the score an application shows: 1.0 for the first, falling linearly to 1/n for the last
    (the models' raw scores are on no common scale)."""
    return [{**m, "score": round((len(listed) - i) / len(listed), 3)} for i, m in enumerate(listed)]


def _books(item: dict, movies: list[dict]) -> list[dict]:
    top_genre = Counter(g for m in movies for g in m["genres"]).most_common(1)
    reason = f"because you are recommended {top_genre[0][0]}" if top_genre else "for the movies you are recommended"
    return _ranked([{"book_id": int(b["book_id"]), "title": b["title"], "authors": b.get("authors"), "reason": reason}
                    for b in item.get("books", [])])


def popular(live: Live) -> list[dict]:
    """The live run's movies, most rated first."""
    return sorted(live.catalogue.values(), key=lambda m: (-int(m.get("n_ratings", 0)), m["title"]))


def create_app(store: RecsStore, keys: KeyRing, feedback, limiter: RateLimiter | None = None) -> FastAPI:
    """The API on ``store`` (recommendations), ``keys`` (API keys) and ``feedback`` (where new users' answers
    and ratings are kept for the next training run: an object whose ``save(dict)`` returns the ids it gave
    them, which the answer carries)."""
    limiter = limiter or RateLimiter()
    app = FastAPI(title="recsys recommendations API", version="1",
                  description="Movie and book recommendations from the live published model run.")

    @app.exception_handler(LookupError)
    async def live_version_incomplete(request: Request, exc: LookupError):
        return JSONResponse({"detail": f"the live version cannot answer: {exc}"}, status_code=503)

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
            return JSONResponse({"detail": f"body larger than {MAX_BODY_BYTES} bytes"}, status_code=413)
        return await call_next(request)

    def caller(x_api_key: Annotated[str | None, Header()] = None) -> dict:
        if not x_api_key:
            raise HTTPException(401, "missing X-API-Key header")
        record = keys.lookup(x_api_key)
        if record is None:
            raise HTTPException(401, "unknown API key")
        per_minute = max(1, int(record.get("requests_per_minute", 600)))
        allowed, wait = limiter.allow(digest(x_api_key), per_minute)
        if not allowed:
            raise HTTPException(429, f"rate limit of {per_minute} requests/minute reached",
                                headers={"Retry-After": str(max(1, round(wait)))})
        return record

    def live_version() -> Live:
        live = store.live()
        if live is None:
            raise HTTPException(503, "no recommendations are published yet; run the recsys_daily DAG")
        return live

    Caller, LiveVersion = Annotated[dict, Depends(caller)], Annotated[Live, Depends(live_version)]

    @app.get("/v1/health")
    def health() -> dict:
        live = store.live()
        return {"status": "ok" if live else "no_model", "live_run_id": live.run_id if live else None,
                "ds": live.ds if live else None}

    @app.get("/v1/model")
    def model(_: Caller, live: LiveVersion) -> dict:
        return {"run_id": live.run_id, "ds": live.ds, "live_since": live.switched_at,
                "version": store.version(live.run_id), **live.quality}

    @app.get("/v1/vocabulary")
    def vocabulary(_: Caller, live: LiveVersion) -> dict:
        return {**live.vocabulary, "gender": ["M", "F"], "age_bucket_of_age": {str(k): v for k, v in AGE_BUCKETS.items()}}

    @app.get("/v1/movies")
    def movies(_: Caller, live: LiveVersion, query: Annotated[str, Query(max_length=100)] = "",
               limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict:
        needle = query.strip().lower()
        found = [m for m in popular(live) if needle in m["title"].lower()]
        return {"movies": [{k: m.get(k) for k in ("movie_id", "title", "genres", "decade", "n_ratings")}
                           for m in found[:limit]]}

    @app.get("/v1/users/{user_id}/recommendations")
    def user_recommendations(user_id: Annotated[int, Field(gt=0)], _: Caller, live: LiveVersion,
                             n: Annotated[int, Query(ge=1, le=MAX_N)] = 10) -> dict:
        item = store.item(str(user_id), live.run_id)
        if item is None:
            raise HTTPException(404, {"error": "unknown_user", "message": f"user {user_id} has no recommendations "
                                      f"in the live run {live.run_id}",
                                      "fallback": "POST /v1/recommendations with the user's answers and ratings"})
        warm_model = live.quality.get("warm", {}).get("model")  # users without a positive get the cold model's
        warm = warm_model is None or item.get("served_by") == warm_model
        listed = _movies(item, live, n, "liked by people who rate like you" if warm else "popular with people like you")
        return {"user_id": user_id, "model_run_id": live.run_id, "ds": live.ds, "served_by": item.get("served_by"),
                "movies": _ranked(listed), "books": _books(item, listed)}

    def serve_new_user(body: NewUser, client_name: str, live: Live) -> dict:
        """Check a new user's answers, keep them (and their ratings) for the next run, then answer: fold-in
        of their ratings when they liked a movie the model knows, else the segment list of their answers."""
        answers = body.model_dump(exclude={"ratings", "n"})
        if body.age is not None and body.age_bucket is None:
            answers["age_bucket"] = age_bucket_of(body.age)
        problems = [f"{field} {answers[field]!r} is not one of {allowed}" for field, allowed in live.vocabulary.items()
                    if answers.get(field) is not None and answers[field] not in allowed]
        unknown = sorted({r.movie_id for r in body.ratings} - set(live.catalogue))
        if unknown:
            problems.append(f"unknown movie_id {unknown}; find ids with GET /v1/movies")
        if problems:
            raise HTTPException(422, problems)
        received_at = datetime.now(timezone.utc)
        saved = feedback.save({"feedback_id": str(uuid.uuid4()), "received_at": received_at.isoformat(),
                               "api_key_name": client_name, "model_run_id": live.run_id,
                               "answers": answers, "ratings": [r.model_dump() for r in body.ratings]})
        item, matched = store.segment(answers, live.run_id)
        rated = {r.movie_id: r.rating for r in body.ratings}
        folded = live.foldin.recommend(rated, body.n) if live.foldin and rated else None
        segment_list = _movies(item, live, body.n, "popular with people like you", exclude=set(rated) | set(folded or ()))
        if folded:  # what their liked movies point to, then their segment's list if those are fewer than n
            path = "fold_in"
            listed = _movies({"movies": [{"movie_id": m} for m in folded]}, live, body.n,
                             "similar to the movies you liked") + segment_list[:body.n - len(folded)]
        else:  # demographics only, or no liked movie the model knows
            path, listed = "segment", segment_list
        return {"path": path, "segment": matched, "model_run_id": live.run_id, **saved,
                "movies": _ranked(listed), "books": _books(item, listed)}

    @app.post("/v1/recommendations")
    def new_user(body: NewUser, who: Caller, live: LiveVersion) -> dict:
        return serve_new_user(body, who.get("name"), live)

    def page_visitor(request: Request) -> None:
        # the page needs no key: it is limited per client address instead
        allowed, wait = limiter.allow(f"page:{request.client.host if request.client else '-'}", PAGE_REQUESTS_PER_MINUTE)
        if not allowed:
            raise HTTPException(429, "too many requests from this address", headers={"Retry-After": str(max(1, round(wait)))})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(page_visitor)])
    def signup_page(live: LiveVersion) -> str:
        return page.signup_form(live.vocabulary, popular(live))

    @app.post("/", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(page_visitor)])
    async def signup_answers(request: Request, live: LiveVersion) -> HTMLResponse:
        form = {k: v[-1].strip() for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        ratings = [{"movie_id": int(k.removeprefix("rating_")), "rating": int(v)} for k, v in form.items()
                   if k.startswith("rating_") and k.removeprefix("rating_").isdecimal() and v.isdecimal()]
        try:
            body = NewUser(**{k: form[k] for k in ("gender", "age", "occupation", "zip") if form.get(k)},
                           ratings=ratings)
            answer = await run_in_threadpool(serve_new_user, body, "sign-up page", live)  # boto3 calls block
            return HTMLResponse(page.results(answer))
        except ValidationError as exc:
            errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        except HTTPException as exc:
            errors = exc.detail if isinstance(exc.detail, list) else [exc.detail]
        return HTMLResponse(page.signup_form(live.vocabulary, popular(live), errors), status_code=422)

    return app


class LakeFeedback:
    """New users' answers and ratings, one JSON object each under ``feedback/ds=<day>/`` in the lake, written
    before the answer is sent: kept for the training runs to read."""

    def __init__(self, s3, bucket: str):
        self.s3, self.bucket = s3, bucket

    def save(self, record: dict) -> dict:
        day = record["received_at"][:10]
        self.s3.put_object(Bucket=self.bucket, Key=lake.feedback_key(day, record["feedback_id"]),
                           Body=json.dumps(record).encode(), ContentType="application/json")
        return {"feedback_id": record["feedback_id"]}

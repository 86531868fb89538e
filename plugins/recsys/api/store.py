"""What the API reads: the live version's items (DynamoDB) and its movie catalogue (the lake).

The live pointer is cached for a few seconds, so a request costs one GetItem; a new publish or
a rollback is seen within ``pointer_ttl`` seconds, and each response says which run served it.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

from recsys.serving import versions
from recsys.serving.publish import KEY, SORT
from spark.cleaning import lake
from training.foldin import FoldIn
from training.segments import SEGMENT_COLUMNS, segment_key



def backoff(answers: dict) -> list[dict]:
    """The segments to try for ``answers``, most specific first: drop occupation, then age, then gender, until
    the everyone segment (``*|*|*``)."""
    tried, order = [], [dict(answers)]
    for field in reversed(SEGMENT_COLUMNS):
        order.append({**order[-1], field: None})
    for candidate in order:
        if candidate not in tried:
            tried.append(candidate)
    return tried


@dataclass
class Live:
    run_id: str
    ds: str
    switched_at: str
    catalogue: dict[int, dict]   # movie_id -> title, genres, decade, n_ratings
    vocabulary: dict[str, list[str]]
    foldin: FoldIn | None        # None for a run published before fold-in existed
    quality: dict                # the serving models and their metrics


class RecsStore:
    """Reads through the live pointer; one instance per API process."""

    def __init__(self, table, s3, bucket: str, pointer_ttl: float = 5.0):
        self.table, self.s3, self.bucket, self.pointer_ttl = table, s3, bucket, pointer_ttl
        self._lock = threading.Lock()
        self._live: Live | None = None
        self._checked = 0.0

    def live(self) -> Live | None:
        """The live version (pointer re-read at most every ``pointer_ttl`` seconds), None before a publish."""
        with self._lock:
            if time.monotonic() - self._checked < self.pointer_ttl:
                return self._live
            pointer = versions.live(self.table)
            if pointer is None:
                self._live = None
            elif self._live is None or self._live.run_id != pointer["run_id"]:
                run_id = pointer["run_id"]
                try:
                    body = json.loads(self.s3.get_object(Bucket=self.bucket,
                                                         Key=lake.catalogue_key(run_id))["Body"].read())
                except self.s3.exceptions.NoSuchKey as missing:
                    raise LookupError(f"the catalogue of the live run {run_id} is missing from the lake") from missing
                self._live = Live(run_id, pointer["ds"], pointer["switched_at"],
                                  {int(m["movie_id"]): m for m in body["movies"]}, body["vocabulary"],
                                  self._foldin(run_id), body.get("quality", {}))
            self._checked = time.monotonic()
            return self._live

    def _foldin(self, run_id: str) -> FoldIn | None:
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=lake.foldin_key(run_id))["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return None
        return FoldIn.from_npz(body)

    def item(self, key: str, run_id: str) -> dict | None:
        """The item ``key`` (a user id or a segment key) of version ``run_id``."""
        return versions.get_recommendations(self.table, key, run_id)

    def segment(self, answers: dict, run_id: str) -> tuple[dict, dict]:
        """The most specific published segment for ``answers`` and the answers it matched: every segment of the
        backoff order is asked for in one BatchGetItem."""
        order = backoff({f: answers.get(f) for f in SEGMENT_COLUMNS})
        wanted = {segment_key(*(c[f] for f in SEGMENT_COLUMNS)): c for c in order}
        request = {self.table.name: {"Keys": [{KEY: k, SORT: run_id} for k in wanted]}}
        found: dict[str, dict] = {}
        for attempt in range(8):
            page = self.table.meta.client.batch_get_item(RequestItems=request)
            found.update({i[KEY]: i for i in page["Responses"].get(self.table.name, [])})
            request = page.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(0.01 * 2 ** attempt)  # throttled keys: asked again after a backoff
        for key, candidate in wanted.items():
            if key in found:
                return found[key], candidate
        raise LookupError(f"version {run_id} has no segment items, not even {segment_key(None, None, None)}")

    def version(self, run_id: str) -> dict | None:
        """Version ``run_id``'s record (ds, status, items, published_at, expires_at), numbers as numbers."""
        record = versions.version_record(self.table, run_id)
        return {k: int(v) if isinstance(v, Decimal) else v for k, v in record.items() if k != SORT} if record else None

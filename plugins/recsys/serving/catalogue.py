"""What the API reads beside each published version: the movie catalogue, the answer vocabularies
and the fold-in weights.

The API shows titles, genres and decades, finds movies for a questionnaire (most rated
first), checks a new user's answers against the values the model was trained on, and folds
a new user's ratings into item-item weights of the run's data; it reads all of that from two small
objects per model run in the lake (JSON, and ``.npz`` arrays), never from the warehouse.
"""
from __future__ import annotations

import json
import logging

from recsys.serving import notify
from spark.cleaning import lake
from training import foldin
from training.data import TrainingData

log = logging.getLogger(__name__)

ANSWER_FIELDS = ("age_bucket", "occupation")  # gender is always M or F


def build_catalogue(data: TrainingData, metrics: dict | None = None) -> dict:
    """``movies`` (movie_id, title, genres, decade, n_ratings), ``vocabulary`` (answer values) and ``quality``
    (the serving models and their metrics) of a run."""
    n_ratings = data.interactions.groupby("movie_id").size()
    movies = [{"movie_id": int(row.movie_id), "title": row.title,
               "genres": [g for g in str(row.genre_list or "").split("|") if g],
               "decade": row.release_decade if isinstance(row.release_decade, str) else None,
               "n_ratings": int(n_ratings.get(row.movie_id, 0))}
              for row in data.items.itertuples(index=False)]
    vocabulary = {f: sorted(data.users[f].dropna().unique().tolist()) for f in ANSWER_FIELDS if f in data.users}
    return {"movies": movies, "vocabulary": vocabulary, "quality": notify.quality(metrics or {})}



def write_api_files(hook, bucket: str, run_id: str, data: TrainingData, metrics: dict | None = None) -> float:
    """The catalogue (JSON) and the fold-in weights of run ``run_id``, written where the API finds them;
    returns the fold-in's l2: the one the run's metrics record (:func:`training.foldin.choose`), chosen
    here for a run that records none."""
    hook.load_bytes(json.dumps(build_catalogue(data, metrics)).encode(), key=lake.catalogue_key(run_id), bucket_name=bucket,
                    replace=True)
    l2 = ((metrics or {}).get("foldin") or foldin.choose(data.interactions))["l2"]
    log.info("fold-in: weights with l2=%g", l2)
    hook.load_bytes(foldin.FoldIn.fit(data.interactions, l2).to_npz(), key=lake.foldin_key(run_id),
                    bucket_name=bucket, replace=True)
    return l2

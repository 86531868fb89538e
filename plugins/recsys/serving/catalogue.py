"""The movie catalogue and answer vocabularies published beside each version, for the API.

The API shows titles, genres and decades, finds movies for a questionnaire (most rated
first) and checks a new user's answers against the values the model was trained on; it
reads all of that from one small JSON object per model run, never from the warehouse.
"""
from __future__ import annotations

from training.data import TrainingData

ANSWER_FIELDS = ("age_bucket", "occupation")  # gender is always M or F


def build_catalogue(data: TrainingData) -> dict:
    """``movies`` (movie_id, title, genres, decade, n_ratings) and ``vocabulary`` (answer values) of a run."""
    n_ratings = data.interactions.groupby("movie_id").size()
    movies = [{"movie_id": int(row.movie_id), "title": row.title,
               "genres": [g for g in str(row.genre_list or "").split("|") if g],
               "decade": row.release_decade if isinstance(row.release_decade, str) else None, "n_ratings": int(n_ratings.get(row.movie_id, 0))}
              for row in data.items.itertuples(index=False)]
    vocabulary = {f: sorted(data.users[f].dropna().unique().tolist()) for f in ANSWER_FIELDS if f in data.users}
    return {"movies": movies, "vocabulary": vocabulary}


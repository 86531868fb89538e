"""Read the training marts into DataFrames."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from training.config import MARTS_SCHEMA


@dataclass
class TrainingData:
    """Everything training and scoring read from the warehouse."""

    interactions: pd.DataFrame     # user_id, movie_id, rating, rated_at
    users: pd.DataFrame            # user_id, gender, age_bucket, occupation, zip_region
    items: pd.DataFrame            # movie_id, title, release_decade, genre_list
    book_candidates: pd.DataFrame  # movie_genre, book_id, title, authors, affinity, ratings_count, average_rating


def load_training_data(hook) -> TrainingData:
    """Read the ``mart_training__*`` tables through a DB-API hook (PostgresHook, RedshiftSQLHook)."""
    def read(table: str, order: str) -> pd.DataFrame:
        return hook.get_df(f"select * from {MARTS_SCHEMA}.{table} order by {order}")

    data = TrainingData(
        interactions=read("mart_training__interactions", "user_id, movie_id"),
        users=read("mart_training__user_features", "user_id"),
        items=read("mart_training__item_features", "movie_id"),
        book_candidates=read("mart_training__book_candidates", "movie_genre, book_id"),
    )
    data.interactions["rated_at"] = pd.to_datetime(data.interactions["rated_at"])
    return data

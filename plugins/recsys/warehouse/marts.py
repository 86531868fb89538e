"""Read the training marts the train and score stages use."""
from __future__ import annotations

import pandas as pd

from training.data import TrainingData

MARTS_SCHEMA = "marts"


def read_training_data(hook) -> TrainingData:
    """The ``mart_training__*`` tables through a DB-API hook (PostgresHook, RedshiftSQLHook)."""
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

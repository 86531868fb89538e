"""Read the training marts the train and score stages use."""
from __future__ import annotations

import pandas as pd

from training.data import TrainingData

MARTS_SCHEMA = "marts"
# TrainingData field -> (mart, order); each mart's columns and types are fixed by an enforced dbt contract.
TRAINING_MARTS = {
    "interactions": ("mart_training__interactions", "user_id, movie_id"),
    "users": ("mart_training__user_features", "user_id"),
    "items": ("mart_training__item_features", "movie_id"),
    "book_candidates": ("mart_training__book_candidates", "movie_genre, book_id"),
}


def read_training_data(hook, schema: str = MARTS_SCHEMA) -> TrainingData:
    """The ``mart_training__*`` tables of ``schema`` through a DB-API hook (PostgresHook, RedshiftSQLHook)."""
    data = TrainingData(**{field: hook.get_df(f"select * from {schema}.{mart} order by {order}")
                           for field, (mart, order) in TRAINING_MARTS.items()})
    data.interactions["rated_at"] = pd.to_datetime(data.interactions["rated_at"])
    return data

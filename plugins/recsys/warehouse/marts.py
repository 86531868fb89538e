"""Read the training marts the train and score stages use."""
from __future__ import annotations

import logging

import pandas as pd

from training.data import TrainingData

MARTS_SCHEMA = "marts"
log = logging.getLogger(__name__)
# TrainingData field -> (mart, order); each mart's columns and types are fixed by an enforced dbt contract.
TRAINING_MARTS = {
    "interactions": ("mart_training__interactions", "user_id, movie_id"),
    "users": ("mart_training__user_features", "user_id"),
    "items": ("mart_training__item_features", "movie_id"),
    "book_candidates": ("mart_training__book_candidates", "movie_genre, book_id"),
}
# A DB-API fetch holds every row of a query as Python objects, ~15x the DataFrame (6 GB for 10M
# interactions at once): the interactions are read in user-id ranges of about this many rows.
ROWS_PER_QUERY = 1_000_000


def read_in_ranges(hook, table: str, order: str, key: str = "user_id",
                   rows_per_query: int = ROWS_PER_QUERY) -> pd.DataFrame:
    """``select * from table order by order`` (``key`` first in ``order``, an integer), one range of ``key``
    values at a time, so that memory holds the DataFrame and one query's rows, not every row as objects."""
    low, high, n_rows = hook.get_first(f"select min({key}), max({key}), count(*) from {table}")
    if not n_rows:
        return hook.get_df(f"select * from {table} order by {order}")
    width = -(-(high - low + 1) * rows_per_query // n_rows)  # ceil: equal key ranges of ~rows_per_query rows
    parts = []
    for start in range(low, high + 1, width):
        part = hook.get_df(f"select * from {table} where {key} >= {start} and {key} < {start + width} "
                           f"order by {order}")
        if len(part):  # an empty part has no column types: it would turn every column into objects
            parts.append(part)
        log.info("read %s: %d/%d rows", table, sum(map(len, parts)), n_rows)
    return pd.concat(parts, ignore_index=True)


def read_training_data(hook, schema: str = MARTS_SCHEMA) -> TrainingData:
    """The ``mart_training__*`` tables of ``schema`` through a DB-API hook (PostgresHook, RedshiftSQLHook)."""
    tables = {field: (f"{schema}.{mart}", order) for field, (mart, order) in TRAINING_MARTS.items()}
    data = TrainingData(**{field: read_in_ranges(hook, table, order) if field == "interactions"
                           else hook.get_df(f"select * from {table} order by {order}")
                           for field, (table, order) in tables.items()})
    data.interactions["rated_at"] = pd.to_datetime(data.interactions["rated_at"])
    return data

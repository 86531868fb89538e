"""What training and scoring read: interactions, user demographics, movies and book candidates."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class TrainingData:
    """Everything training and scoring read (from the training marts, or a benchmark's files)."""

    interactions: pd.DataFrame     # user_id, movie_id, rating, rated_at
    users: pd.DataFrame            # user_id, gender, age_bucket, occupation, zip_region
    items: pd.DataFrame            # movie_id, title, release_decade, genre_list
    book_candidates: pd.DataFrame  # movie_genre, book_id, title, authors, affinity, ratings_count, average_rating

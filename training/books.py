"""Cross-domain: books chosen from the genres of each user's recommended movies."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class BookIndex:
    """Everything about the candidate books that does not depend on the user, built once.

    A book's score for a user is sum over movie genres of (user's genre weight x movie
    genre -> book affinity), times a quality prior (average rating x log popularity) so
    that, among equally fitting books, well-liked ones come first.
    """

    movie_genre_cols: dict      # movie_id -> columns of its genres in ``book_scores``
    book_scores: np.ndarray     # (n_movie_genres x n_books) affinity x quality
    quality: np.ndarray         # (n_books,) quality prior in [0, 1]
    catalogue: pd.DataFrame     # one row per candidate book: book_id, title, authors, ...

    @classmethod
    def build(cls, items: pd.DataFrame, candidates: pd.DataFrame) -> "BookIndex":
        genres = sorted(candidates["movie_genre"].unique())
        genre_col = {g: j for j, g in enumerate(genres)}
        catalogue = (candidates.drop_duplicates("book_id").set_index("book_id")
                     [["title", "authors", "ratings_count", "average_rating"]].sort_index())
        affinity = (candidates.pivot_table(index="movie_genre", columns="book_id", values="affinity",
                                           aggfunc="sum", fill_value=0.0)
                    .reindex(index=genres, columns=catalogue.index, fill_value=0.0).to_numpy())
        quality = (catalogue["average_rating"].fillna(0).to_numpy() / 5.0) * \
            np.log1p(catalogue["ratings_count"].fillna(0).to_numpy())
        quality = quality / quality.max() if quality.max() > 0 else np.ones(len(catalogue))
        movie_genre_cols = {r.movie_id: [genre_col[g] for g in r.genre_list.split("|") if g in genre_col]
                            for r in items.itertuples(index=False)}
        return cls(movie_genre_cols, affinity * quality, quality, catalogue.reset_index())

    def genre_weights(self, rec_movie_ids: np.ndarray) -> np.ndarray:
        """(n_users x n_genres) weights: each recommended movie adds 1/log2(rank+2), split over its genres."""
        weights = np.zeros((rec_movie_ids.shape[0], self.book_scores.shape[0]))
        for rank in range(rec_movie_ids.shape[1]):
            discount = 1.0 / np.log2(rank + 2)
            for u, movie_id in enumerate(rec_movie_ids[:, rank]):
                cols = self.movie_genre_cols.get(movie_id, [])
                if cols:
                    weights[u, cols] += discount / len(cols)
        return weights

    def recommend(self, rec_movie_ids: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``n`` book rows of ``catalogue`` per user, and their scores, best first."""
        scores = self.genre_weights(rec_movie_ids) @ self.book_scores
        scores += 1e-6 * self.quality  # users whose genres map to no book still get the best-liked books
        n = min(n, scores.shape[1])
        top = np.argsort(-scores, axis=1, kind="stable")[:, :n]
        return top, np.take_along_axis(scores, top, axis=1)


"""Books follow the genres of the recommended movies."""
from __future__ import annotations

import numpy as np
import pandas as pd

from training.books import BookIndex

ITEMS = pd.DataFrame({"movie_id": [1, 2, 3], "title": ["a", "b", "c"], "release_decade": ["1990s"] * 3,
                      "genre_list": ["Sci-Fi", "Romance", "Sci-Fi|Romance"]})
CANDIDATES = pd.DataFrame({
    "movie_genre": ["Sci-Fi", "Sci-Fi", "Romance", "Romance"],
    "book_id": [10, 11, 20, 21], "title": ["Dune", "Neuromancer", "Emma", "Persuasion"],
    "authors": ["x"] * 4, "affinity": [1.0, 1.0, 1.0, 1.0],
    "ratings_count": [1000, 10, 1000, 10], "average_rating": [4.0, 4.0, 4.0, 4.0]})


def test_sci_fi_movies_give_sci_fi_books_popular_first():
    index = BookIndex.build(ITEMS, CANDIDATES)
    rows, scores = index.recommend(np.array([[1, 3], [2, 3]]), n=2)
    ids = index.catalogue["book_id"].to_numpy()
    assert ids[rows[0]].tolist() == [10, 11]
    assert ids[rows[1]].tolist() == [20, 21]
    assert (np.diff(scores, axis=1) <= 0).all()


def test_always_n_distinct_books_even_without_matching_genres():
    rows, _ = BookIndex.build(ITEMS, CANDIDATES).recommend(np.array([[99, 98]]), n=3)
    assert len(set(rows[0])) == 3

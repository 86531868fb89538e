"""Read a MovieLens-100K folder straight into TrainingData, for benchmarks.

The DAG reads the warehouse marts instead; this reader applies the same canonical
shapes (ML-1M age buckets, first-digit zip regions, genre lists, release decades) so
a benchmark can run on a dataset path without the services.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from spark.cleaning.vocabulary import AGE_BUCKETS, ML100K_GENRE_FLAGS, US_ZIP
from training.data import TrainingData


def age_bucket(age: int) -> str:
    """The MovieLens-1M bucket of an exact age."""
    return AGE_BUCKETS[max(code for code in AGE_BUCKETS if code <= max(age, 1))]


def load_ml100k(folder: Path) -> TrainingData:
    """``u.data``, ``u.user`` and ``u.item`` of an ML-100K folder as TrainingData (no book candidates)."""
    folder = Path(folder)
    ratings = pd.read_csv(folder / "u.data", sep="\t", names=["user_id", "movie_id", "rating", "ts"])
    ratings["rated_at"] = pd.to_datetime(ratings.pop("ts"), unit="s")
    users = pd.read_csv(folder / "u.user", sep="|", names=["user_id", "age", "gender", "occupation", "zip"],
                        dtype={"zip": str})
    users = pd.DataFrame({
        "user_id": users.user_id, "gender": users.gender, "age_bucket": users.age.map(age_bucket),
        "occupation": users.occupation,
        "zip_region": users.zip.str[0].where(users.zip.str.match(US_ZIP), "other")})
    items = pd.read_csv(folder / "u.item", sep="|", encoding="latin-1", header=None)
    flags = items.iloc[:, 5:5 + len(ML100K_GENRE_FLAGS)].to_numpy()
    year = pd.to_datetime(items[2], format="%d-%b-%Y", errors="coerce").dt.year
    items = pd.DataFrame({
        "movie_id": items[0], "title": items[1],
        "release_decade": (year // 10 * 10).astype("Int64").astype(str).str.cat(["s"] * len(items))
                          .where(year.notna(), "unknown"),
        "genre_list": ["|".join(sorted(g for g, f in zip(ML100K_GENRE_FLAGS, row) if f and g != "unknown"))
                       for row in flags]})
    books = pd.DataFrame(columns=["movie_genre", "book_id", "title", "authors", "affinity", "ratings_count",
                                  "average_rating"])
    return TrainingData(interactions=ratings[["user_id", "movie_id", "rating", "rated_at"]], users=users,
                        items=items, book_candidates=books)

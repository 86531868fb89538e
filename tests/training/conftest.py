"""TrainingData built straight from a generated sample (no warehouse needed)."""
from __future__ import annotations

import pandas as pd
import pytest

from spark.cleaning.vocabulary import AGE_BUCKETS, OCCUPATIONS
from recsys.local.sample_data import generate_sample
from training.data import TrainingData


def training_data_from_sample(folder) -> TrainingData:
    ml = folder / "movielens"
    read = dict(sep="::", engine="python", encoding="latin-1", header=None)
    users = pd.read_csv(ml / "users.dat", names=["user_id", "gender", "age", "occupation", "zip"], dtype={"zip": str}, **read)
    users = pd.DataFrame({"user_id": users.user_id, "gender": users.gender, "age_bucket": users.age.map(AGE_BUCKETS),
                          "occupation": users.occupation.map(dict(enumerate(OCCUPATIONS))),
                          "zip_region": users.zip.str[0].where(users.zip.str.match(r"^\d{5}"), "other")})
    movies = pd.read_csv(ml / "movies.dat", names=["movie_id", "title", "genre_list"], **read)
    movies["release_decade"] = movies.title.str.extract(r"\((\d{3})\d\)$")[0] + "0s"
    ratings = pd.read_csv(ml / "ratings.dat", names=["user_id", "movie_id", "rating", "ts"], dtype=str, **read)
    plain = ratings.fillna("").apply(lambda column: column.str.fullmatch(r"\d{1,10}")).all(axis=1)
    ratings = ratings[plain].astype(int)  # the sample's defective lines are what the cleaning quarantines
    ratings = ratings[ratings.rating.between(1, 5) & ratings.user_id.isin(users.user_id)
                      & ratings.movie_id.isin(movies.movie_id)]
    ratings = ratings.sort_values("ts").drop_duplicates(["user_id", "movie_id"], keep="last")
    ratings["rated_at"] = pd.to_datetime(ratings.ts, unit="s")
    candidates = pd.DataFrame({"movie_genre": ["Drama", "Comedy", "Sci-Fi", "Drama"], "book_id": [1, 2, 3, 4],
                               "title": ["D", "C", "S", "D2"], "authors": ["a"] * 4, "affinity": [1.0, 1.0, 1.0, 0.5],
                               "ratings_count": [100, 100, 100, 10], "average_rating": [4.0, 4.0, 4.0, 3.0]})
    return TrainingData(interactions=ratings[["user_id", "movie_id", "rating", "rated_at"]].reset_index(drop=True),
                        users=users, items=movies[["movie_id", "title", "release_decade", "genre_list"]],
                        book_candidates=candidates)


@pytest.fixture(scope="session")
def sample_training_data(tmp_path_factory) -> TrainingData:
    out = tmp_path_factory.mktemp("train-sample")
    generate_sample(out, scale=0.3, seed=11)
    return training_data_from_sample(out)

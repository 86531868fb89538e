"""Check the analyst and recommendations marts against values computed here.

Expected values come from the clean Parquet in the lake, with pandas, independently
of the warehouse load and the dbt SQL. Each mart is read with plain SQL, the way an
analyst's client would.
"""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
import psycopg2
import pytest

from recsys.backends import s3_hook
from recsys.lake_io import read_clean_manifest, read_parquet
from recsys.serving import registry
from recsys.serving.signing import signing_key
from spark.cleaning import lake

MIN_VOTES = 50  # dbt var top_rated_min_votes
AFFINITY_PRIOR = 20  # dbt var affinity_prior_ratings
ANALYST_MARTS = ("mart_analytics__genre_popularity", "mart_analytics__movies_most_rated",
                 "mart_analytics__movies_top_rated", "mart_analytics__ratings_daily", "mart_analytics__ratings_monthly",
                 "mart_analytics__ratings_by_occupation", "mart_analytics__ratings_by_zip_region",
                 "mart_analytics__genre_affinity", "mart_analytics__ratings_daily_by_segment")


def clean_tables(settings, ds: str) -> dict[str, pd.DataFrame]:
    s3 = s3_hook(settings)
    return {t: read_parquet(s3, settings.lake_bucket, lake.clean_prefix(t, ds)).to_pandas()
            for t in ("users", "movies", "movie_genres", "ratings")}


def query(settings, sql: str) -> pd.DataFrame:
    with psycopg2.connect(host=settings.pg_host, port=settings.pg_port, user=settings.pg_user,
                          password=settings.pg_password, dbname=settings.pg_database) as conn, conn.cursor() as cur:
        cur.execute(sql)
        columns = [c.name for c in cur.description]
        rows = [[float(v) if isinstance(v, Decimal) else v for v in row] for row in cur.fetchall()]
    return pd.DataFrame(rows, columns=columns)


def _assert_frames(actual: pd.DataFrame, expected: pd.DataFrame, key: list[str], mart: str) -> None:
    """Same keys, same integers, same decimals to the mart's rounding."""
    actual = actual.sort_values(key).reset_index(drop=True)
    expected = expected.sort_values(key).reset_index(drop=True)
    assert len(actual) == len(expected), f"{mart}: {len(actual)} rows, expected {len(expected)}"
    for column in expected.columns:
        got, want = actual[column], expected[column]
        if pd.api.types.is_float_dtype(want):
            diff = (got.astype(float) - want).abs().max()
            assert diff < 6e-4, f"{mart}.{column}: off by {diff}"
        else:
            assert got.astype(str).tolist() == want.astype(str).tolist(), f"{mart}.{column} differs"


def _users(users: pd.DataFrame) -> pd.DataFrame:
    out = users[["user_id", "gender", "occupation", "zip_region"]].copy()
    for column in ("gender", "occupation", "zip_region"):
        out[column] = out[column].fillna("unknown")
    return out


def check_analyst_marts(settings, ds: str) -> None:
    """Every analyst mart equals its independent computation from the clean Parquet of ``ds``."""
    t = clean_tables(settings, ds)
    ratings, genres = t["ratings"], t["movie_genres"]
    n_all = len(ratings)
    rated_genres = ratings.merge(genres, on="movie_id")

    per_genre = rated_genres.groupby("genre").agg(n_ratings=("rating", "size"), n_users=("user_id", "nunique"),
                                                  n_movies=("movie_id", "nunique"), avg_rating=("rating", "mean"))
    per_genre["share_of_ratings"] = per_genre["n_ratings"] / n_all
    per_genre = per_genre.reset_index().sort_values(["n_ratings", "genre"], ascending=[False, True])
    per_genre["popularity_rank"] = range(1, len(per_genre) + 1)
    _assert_frames(query(settings, "select * from marts.mart_analytics__genre_popularity"), per_genre, ["genre"],
                   "mart_analytics__genre_popularity")

    per_movie = ratings.groupby("movie_id").agg(n_ratings=("rating", "size"), avg_rating=("rating", "mean"))
    per_movie = per_movie.reset_index().sort_values(["n_ratings", "movie_id"], ascending=[False, True])
    per_movie["rating_count_rank"] = range(1, len(per_movie) + 1)
    _assert_frames(query(settings, "select movie_id, n_ratings, avg_rating, rating_count_rank "
                                   "from marts.mart_analytics__movies_most_rated"), per_movie, ["movie_id"],
                   "mart_analytics__movies_most_rated")

    mean = ratings["rating"].mean()
    top = per_movie[per_movie["n_ratings"] >= MIN_VOTES].copy()
    top["bayesian_avg"] = (top["n_ratings"] * top["avg_rating"] + MIN_VOTES * mean) / (top["n_ratings"] + MIN_VOTES)
    top = top.sort_values(["bayesian_avg", "movie_id"], ascending=[False, True])
    top["top_rated_rank"] = range(1, len(top) + 1)
    assert len(top) >= 10, "too few movies over the vote threshold for a meaningful check"
    _assert_frames(query(settings, "select movie_id, n_ratings, avg_rating, bayesian_avg, top_rated_rank "
                                   "from marts.mart_analytics__movies_top_rated"),
                   top[["movie_id", "n_ratings", "avg_rating", "bayesian_avg", "top_rated_rank"]], ["movie_id"],
                   "mart_analytics__movies_top_rated")

    for mart, period, freq in (("mart_analytics__ratings_daily", "rated_on", "D"),
                               ("mart_analytics__ratings_monthly", "rated_month", "M")):
        by_period = ratings.assign(**{period: ratings["rated_at"].dt.to_period(freq).dt.start_time.dt.date})
        expected = by_period.groupby(period).agg(n_ratings=("rating", "size"), n_users=("user_id", "nunique"),
                                                 n_movies=("movie_id", "nunique"), avg_rating=("rating", "mean"))
        _assert_frames(query(settings, f"select * from marts.{mart}"), expected.reset_index(), [period], mart)

    rated_users = ratings.merge(_users(t["users"]), on="user_id")
    for mart, column in (("mart_analytics__ratings_by_occupation", "occupation"),
                         ("mart_analytics__ratings_by_zip_region", "zip_region")):
        expected = rated_users.groupby(column).agg(n_users=("user_id", "nunique"), n_ratings=("rating", "size"),
                                                   avg_rating=("rating", "mean")).reset_index()
        expected["share_of_ratings"] = expected["n_ratings"] / n_all
        _assert_frames(query(settings, f"select {column}, n_users, n_ratings, avg_rating, share_of_ratings "
                                       f"from marts.{mart}"), expected, [column], mart)

    cells = rated_genres.merge(_users(t["users"]), on="user_id")
    key = ["occupation", "gender", "genre"]
    affinity = cells.groupby(key).agg(n_ratings=("rating", "size"), avg_rating=("rating", "mean")).reset_index()
    segment = affinity.groupby(["occupation", "gender"])["n_ratings"].transform("sum")
    genre_share = affinity.groupby("genre")["n_ratings"].transform("sum") / affinity["n_ratings"].sum()
    affinity["share_of_segment"] = affinity["n_ratings"] / segment
    affinity["affinity_lift"] = affinity["share_of_segment"] / genre_share
    affinity["n_segment_ratings"] = segment
    expected_ratings = segment * genre_share
    affinity["credible_lift"] = (affinity["n_ratings"] + AFFINITY_PRIOR) / (expected_ratings + AFFINITY_PRIOR)
    _assert_frames(query(settings, "select * from marts.mart_analytics__genre_affinity"), affinity, key,
                   "mart_analytics__genre_affinity")

    segments = query(settings, "select rated_on, sum(n_ratings)::bigint as n_ratings, sum(sum_rating)::bigint "
                               "as sum_rating from marts.mart_analytics__ratings_daily_by_segment group by rated_on")
    daily = ratings.assign(rated_on=ratings["rated_at"].dt.date).groupby("rated_on").agg(
        n_ratings=("rating", "size"), sum_rating=("rating", "sum")).reset_index()
    _assert_frames(segments, daily, ["rated_on"], "mart_analytics__ratings_daily_by_segment")

    for mart in ANALYST_MARTS:  # every number says which day it belongs to
        assert query(settings, f"select distinct ds::text as ds from marts.{mart}")["ds"].tolist() == [ds], mart


def check_fact_and_dimensions(settings, ds: str) -> None:
    """fct_ratings holds the ds snapshot exactly once; the dimensions match the clean tables."""
    t = clean_tables(settings, ds)
    fct = query(settings, f"select count(*) as n, count(distinct (user_id, movie_id)) as pairs "
                          f"from marts.fct_ratings where ds = '{ds}'")
    assert fct.iloc[0].tolist() == [len(t["ratings"])] * 2
    dims = query(settings, "select (select count(*) from marts.dim_users) as users, "
                           "(select count(*) from marts.dim_movies) as movies, "
                           "(select count(*) from marts.dim_users where zip_region is null) as no_region")
    assert dims.iloc[0].tolist() == [len(t["users"]), len(t["movies"]), 0]
    columns = query(settings, "select column_name from information_schema.columns "
                              "where table_schema = 'marts' and table_name = 'dim_users'")["column_name"].tolist()
    assert "zip_code" not in columns and "age" not in columns  # analysts get the region and bucket only


def check_recommendation_marts(settings, run_id: str, items: list[dict]) -> None:
    """The run's quality mart describes exactly what DynamoDB holds for it."""
    items = [i for i in items if i["model_run_id"] == run_id]
    movies = {int(m["movie_id"]) for i in items for m in i["movies"]}
    books = [int(b["book_id"]) for i in items for b in i["books"]]
    row = query(settings, f"select * from recs.mart_recs__run_quality where model_run_id = '{run_id}'")
    assert len(row) == 1
    row = row.iloc[0]
    assert row["n_users"] == len(items)
    assert row["n_movie_recs"] == sum(len(i["movies"]) for i in items)
    assert row["n_distinct_movies"] == len(movies)
    assert row["n_book_recs"] == len(books) and row["n_distinct_books"] == len(set(books))
    assert 0 < row["movie_catalogue_coverage"] <= 1 and 0 <= row["mean_popularity_percentile"] <= 1
    assert row["mean_genres_per_user"] >= 1
    per_genre = query(settings, f"select sum(n_recommendations) as n, sum(share_of_book_recs) as share "
                                f"from recs.mart_recs__books_per_genre where model_run_id = '{run_id}'")
    assert per_genre.iloc[0]["n"] == len(books)
    assert abs(per_genre.iloc[0]["share"] - 1) < 0.01


def check_operator_marts(settings, ds: str, run_ids: list[str], published_run_id: str) -> None:
    """The operators' marts hold the clean job's accounting of ``ds`` and every metric of each of its model runs,
    as the lake has them: once each, however often the day ran."""
    s3 = s3_hook(settings)
    accounted = read_clean_manifest(s3, settings.lake_bucket, ds)["tables"]
    counts = query(settings, f"select source_table, rows_in, rows_clean, rows_quarantined, rows_deduplicated "
                             f"from marts.mart_data_quality__daily_counts where ds = '{ds}'")
    assert {r.source_table: (r.rows_in, r.rows_clean, r.rows_quarantined, r.rows_deduplicated)
            for r in counts.itertuples()} == {
        t: (c["rows_in"], c["rows_clean"], c["rows_quarantined"], c["rows_deduplicated"]) for t, c in accounted.items()}

    key = signing_key(settings)
    for run_id in run_ids:
        metrics = registry.load_metrics(s3, settings.lake_bucket, key, run_id)
        rows = query(settings, f"select protocol, model, role, metric_value, is_published "
                               f"from recs.mart_recs__model_metrics where model_run_id = '{run_id}' "
                               f"and metric = 'ndcg@10' and protocol = 'A'")
        assert {r.model: r.metric_value for r in rows.itertuples()} == pytest.approx(
            {m: v["ndcg@10"] for m, v in metrics["protocols"]["A"].items()})
        assert rows.loc[rows["role"] == "served", "model"].tolist() == [metrics["published_model"]]
        assert set(rows["is_published"]) == {run_id == published_run_id}

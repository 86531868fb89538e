"""Train, evaluate and score: the functions behind the train and score tasks."""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp
from lightfm import LightFM

from training import baselines, books, candidates, evaluate, model, protocols
from training.config import N_BOOKS, N_MOVIES, SEGMENT_LEVELS, ModelParams
from training.data import TrainingData
from training.features import Features, build_features
from training.split import positives

PUBLISHED_MODEL = "lightfm_hybrid"
COLD_REFERENCE = "segment_pop"
SEGMENT_COLUMNS = ("gender", "age_bucket", "occupation")  # a new user's signup answers

log = logging.getLogger(__name__)


@dataclass
class TrainedModel:
    """What scoring needs: the model fitted on all positives and its feature space."""

    model: LightFM
    features: Features


def demographics(data: TrainingData, features: Features) -> pd.DataFrame:
    """The users' demographic columns in the feature matrices' row order."""
    return data.users.set_index("user_id").loc[features.user_ids].reset_index()


def evaluate_models(data: TrainingData, features: Features, params: ModelParams) -> dict:
    """Every model on protocol A (warm) and B (cold start), and the cold-start choice.

    The cold-start recommender is the LightFM hybrid only when its paired interval
    against segment popularity lies above zero; otherwise segment popularity.
    """
    users = demographics(data, features)
    all_scorers = candidates.scorers(features, users, params)
    warm = protocols.run_protocol([protocols.warm_set(features, data.interactions)], all_scorers)
    cold = protocols.run_protocol(protocols.cold_folds(features, data.interactions),
                                  candidates.cold_scorers(all_scorers))
    paired = {name: protocols.paired_bootstrap(ndcg, cold.per_user_ndcg[COLD_REFERENCE])
              for name, ndcg in cold.per_user_ndcg.items() if name != COLD_REFERENCE}
    cold_model = PUBLISHED_MODEL if paired[PUBLISHED_MODEL]["clear"] else COLD_REFERENCE
    log.info("cold start: %s (hybrid - %s NDCG@10 %+.4f, 95%% [%+.4f, %+.4f])", cold_model, COLD_REFERENCE,
             paired[PUBLISHED_MODEL]["mean_diff"], paired[PUBLISHED_MODEL]["ci_low"],
             paired[PUBLISHED_MODEL]["ci_high"])
    return {"published_model": PUBLISHED_MODEL,
            "protocols": {"A": warm.metrics, "B": cold.metrics},
            "cold_start": {"model": cold_model, "reference": COLD_REFERENCE, "paired_ndcg@10": paired},
            "segments_b": per_segment(cold.per_user_ndcg, users)}


def per_segment(per_user_ndcg: dict[str, pd.Series], users: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Mean NDCG@10 per gender x age bucket segment, per model (users indexed by matrix row)."""
    segment = users["gender"].astype("string").fillna("?") + "|" + users["age_bucket"].astype("string").fillna("?")
    return {name: ndcg.groupby(segment.reindex(ndcg.index).to_numpy()).mean().round(4).to_dict()
            for name, ndcg in per_user_ndcg.items()}


def train_and_evaluate(data: TrainingData, params: ModelParams) -> tuple[TrainedModel, dict]:
    """Evaluate on both protocols, then refit on all positives for serving."""
    features = build_features(data.users, data.items, params.user_identity_weight, params.item_identity_weight)
    metrics = evaluate_models(data, features, params)
    log.info("refitting on all positives for serving")
    final = model.fit(features, features.interaction_matrix(positives(data.interactions)), params)
    return TrainedModel(final, features), metrics


def _records(scores: np.ndarray, exclude, trained: TrainedModel, titles: pd.Series, book_index: books.BookIndex,
             n_movies: int, n_books: int) -> list[dict]:
    """Top movies (never an excluded one) and the books of their genres, one record per score row."""
    top = evaluate.top_k(scores, n_movies, exclude)
    top_scores = np.take_along_axis(scores, top, axis=1)
    movie_ids = trained.features.movie_ids[top]
    book_rows, book_scores = book_index.recommend(movie_ids, n_books)
    catalogue = book_index.catalogue
    return [{
        "movies": [{"movie_id": int(m), "title": titles[m], "score": float(s)}
                   for m, s in zip(movie_ids[i], top_scores[i]) if np.isfinite(s)],  # -inf = excluded
        "books": [{"book_id": int(catalogue.at[b, "book_id"]), "title": catalogue.at[b, "title"],
                   "authors": catalogue.at[b, "authors"], "score": float(s)}
                  for b, s in zip(book_rows[i], book_scores[i])],
    } for i in range(len(scores))]


def score(trained: TrainedModel, data: TrainingData, n_movies: int = N_MOVIES, n_books: int = N_BOOKS) -> list[dict]:
    """Top movies (never one the user rated) and top books for every user."""
    f = trained.features
    rated = f.interaction_matrix(data.interactions[["user_id", "movie_id"]]).tocsr()
    titles = data.items.set_index("movie_id")["title"]
    book_index = books.BookIndex.build(data.items, data.book_candidates)
    records: list[dict] = []
    batch = 2048
    for start in range(0, len(f.user_ids), batch):
        rows = np.arange(start, min(start + batch, len(f.user_ids)))
        scored = _records(model.score_matrix(trained.model, f, rows), rated[rows], trained, titles, book_index,
                          n_movies, n_books)
        records += [{"user_id": int(f.user_ids[row]), **rec} for row, rec in zip(rows, scored)]
        log.info("scored %d/%d users", rows[-1] + 1, len(f.user_ids))
    return records


def segment_key(gender: str, age_bucket: str, occupation: str) -> str:
    """The serving key of a cold-start segment (the recommendations table's user_id)."""
    return f"segment#{gender}|{age_bucket}|{occupation}"


def segments(users: pd.DataFrame) -> pd.DataFrame:
    """Every gender x age bucket x occupation combination of the values users have."""
    values = [users[c].dropna().drop_duplicates().sort_values() for c in SEGMENT_COLUMNS]
    return pd.MultiIndex.from_product(values, names=list(SEGMENT_COLUMNS)).to_frame(index=False)


def _segment_features(features: Features, segs: pd.DataFrame) -> sp.csr_matrix:
    """User feature rows for segments: their demographics only, normalised like LightFM's."""
    mapping = features.dataset.mapping()[1]
    rows, cols = [], []
    for i, seg in enumerate(segs.itertuples(index=False)):
        names = [f"{c}:{getattr(seg, c)}" for c in SEGMENT_COLUMNS if f"{c}:{getattr(seg, c)}" in mapping]
        rows += [i] * len(names)
        cols += [mapping[n] for n in names]
    matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                           shape=(len(segs), features.user_features.shape[1]))
    sums = np.asarray(matrix.sum(axis=1)).ravel()
    return (sp.diags(np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)) @ matrix).tocsr()


def score_segments(trained: TrainedModel, data: TrainingData, cold_model: str, n_movies: int = N_MOVIES,
                   n_books: int = N_BOOKS) -> list[dict]:
    """Cold-start recommendations for every demographic segment, from ``cold_model``
    (the hybrid from demographics alone, or segment popularity with backoff)."""
    f = trained.features
    segs = segments(data.users)
    if cold_model == PUBLISHED_MODEL:
        scores = model.score_matrix(trained.model, replace(f, user_features=_segment_features(f, segs)))
    else:
        scores = baselines.segment_popularity_scores(
            f.interaction_matrix(positives(data.interactions)), demographics(data, f), SEGMENT_LEVELS, targets=segs)
    titles = data.items.set_index("movie_id")["title"]
    scored = _records(scores, None, trained, titles, books.BookIndex.build(data.items, data.book_candidates),
                      n_movies, n_books)
    log.info("scored %d cold-start segments with %s", len(segs), cold_model)
    return [{"user_id": segment_key(*seg), "segment": dict(zip(SEGMENT_COLUMNS, seg)), "cold_start_model": cold_model,
             **rec} for seg, rec in zip(segs.itertuples(index=False), scored)]

"""Train, evaluate and score: the functions behind the train and score tasks."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from lightfm import LightFM

from training import books, evaluate, model
from training.baselines import popularity_scores
from training.config import N_BOOKS, N_MOVIES, ModelParams
from training.data import TrainingData
from training.features import Features, build_features
from training.split import positives, temporal_split

log = logging.getLogger(__name__)


@dataclass
class TrainedModel:
    """What scoring needs: the model fitted on all positives and its feature space."""

    model: LightFM
    features: Features


def evaluate_models(data: TrainingData, features: Features, params: ModelParams) -> dict[str, dict]:
    """Hold out each user's newest positives; NDCG/precision@k of LightFM and popularity."""
    split = temporal_split(data.interactions)
    train = features.interaction_matrix(split.train)
    test = features.interaction_matrix(split.test).tocsr()
    known = features.interaction_matrix(split.exclude).tocsr() + train.tocsr()
    log.info("evaluation split: %d train positives, %d test positives", train.nnz, test.nnz)
    lightfm = model.train(features, train, params)
    metrics = {
        "lightfm": evaluate.evaluate(model.score_matrix(lightfm, features), test, known),
        "popularity": evaluate.evaluate(popularity_scores(train, train.shape[0]), test, known),
    }
    for name, m in metrics.items():
        log.info("%-10s %s", name, m)
    return metrics


def train_and_evaluate(data: TrainingData, params: ModelParams) -> tuple[TrainedModel, dict]:
    """Evaluate on a temporal hold-out, then refit on all positives for serving."""
    features = build_features(data.users, data.items)
    metrics = evaluate_models(data, features, params)
    log.info("refitting on all positives for serving")
    final = model.train(features, features.interaction_matrix(positives(data.interactions)), params)
    return TrainedModel(final, features), metrics


def score(trained: TrainedModel, data: TrainingData, n_movies: int = N_MOVIES, n_books: int = N_BOOKS) -> list[dict]:
    """Top movies (never one the user rated) and top books for every user."""
    f = trained.features
    rated = f.interaction_matrix(data.interactions[["user_id", "movie_id"]]).tocsr()
    titles = data.items.set_index("movie_id")["title"]
    book_index = books.BookIndex.build(data.items, data.book_candidates)
    catalogue = book_index.catalogue
    records: list[dict] = []
    batch = 2048
    for start in range(0, len(f.user_ids), batch):
        rows = np.arange(start, min(start + batch, len(f.user_ids)))
        scores = model.score_matrix(trained.model, f, rows)
        top = evaluate.top_k(scores, n_movies, rated[rows])
        top_scores = np.take_along_axis(scores, top, axis=1)
        movie_ids = f.movie_ids[top]
        book_rows, book_scores = book_index.recommend(movie_ids, n_books)
        for i, row in enumerate(rows):
            records.append({
                "user_id": int(f.user_ids[row]),
                "movies": [{"movie_id": int(m), "title": titles[m], "score": float(s)}
                           for m, s in zip(movie_ids[i], top_scores[i]) if np.isfinite(s)],  # -inf = rated
                "books": [{"book_id": int(catalogue.at[b, "book_id"]), "title": catalogue.at[b, "title"],
                           "authors": catalogue.at[b, "authors"], "score": float(s)}
                          for b, s in zip(book_rows[i], book_scores[i])],
            })
        log.info("scored %d/%d users", rows[-1] + 1, len(f.user_ids))
    return records

"""Train, evaluate and score: the functions behind the train and score tasks."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from training import books, candidates, evaluate, protocols, report, tuning
from training.candidates import Candidate
from training.config import N_BOOKS, N_MOVIES, ModelParams
from training.data import TrainingData
from training.features import Features, build_features
from training.split import positives

PUBLISHED_MODEL = candidates.LightFMModel.name
COLD_REFERENCE = candidates.SegmentPopularity.name
SEGMENT_COLUMNS = ("gender", "age_bucket", "occupation")  # a new user's signup answers
SCORE_BATCH = 2048  # users scored at once: memory is batch x items, never users x items

log = logging.getLogger(__name__)


@dataclass
class TrainedModel:
    """What scoring needs: the models fitted on all positives and their feature space."""

    warm: Candidate      # serves known users
    cold: Candidate      # serves new users from their demographics
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
    models = candidates.build(features, users, params)
    warm = protocols.run_protocol([protocols.warm_set(features, data.interactions)], models, users)
    cold = protocols.run_protocol(protocols.cold_folds(features, data.interactions),
                                  {n: m for n, m in models.items() if m.serves_new_users}, users)
    return {"published_model": PUBLISHED_MODEL,
            "protocols": {"A": warm.metrics, "B": cold.metrics},
            "cold_start": choose_cold_start(cold.per_user_ndcg),
            "segments_b": per_segment(cold.per_user_ndcg, users)}


def choose_cold_start(per_user_ndcg: dict[str, pd.Series], reference: str = COLD_REFERENCE,
                      challenger: str = PUBLISHED_MODEL) -> dict:
    """Protocol B's choice: ``challenger`` serves new users only when its paired 95% interval of the
    per-user NDCG@10 difference against ``reference`` lies above zero; otherwise ``reference``."""
    paired = {name: protocols.paired_bootstrap(ndcg, per_user_ndcg[reference])
              for name, ndcg in per_user_ndcg.items() if name != reference}
    if challenger not in paired:  # a source without demographics: the hybrid knows nothing of new users
        log.info("cold start: %s (%s cannot serve new users on this data)", reference, challenger)
        return {"model": reference, "reference": reference, "paired_ndcg@10": paired}
    model = challenger if paired[challenger]["clear"] else reference
    log.info("cold start: %s (%s - %s NDCG@10 %+.4f, 95%% [%+.4f, %+.4f])", model, challenger, reference,
             paired[challenger]["mean_diff"], paired[challenger]["ci_low"], paired[challenger]["ci_high"])
    return {"model": model, "reference": reference, "paired_ndcg@10": paired}


def per_segment(per_user_ndcg: dict[str, pd.Series], users: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Mean NDCG@10 per gender x age bucket segment, per model (users indexed by matrix row)."""
    segment = users["gender"].astype("string").fillna("?") + "|" + users["age_bucket"].astype("string").fillna("?")
    return {name: ndcg.groupby(segment.reindex(ndcg.index).to_numpy()).mean().round(4).to_dict()
            for name, ndcg in per_user_ndcg.items()}


def train_and_evaluate(data: TrainingData, params: ModelParams) -> tuple[TrainedModel, dict]:
    """Evaluate on both protocols, then refit the published and the cold-start model on all positives."""
    features = build_features(data.users, data.items, params.user_identity_weight, params.item_identity_weight)
    metrics = evaluate_models(data, features, params)
    log.info("refitting on all positives for serving")
    models = candidates.build(features, demographics(data, features), params)
    all_positives = features.interaction_matrix(positives(data.interactions))
    warm = models[metrics["published_model"]].fit(all_positives)
    cold_name = metrics["cold_start"]["model"]
    cold = warm if cold_name == warm.name else models[cold_name].fit(all_positives)
    return TrainedModel(warm, cold, features), metrics


def train_run(data: TrainingData, params: ModelParams, run: dict,
              tuning_trials: int = 0) -> tuple[TrainedModel, dict, dict[str, bytes], ModelParams]:
    """A whole model run: optional tuning, evaluation, the final fit and the report.

    ``run`` describes the run (run_id, ds, dataset) and leads the metrics. Returns the trained
    model, the metrics, the files to store beside them (report, plots, tuning trials) and the
    parameters used.
    """
    files = {}
    if tuning_trials > 0:
        params, trials = tuning.tune(data, params, tuning_trials)
        files["tuning.json"] = tuning.trials_json(trials)
    trained, metrics = train_and_evaluate(data, params)
    metrics = {**run, "tuning_trials": tuning_trials, **metrics}
    return trained, metrics, {**files, **report.build(metrics)}, params


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
    """Top movies (never one the user rated) and top books for every user, in batches of users."""
    f = trained.features
    rated = f.interaction_matrix(data.interactions[["user_id", "movie_id"]]).tocsr()
    titles = data.items.set_index("movie_id")["title"]
    book_index = books.BookIndex.build(data.items, data.book_candidates)
    records: list[dict] = []
    for start in range(0, len(f.user_ids), SCORE_BATCH):
        rows = np.arange(start, min(start + SCORE_BATCH, len(f.user_ids)))
        scored = _records(trained.warm.score(rows), rated[rows], trained, titles, book_index, n_movies, n_books)
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


def score_segments(trained: TrainedModel, data: TrainingData, n_movies: int = N_MOVIES,
                   n_books: int = N_BOOKS) -> list[dict]:
    """Cold-start recommendations for every demographic segment, from the run's cold-start model
    (the hybrid from demographics alone, or segment popularity with backoff)."""
    segs = segments(data.users)
    titles = data.items.set_index("movie_id")["title"]
    scored = _records(trained.cold.score_new(segs), None, trained, titles,
                      books.BookIndex.build(data.items, data.book_candidates), n_movies, n_books)
    log.info("scored %d cold-start segments with %s", len(segs), trained.cold.name)
    return [{"user_id": segment_key(*seg), "segment": dict(zip(SEGMENT_COLUMNS, seg)),
             "cold_start_model": trained.cold.name, **rec} for seg, rec in zip(segs.itertuples(index=False), scored)]

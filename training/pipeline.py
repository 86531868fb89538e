"""Train, evaluate and score: the functions behind the train and score tasks."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from training import books, candidates, evaluate, explore, foldin, protocols, report, tuning
from training.candidates import Candidate
from training.config import N_BOOKS, N_MOVIES, ModelParams
from training.data import TrainingData
from training.features import Features, build_features
from training.memory import StepPeak
from training.segments import SEGMENT_COLUMNS, segment_key
from training.split import positives

COLD_REFERENCE = candidates.SegmentPopularity.name
WARM_REFERENCE = candidates.LightFMModel.name  # the product's model, kept unless a peer is clearly better
PARTIAL_ANSWERS = ("gender", "age_bucket")  # protocol B again, for a new user who answered only these

log = logging.getLogger(__name__)


@dataclass
class TrainedModel:
    """What scoring needs: the models fitted on all positives and their feature space."""

    warm: Candidate      # serves known users
    cold: Candidate      # serves new users from their demographics, and known users without positives
    features: Features


def demographics(data: TrainingData, features: Features) -> pd.DataFrame:
    """The users' demographic columns in the feature matrices' row order."""
    return data.users.set_index("user_id").loc[features.user_ids].reset_index()


def partial_answers(users: pd.DataFrame, kept: tuple[str, ...] = PARTIAL_ANSWERS) -> pd.DataFrame:
    """The same people with every demographic answer but ``kept`` left blank."""
    blank = [c for c in users.columns if c != "user_id" and c not in kept]
    return users.assign(**{c: None for c in blank})


class Timer:
    """Seconds and peak resident memory per named step, logged as each ends: the train stage's cost in the
    open."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}

    def add(self, step: str, seconds: float, peak_mb: float | None) -> None:
        self.seconds[step] = round(self.seconds.get(step, 0.0) + seconds, 2)
        if peak_mb is not None:
            self.peak_mb[step] = max(self.peak_mb.get(step, 0.0), peak_mb)
        log.info("cost: %s took %.1fs, peak %s MB", step, seconds, peak_mb)

    def timed(self, step: str, func, *args, **kwargs):
        started = time.perf_counter()
        with StepPeak() as peak:
            result = func(*args, **kwargs)
        self.add(step, time.perf_counter() - started, peak.mb)
        return result


def choose_warm(validation: dict[str, dict], per_user_ndcg: dict[str, pd.Series],
                reference: str | None = None) -> dict:
    """The warm model: ``reference`` (the live configuration; the hybrid when there is none or this run does
    not train it) unless a challenger's paired 95% interval of the per-user validation NDCG@10 difference lies
    above zero, then the best such challenger. On a small validation split the point scores of models a few
    hundredths apart swap from day to day; only a clear gain replaces what is served. Protocol A's test never
    enters the choice."""
    reference = reference if reference in validation else WARM_REFERENCE
    ndcg = {name: m["ndcg@10"] for name, m in validation.items()}
    paired = {name: protocols.paired_bootstrap(per_user_ndcg[name], per_user_ndcg[reference])
              for name in validation if name != reference}
    clear = [name for name, p in paired.items() if p["clear"]]
    model = max(clear, key=ndcg.get) if clear else reference
    log.info("warm model: %s, validation ndcg@10 %.4f (reference %s; clearly above it: %s) of %s", model,
             ndcg[model], reference, clear or "none", {n: round(v, 4) for n, v in ndcg.items()})
    return {"model": model, "metric": "validation ndcg@10", "reference": reference, "validation_ndcg@10": ndcg,
            "paired_validation": paired}


def exploration_curve(model: Candidate, eval_set: protocols.EvalSet, explorer: explore.Explorer,
                      levels: tuple[float, ...] = explore.LEVELS) -> dict[str, dict[str, float]]:
    """NDCG@10, catalogue coverage, genre diversity and novelty of ``model``'s lists (already fitted on the
    set) at each exploration level."""
    rows = eval_set.test_rows
    lists = {level: [] for level in levels}
    for part in evaluate.batches(rows):  # the model scores each batch once, for every level
        scores, exclude = model.score(part), eval_set.exclude[part]
        for level in levels:
            lists[level].append(explorer.lists(scores, 10, level, exclude))
    curve = {}
    for level, parts in lists.items():
        top = np.vstack(parts)
        m = evaluate.summary(evaluate.list_metrics(top, eval_set.test[rows], ks=(10,)), top, eval_set.test.shape[1],
                             ks=(10,))
        curve[str(level)] = {"ndcg@10": m["ndcg@10"], "coverage@10": m["coverage@10"],
                             "genre_diversity@10": explorer.diversity(top), "novelty@10": explorer.mean_novelty(top)}
    return curve


def evaluate_models(data: TrainingData, features: Features, params: ModelParams, timer: Timer | None = None,
                    incumbent: str | None = None, carried: dict | None = None) -> tuple[dict, dict[str, Candidate]]:
    """Choose and judge every model: settings and the warm model (against ``incumbent``, the live
    configuration, :func:`choose_warm`) on the validation split, every model on protocol A's test, the
    cold-start models on protocol B (all answers, and partial ones), and the fold-in's l2
    (:func:`training.foldin.choose`). Returns the metrics and the models still needed (the warm and the
    cold-start ones), which keep the settings validation chose.

    On a refit day (``carried``: what :func:`training.schedule.carried_evaluation` took from the live run)
    every model takes the carried settings instead, the warm, cold-start and fold-in choices stay, and only
    protocol A judges: the served model and every baseline, for the gate."""
    timer = timer or Timer()
    users = demographics(data, features)
    models = candidates.build(features, users, params)
    if carried and set(carried["settings"]) != set(models):
        log.info("full evaluation: the live run has settings of %s, this run trains %s", sorted(carried["settings"]),
                 sorted(models))
        carried = None
    if carried:
        for name, candidate in models.items():
            candidate.use_settings(carried["settings"][name])
        settings, selection, validation = carried["settings"], carried["selection"], None
    else:
        validation = protocols.run_protocol([protocols.validation_set(features, data.interactions)], models,
                                            users, tune=True)
        settings, selection = validation.settings, choose_warm(validation.metrics, validation.per_user_ndcg,
                                                               incumbent)
    chosen = selection["model"]
    baselines = [n for n, m in models.items() if m.baseline]
    warm_set = protocols.warm_set(features, data.interactions)
    warm = protocols.run_protocol([warm_set], {n: m for n, m in models.items()
                                               if not carried or n == chosen or m.baseline}, users)
    curve = timer.timed("exploration", exploration_curve, models[chosen], warm_set,
                        explore.Explorer.build(data.items, features.movie_ids, warm_set.train))
    # Only the served model and the cold-start ones are fitted again: the others' fitted state is freed.
    models = {n: m for n, m in models.items() if n == chosen or m.serves_new_users}
    del warm_set
    metrics = {"published_model": chosen, "selection": selection, "settings": settings, "baselines": baselines,
               "protocols": {"A": warm.metrics},
               "paired_a": {name: protocols.paired_bootstrap(warm.per_user_ndcg[chosen], ndcg)
                            for name, ndcg in warm.per_user_ndcg.items() if name != chosen},
               "exploration": curve,
               "evaluation": {**carried["evaluation"], "kind": "refit"} if carried else {"kind": "full"}}
    steps = [("validation", validation)] * (validation is not None) + [("protocol A", warm)]
    if carried:
        metrics.update(cold_start=carried["cold_start"], cold_start_partial=carried["cold_start_partial"],
                       foldin=carried["foldin"])
    else:
        cold = protocols.run_protocol(protocols.cold_folds(features, data.interactions),
                                      {n: m for n, m in models.items() if m.serves_new_users}, users,
                                      partial_users=partial_answers(users))
        steps.append(("protocol B", cold))
        metrics["protocols"].update(B=cold.metrics, B_partial=cold.partial.metrics)
        metrics.update(cold_start=choose_cold_start(cold.per_user_ndcg),
                       cold_start_partial=choose_cold_start(cold.partial.per_user_ndcg),
                       segments_b=per_segment(cold.per_user_ndcg, users),
                       foldin=timer.timed("fold-in l2", foldin.choose, data.interactions))
    for step, result in steps:
        for name, seconds in result.seconds.items():
            timer.add(f"{step}: {name}", seconds, result.peak_mb[name])
    return metrics, models


def choose_cold_start(per_user_ndcg: dict[str, pd.Series], reference: str = COLD_REFERENCE) -> dict:
    """Protocol B's choice: the model whose paired 95% interval of the per-user NDCG@10 difference against
    ``reference`` lies above zero with the largest mean difference; ``reference`` when none does."""
    paired = {name: protocols.paired_bootstrap(ndcg, per_user_ndcg[reference])
              for name, ndcg in per_user_ndcg.items() if name != reference}
    clear = {name: p["mean_diff"] for name, p in paired.items() if p["clear"]}
    model = max(clear, key=clear.get) if clear else reference
    log.info("cold start: %s (NDCG@10 against %s: %s)", model, reference,
             {n: f"{p['mean_diff']:+.4f} [{p['ci_low']:+.4f}, {p['ci_high']:+.4f}]" for n, p in paired.items()})
    return {"model": model, "reference": reference, "paired_ndcg@10": paired}


def per_segment(per_user_ndcg: dict[str, pd.Series], users: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Mean NDCG@10 per gender x age bucket segment, per model (users indexed by matrix row)."""
    segment = users["gender"].astype("string").fillna("?") + "|" + users["age_bucket"].astype("string").fillna("?")
    return {name: ndcg.groupby(segment.reindex(ndcg.index).to_numpy()).mean().round(4).to_dict()
            for name, ndcg in per_user_ndcg.items()}


def train_and_evaluate(data: TrainingData, params: ModelParams, timer: Timer | None = None,
                       incumbent: str | None = None, carried: dict | None = None) -> tuple[TrainedModel, dict]:
    """Choose and evaluate the models (on a refit day, ``carried``, judge the carried choice:
    :func:`evaluate_models`), then refit the warm and the cold-start model on all positives."""
    timer = timer or Timer()
    features = timer.timed("features", build_features, data.users, data.items, params.user_identity_weight,
                           params.item_identity_weight)
    metrics, models = evaluate_models(data, features, params, timer, incumbent, carried)
    log.info("refitting on all positives for serving")
    pos = positives(data.interactions)
    all_positives = features.interaction_matrix(pos).tocsr()
    recency = protocols.recency_matrix(features, pos)
    warm = timer.timed(f"refit: {metrics['published_model']}", models[metrics["published_model"]].fit,
                       all_positives, recency)
    cold_name = metrics["cold_start"]["model"]
    cold = timer.timed(f"refit: {cold_name}", models[cold_name].fit_once, all_positives, recency)
    metrics["seconds"], metrics["peak_mb"] = timer.seconds, timer.peak_mb
    return TrainedModel(warm, cold, features), metrics


def train_run(data: TrainingData, params: ModelParams, run: dict, tuning_trials: int = 0,
              incumbent: str | None = None, timer: Timer | None = None,
              carried: dict | None = None) -> tuple[TrainedModel, dict, dict[str, bytes], ModelParams]:
    """A whole model run: optional tuning, evaluation, the final fit and the report.

    ``run`` describes the run (run_id, ds, dataset) and leads the metrics; ``incumbent`` is the live
    configuration, kept unless validation clearly prefers another model; ``timer`` may hold the steps
    before (reading the data); ``carried`` makes it a refit day (:mod:`training.schedule`). The metrics'
    ``evaluation`` names the full evaluation the run rests on (its kind, run_id and ds). Returns the trained model, the metrics, the
    files to store beside them (report, plots, tuning trials) and the parameters used.
    """
    files, timer = {}, timer or Timer()
    if tuning_trials > 0:
        params, trials = timer.timed(f"tuning ({tuning_trials} trials)", tuning.tune, data, params, tuning_trials)
        files["tuning.json"] = tuning.trials_json(trials)
    trained, metrics = train_and_evaluate(data, params, timer, incumbent, carried)
    if metrics["evaluation"]["kind"] == "full":
        metrics["evaluation"].update(run_id=run["run_id"], ds=run["ds"])
    metrics = {**run, "tuning_trials": tuning_trials, **metrics}
    return trained, metrics, {**files, **report.build(metrics)}, params


def _records(scores: np.ndarray, top: np.ndarray, trained: TrainedModel, titles: pd.Series,
             book_index: books.BookIndex, n_books: int) -> list[dict]:
    """The listed movies (``top``: item indices per score row) and the books of their genres, one record per
    score row."""
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


def score(trained: TrainedModel, data: TrainingData, n_movies: int = N_MOVIES, n_books: int = N_BOOKS,
          exploration: float = 0.0) -> list[dict]:
    """Top movies (never one the user rated) and top books for every user, in batches of users. Users
    without a positive are new users to every model: the cold-start model serves them from their
    demographics. ``exploration`` re-ranks the lists (:mod:`training.explore`)."""
    f = trained.features
    rated = f.interaction_matrix(data.interactions[["user_id", "movie_id"]]).tocsr()
    liked = f.interaction_matrix(positives(data.interactions)).tocsr()
    has_positives = np.diff(liked.indptr) > 0
    users = demographics(data, f)
    titles = data.items.set_index("movie_id")["title"]
    book_index = books.BookIndex.build(data.items, data.book_candidates)
    explorer = explore.Explorer.build(data.items, f.movie_ids, liked)
    records: list[dict] = []
    started = time.perf_counter()
    for rows in evaluate.batches(np.arange(len(f.user_ids))):  # memory: batch x items, never users x items
        scores = np.empty((len(rows), len(f.movie_ids)))
        warm = has_positives[rows]
        if warm.any():
            scores[warm] = trained.warm.score(rows[warm])
        if not warm.all():
            scores[~warm] = trained.cold.score_new(users.iloc[rows[~warm]])
        scores[rated[rows].nonzero()] = -np.inf  # never a rated movie, even for someone who rated nearly all
        top = explorer.lists(scores, n_movies, exploration)
        scored = _records(scores, top, trained, titles, book_index, n_books)
        records += [{"user_id": int(f.user_ids[row]), "served_by": (trained.warm if w else trained.cold).name, **rec}
                    for row, w, rec in zip(rows, warm, scored)]
        log.info("scored %d/%d users (%d without positives, served as new users) in %.1fs", rows[-1] + 1,
                 len(f.user_ids), int((~has_positives[:rows[-1] + 1]).sum()), time.perf_counter() - started)
    return records


def segments(users: pd.DataFrame) -> pd.DataFrame:
    """Every gender x age bucket x occupation combination of the values users have, then the coarser
    segments a new user who skipped answers falls back to: (gender, age, *), (gender, *, *), (*, *, *)."""
    values = [users[c].dropna().drop_duplicates().sort_values() for c in SEGMENT_COLUMNS]
    full = pd.MultiIndex.from_product(values, names=list(SEGMENT_COLUMNS)).to_frame(index=False).astype(object)
    coarser = [full.assign(**{c: None for c in SEGMENT_COLUMNS[kept:]}).drop_duplicates() for kept in (2, 1, 0)]
    return pd.concat([full, *coarser], ignore_index=True)


def score_segments(trained: TrainedModel, data: TrainingData, n_movies: int = N_MOVIES,
                   n_books: int = N_BOOKS, exploration: float = 0.0) -> list[dict]:
    """Cold-start recommendations for every demographic segment, from the run's cold-start model;
    ``exploration`` re-ranks the lists (:mod:`training.explore`)."""
    segs = segments(data.users)
    titles = data.items.set_index("movie_id")["title"]
    explorer = explore.Explorer.build(data.items, trained.features.movie_ids,
                                      trained.features.interaction_matrix(positives(data.interactions)))
    scores = trained.cold.score_new(segs)
    scored = _records(scores, explorer.lists(scores, n_movies, exploration), trained, titles,
                      books.BookIndex.build(data.items, data.book_candidates), n_books)
    log.info("scored %d cold-start segments with %s", len(segs), trained.cold.name)
    return [{"user_id": segment_key(*seg), "segment": dict(zip(SEGMENT_COLUMNS, seg)),
             "cold_start_model": trained.cold.name, **rec} for seg, rec in zip(segs.itertuples(index=False), scored)]

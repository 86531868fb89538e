"""Constants and hyperparameters of the recommender, in one place."""
from __future__ import annotations

from dataclasses import asdict, dataclass

POSITIVE_THRESHOLD = 4      # a rating >= this is a positive, for data without the training mart's weight (the
                            # warehouse's rule: dbt/seeds/feedback_event_types.csv, the same 4 stars)
TEST_FRACTION = 0.2         # newest share of each user's positives held out
N_MOVIES = 10
N_BOOKS = 5
SEED = 42
# Each evaluation (validation, protocol A, all of protocol B's folds) judges a seeded sample of at most
# this many test users; its metrics carry their 95% intervals. None = every test user.
MAX_EVAL_USERS = 20_000
# Protocol B fits every cold-start model once per fold: it judges the folds it needs to reach this many
# held-out users (all five on a small audience, one when a fold alone holds them), on a sample of this many
# users at most.
MAX_COLD_USERS = 5_000
# Demographic segments of segment popularity, finest first (backoff to coarser, then global).
# Measured on ML-100K (benchmarks/results): gender x age beats gender x age x occupation on
# both protocols, whatever the backoff threshold, so occupation is not a level.
SEGMENT_LEVELS = [["gender", "age_bucket"], ["gender"]]


# What a rerun with LightFM's threads (num_threads > 1, Hogwild) guarantees: not the same lists, but protocol A's
# NDCG@10 within this of the single-threaded run on the same data (tests/training/test_candidates.py).
THREADED_NDCG_TOLERANCE = 0.02


@dataclass(frozen=True)
class ModelParams:
    """LightFM hyperparameters."""

    no_components: int = 48
    loss: str = "warp"
    learning_rate: float = 0.05
    item_alpha: float = 1e-6
    user_alpha: float = 1e-6
    max_sampled: int = 30
    epochs: int = 30
    num_threads: int = 1  # >1 is faster, but Hogwild updates make a rerun's lists differ (THREADED_NDCG_TOLERANCE)
    random_state: int = SEED
    # Share of a user's (item's) feature row given to its own identity; None = equal with its
    # demographic (genre, decade) features, LightFM's default. Tuning searches these.
    user_identity_weight: float | None = None
    item_identity_weight: float | None = None
    # Early stopping: choose the epochs (up to `epochs`) on a validation split of the training positives.
    early_stopping: bool = True
    validation_fraction: float = 0.1
    eval_every: int = 5
    patience: int = 2

    def as_dict(self) -> dict:
        return asdict(self)

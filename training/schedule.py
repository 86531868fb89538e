"""Which days evaluate every model again, and which refit the last full evaluation's choice.

A full evaluation tunes every model on the validation split, chooses the warm model, judges the
cold-start models on protocol B's folds, judges everything on protocol A and chooses the fold-in's
l2: most of the train stage's time. Its choices change slowly, so the days after it (fewer than
``full_every_days``) are refit days: every model takes the settings that evaluation chose, the warm
model stays the one it chose, new users keep its cold-start model and the fold-in its l2. A refit day still judges the served model and every
baseline on its own protocol A test, so the quality gate is as strict as on a full day.

A run evaluates in full when there is no live run, the live run was trained on another dataset or
records less than a refit day carries (a run of older code), ``full_every_days`` days have passed since that evaluation, the
day is not after it (a rerun or a backfill reproduces its day in full), or this run or the live one tunes
LightFM (a refit day trains with the configured hyperparameters).
"""
from __future__ import annotations

import logging
from datetime import date

log = logging.getLogger(__name__)

FULL_EVERY_DAYS = 7
CARRIED = ("selection", "settings", "cold_start", "cold_start_partial", "foldin", "evaluation")


def carried_evaluation(live: dict | None, ds: str, dataset: str, full_every_days: int = FULL_EVERY_DAYS,
                       tuning_trials: int = 0) -> dict | None:
    """What a refit day on ``ds`` takes from the live run's metrics (:data:`CARRIED`), or None when the run
    must evaluate every model again (the module's rules); the reason is logged either way."""
    reason = _full_evaluation_reason(live, ds, dataset, full_every_days, tuning_trials)
    if reason:
        log.info("full evaluation: %s", reason)
        return None
    evaluated = live["evaluation"]
    log.info("refit day: the settings and choices of the full evaluation %s of ds %s (every model is evaluated "
             "again %d days after it)", evaluated["run_id"], evaluated["ds"], full_every_days)
    return {k: live[k] for k in CARRIED}


def _full_evaluation_reason(live: dict | None, ds: str, dataset: str, full_every_days: int,
                            tuning_trials: int) -> str | None:
    if live is None:
        return "no live run"
    if live.get("dataset") != dataset:
        return f"the live run {live['run_id']} was trained on {live.get('dataset')}, this one on {dataset}"
    missing = [k for k in CARRIED if k not in live]
    if missing:
        return f"the live run {live['run_id']} records no {', '.join(missing)}"
    if tuning_trials > 0 or live.get("tuning_trials", 0) > 0:
        return "this run tunes LightFM" if tuning_trials > 0 else f"the live run {live['run_id']} tuned LightFM"
    evaluated = live["evaluation"]
    days = (date.fromisoformat(ds) - date.fromisoformat(evaluated["ds"])).days
    if days <= 0:
        return f"ds {ds} is not after the last full evaluation's ds {evaluated['ds']} (a rerun or a backfill)"
    if days >= full_every_days:
        return f"the last full evaluation ({evaluated['run_id']}, ds {evaluated['ds']}) is {days} days old"
    return None

"""Which days refit the last full evaluation's choices, and which evaluate every model again."""
from __future__ import annotations

import pytest

from training.schedule import CARRIED, carried_evaluation


def _live(evaluated_ds: str = "2026-03-01", kind: str = "full", **extra) -> dict:
    """The live run's metrics, as far as the schedule reads them."""
    return {"run_id": "model-live", "dataset": "ml-1m", "tuning_trials": 0, "selection": {"model": "ease"},
            "settings": {"ease": {"l2": 500.0}}, "cold_start": {"model": "segment_pop"},
            "cold_start_partial": {"model": "segment_pop"}, "foldin": {"l2": 20_000.0},
            "evaluation": {"kind": kind, "run_id": "model-full", "ds": evaluated_ds}, **extra}


@pytest.mark.parametrize("kind", ["full", "refit"])
def test_the_days_after_a_full_evaluation_carry_its_choices_until_it_is_a_week_old(kind):
    live = _live(kind=kind)  # a refit run passes on the evaluation it rests on
    for ds in ("2026-03-02", "2026-03-07"):
        assert carried_evaluation(live, ds, "ml-1m", full_every_days=7) == {k: live[k] for k in CARRIED}
    assert carried_evaluation(live, "2026-03-08", "ml-1m", full_every_days=7) is None
    assert carried_evaluation(live, "2026-03-02", "ml-1m", full_every_days=1) is None  # every run in full


@pytest.mark.parametrize("ds", ["2026-03-01", "2026-02-27"])
def test_a_rerun_of_the_evaluated_day_or_a_backfill_before_it_evaluates_in_full(ds):
    assert carried_evaluation(_live(), ds, "ml-1m") is None


def test_no_live_run_another_dataset_an_older_run_or_tuning_means_a_full_evaluation(caplog):
    old_run, older_run = _live(), _live()
    del old_run["foldin"]  # stored before runs recorded their fold-in choice
    del older_run["foldin"], older_run["evaluation"]
    cases = {"no live run": (None, 0), "was trained on ml-1m, this one on netflix": (_live(), 0),
             "records no foldin": (old_run, 0), "records no foldin, evaluation": (older_run, 0),
             "this run tunes LightFM": (_live(), 5),
             "the live run model-live tuned LightFM": (_live(tuning_trials=5), 0)}
    for reason, (live, trials) in cases.items():
        caplog.clear()
        dataset = "netflix" if "netflix" in reason else "ml-1m"
        with caplog.at_level("INFO", logger="training.schedule"):
            assert carried_evaluation(live, "2026-03-02", dataset, tuning_trials=trials) is None
        assert reason in caplog.text

"""A step's peak memory is its own: the high-water mark starts again with every step."""
from __future__ import annotations

import numpy as np

from training.memory import StepPeak


def test_each_step_reports_its_own_peak_not_an_earlier_steps():
    with StepPeak() as big:
        block = np.ones(300 * 2**20 // 8)  # 300 MB, touched
        del block
    with StepPeak() as small:
        block = np.ones(20 * 2**20 // 8)
        del block
    assert big.mb - small.mb > 200, (big.mb, small.mb)


def test_a_step_inside_another_does_not_hide_the_outer_steps_peak():
    with StepPeak() as outer:
        block = np.ones(300 * 2**20 // 8)
        del block
        with StepPeak() as inner:  # resets the mark, after the outer step's 300 MB
            small = np.ones(20 * 2**20 // 8)
            del small
    assert outer.mb - inner.mb > 200, (outer.mb, inner.mb)

"""Peak memory of one step of this process: Linux's resident high-water mark, reset when the step starts.

``getrusage``'s ru_maxrss cannot serve: it never goes down, and a process started by another one
inherits that one's peak across exec (the benchmark's 8 GB sample generator showed up as the train
task's first step). /proc/self/clear_refs resets the kernel's mark (VmHWM) to the current resident set.
"""
from __future__ import annotations

from pathlib import Path

STATUS, CLEAR_REFS = Path("/proc/self/status"), Path("/proc/self/clear_refs")


def reset_peak() -> None:
    """Start a new high-water mark at the current resident set (Linux; elsewhere nothing happens)."""
    try:
        CLEAR_REFS.write_text("5")
    except OSError:
        pass


def peak_rss_mb() -> float | None:
    """The largest resident set since the last :func:`reset_peak` (or the start), in MB; None off Linux."""
    try:
        line = next(line for line in STATUS.read_text().splitlines() if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return None
    return round(int(line.split()[1]) / 1024, 1)  # kB


class StepPeak:
    """``with StepPeak() as step: ...``; then ``step.mb`` is the peak resident set while the block ran.
    Steps nest: an inner step's reset first hands the mark so far to the steps around it."""

    _open: list["StepPeak"] = []
    mb: float | None = None

    def __enter__(self) -> "StepPeak":
        so_far = peak_rss_mb()
        for outer in self._open:
            outer._before_inner = max(outer._before_inner, so_far or 0.0)
        self._before_inner = 0.0
        self._open.append(self)
        reset_peak()
        return self

    def __exit__(self, *exc) -> None:
        self._open.remove(self)
        own = peak_rss_mb()
        self.mb = None if own is None else max(own, self._before_inner)

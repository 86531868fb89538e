"""The process's memory high-water mark: what the train stage reports per step."""
from __future__ import annotations

import resource
import sys


def peak_rss_mb() -> float:
    """The largest resident set this process has had so far, in MB (Linux reports KB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2 ** 20 if sys.platform == "darwin" else 2 ** 10), 1)

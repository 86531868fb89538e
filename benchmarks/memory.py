"""Resident memory of a process tree over time, for benchmarks."""
from __future__ import annotations

import threading
import time

import psutil


class MemorySampler:
    """Samples the resident set of a process and all its descendants (Spark's JVM, dbt, task processes)
    every ``interval`` seconds, in a background thread, until :meth:`stop`."""

    def __init__(self, pid: int | None = None, interval: float = 0.2):
        self.root, self.interval = psutil.Process(pid), interval
        self.samples: list[tuple[float, int]] = []  # (time.time(), bytes)
        self._since, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                tree = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:  # the root has exited
                return
            rss = 0
            for process in tree:
                try:
                    rss += process.memory_info().rss
                except psutil.Error:  # a child that just exited
                    pass
            self.samples.append((time.time(), rss))

    def peak(self, start: float | None = None, end: float | None = None) -> int:
        """The highest sample (bytes) between ``start`` and ``end`` (epoch seconds; default: all)."""
        window = [rss for t, rss in self.samples if (start is None or t >= start) and (end is None or t <= end)]
        return max(window, default=0)

    def take(self) -> int:
        """The peak since the last call."""
        peak = max((rss for _, rss in self.samples[self._since:]), default=0)
        self._since = len(self.samples)
        return peak

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

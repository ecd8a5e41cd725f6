"""Peak resident memory of a block of code, sampled by a background thread.

tracemalloc would see numpy's buffers but slows allocation-heavy fits (trees) several-fold,
which would corrupt the fit times recorded beside it; RSS sampling does not.
"""
from __future__ import annotations

import os
import threading


def _rss_bytes() -> int:
    try:
        with open(f"/proc/{os.getpid()}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource  # macOS / no procfs: max RSS so far (kB on Linux, bytes on macOS)

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class PeakMemory:
    """``with PeakMemory() as m: ...`` then ``m.peak_mb``: peak RSS above the start, in MiB."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.peak_mb = 0.0

    def __enter__(self) -> "PeakMemory":
        self._start = _rss_bytes()
        self._peak = self._start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._peak = max(self._peak, _rss_bytes())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._peak = max(self._peak, _rss_bytes())
        self.peak_mb = (self._peak - self._start) / 2**20

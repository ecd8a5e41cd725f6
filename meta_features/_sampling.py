"""Deterministic row sub-sampling and scaling shared by the distance-based groups.

Measures whose cost grows with n**2 (pairwise distances, MST, kNN graphs) are
computed on at most ``MAX_ROWS`` rows: a stratified (per class, proportional,
at least one row per class) sample drawn with ``RandomState(random_state)``.
On data with ``n <= MAX_ROWS`` every row is used, so values equal pymfe's.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

MAX_ROWS = 2000


def subsample(n: int, y: Optional[np.ndarray], random_state: int, cap: int = MAX_ROWS) -> np.ndarray:
    """Sorted row indices: all rows if ``n <= cap``, else a stratified sample of about ``cap``."""
    if n <= cap:
        return np.arange(n)
    rng = np.random.RandomState(random_state)
    if y is None or y.dtype.kind == "f":
        return np.sort(rng.choice(n, cap, replace=False))
    picked = []
    counts = np.bincount(y)
    for c in np.flatnonzero(counts):
        idx = np.flatnonzero(y == c)
        take = max(1, int(round(cap * idx.size / n)))
        picked.append(rng.choice(idx, min(take, idx.size), replace=False))
    return np.sort(np.concatenate(picked))


def minmax_scale(N: np.ndarray) -> np.ndarray:
    """Columns scaled to [0, 1] (constant columns become 0), with sklearn's ``MinMaxScaler``
    arithmetic (``X * scale + min``) so distances that are exact integers stay exact."""
    lo, hi = N.min(axis=0), N.max(axis=0)
    rng = hi - lo
    rng[rng == 0] = 1.0
    scale = 1.0 / rng
    return N * scale + (0.0 - lo * scale)

"""Greedy portfolios (auto-sklearn 2 / TabRepo): candidates that together cover most tasks."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .knowledge_base import KnowledgeBase


def greedy_portfolio(M: np.ndarray, size: int, weights: np.ndarray | None = None) -> list[int]:
    """Column indices of ``M`` (tasks x candidates, normalised scores, NaN = unknown) chosen
    greedily to maximise the (``weights``-weighted) mean over tasks of the best score within
    the portfolio. Weighting the tasks by similarity to a new task gives a portfolio for it."""
    if M.size == 0:
        return []
    M = np.where(np.isfinite(M), M, 0.0)
    w = np.ones(M.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (M.shape[0],) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"weights must be {M.shape[0]} finite non-negative numbers with a "
                         f"positive sum, got shape {w.shape}")
    w = w / w.sum()
    chosen: list[int] = []
    best = np.zeros(M.shape[0])
    for _ in range(min(size, M.shape[1])):
        gain = w @ np.maximum(M, best[:, None])
        gain[chosen] = -np.inf
        j = int(np.argmax(gain))
        chosen.append(j)
        best = np.maximum(best, M[:, j])
    return chosen


def kb_portfolio(kb: KnowledgeBase, family: str | Sequence[str] | None, size: int,
                 task_type: str = "classification") -> list[tuple[str, int]]:
    """The greedy portfolio of pool candidates ``(family, pool_index)`` of the KB, built over
    one family, several, or (None) all of them."""
    fams = None if family is None else (
        (family,) if isinstance(family, str) else tuple(sorted(set(family))))
    cache = kb.__dict__.setdefault("_cache", {})
    key = ("portfolio", fams, size, task_type, len(kb.tasks), len(kb.extra))
    if key not in cache:
        tasks = [t for t in kb.task_names if kb.tasks[t]["task_type"] == task_type]
        cands, _, M = kb.pool_matrix(fams[0] if fams and len(fams) == 1 else None, tasks)
        if fams is not None and len(fams) > 1:  # only the asked families compete
            keep = [j for j, (f, _) in enumerate(cands) if f in fams]
            cands, M = [cands[j] for j in keep], M[:, keep]
        cache[key] = [cands[j] for j in greedy_portfolio(M, size)]
    return cache[key]

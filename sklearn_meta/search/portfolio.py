"""Greedy portfolios (auto-sklearn 2 / TabRepo): candidates that together cover most tasks."""
from __future__ import annotations

import numpy as np

from .knowledge_base import KnowledgeBase


def greedy_portfolio(M: np.ndarray, size: int) -> list[int]:
    """Column indices of ``M`` (tasks x candidates, normalised scores, NaN = unknown) chosen
    greedily to maximise the mean over tasks of the best score within the portfolio."""
    if M.size == 0:
        return []
    M = np.where(np.isfinite(M), M, 0.0)
    chosen: list[int] = []
    best = np.zeros(M.shape[0])
    for _ in range(min(size, M.shape[1])):
        gain = np.maximum(M, best[:, None]).mean(axis=0)
        gain[chosen] = -np.inf
        j = int(np.argmax(gain))
        chosen.append(j)
        best = np.maximum(best, M[:, j])
    return chosen


def kb_portfolio(kb: KnowledgeBase, family: str | None, size: int,
                 task_type: str = "classification") -> list[tuple[str, int]]:
    """The greedy portfolio of pool candidates ``(family, pool_index)`` of the KB."""
    cache = kb.__dict__.setdefault("_cache", {})
    key = ("portfolio", family, size, task_type, len(kb.tasks), len(kb.extra))
    if key not in cache:
        tasks = [t for t in kb.task_names if kb.tasks[t]["task_type"] == task_type]
        cands, _, M = kb.pool_matrix(family, tasks)
        cache[key] = [cands[j] for j in greedy_portfolio(M, size)]
    return cache[key]

"""Nearest knowledge-base tasks of a new data set, with distance-based confidence.

``meta-features``: L1 distance over min-max-scaled meta-features (auto-sklearn 1).
``embedding``: Euclidean distance between standardised task embeddings.
Confidence: the nearest distance compared with the leave-one-out nearest-neighbour distances
among the knowledge-base tasks themselves (a query is *near* when its nearest distance is
within the 90th percentile of those).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .knowledge_base import KnowledgeBase


@dataclass
class Neighbours:
    """Knowledge-base tasks ordered by distance, with weights and confidence."""

    names: list[str]
    distances: np.ndarray
    weights: np.ndarray
    near: bool
    confidence: float  # in [0, 1]; 1 = as close as typical KB neighbours
    threshold: float
    kind: str


class _Space:
    """A fitted vector space over KB tasks (scaling + LOO reference distances)."""

    def __init__(self, names: list[str], M: np.ndarray, kind: str):
        self.kind = kind
        self.names = names
        M = np.asarray(M, dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(M, axis=0)
        med = np.where(np.isfinite(med), med, 0.0)
        self.fill = med
        M = np.where(np.isfinite(M), M, med)
        if kind == "meta-features":
            self.lo, self.hi = M.min(axis=0), M.max(axis=0)
            self.keep = (self.hi - self.lo) > 1e-12
        else:
            self.lo, self.hi = M.mean(axis=0), M.mean(axis=0) + M.std(axis=0)
            self.keep = (self.hi - self.lo) > 1e-12
        self.Z = self._scale(M)
        D = self._dist(self.Z[:, None, :], self.Z[None, :, :])
        np.fill_diagonal(D, np.inf)
        self.loo = D.min(axis=1) if len(names) > 1 else np.array([1.0])
        self.tau = float(np.median(self.loo)) or 1.0
        self.threshold = float(np.quantile(self.loo, 0.9))

    def _scale(self, M: np.ndarray) -> np.ndarray:
        Z = (M[..., self.keep] - self.lo[self.keep]) / (self.hi - self.lo)[self.keep]
        if self.kind == "meta-features":
            Z = np.clip(Z, -0.5, 1.5)  # a wild outlier feature must not dominate
        return Z

    def _dist(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if self.kind == "meta-features":
            return np.abs(a - b).sum(axis=-1)
        return np.sqrt(((a - b) ** 2).sum(axis=-1))

    def query(self, v: np.ndarray, exclude: set[str] | None = None) -> Neighbours:
        v = np.where(np.isfinite(v), v, self.fill)
        d = self._dist(self._scale(v[None, :]), self.Z)
        order = np.argsort(d, kind="stable")
        if exclude:
            order = np.array([i for i in order if self.names[i] not in exclude], dtype=int)
        d = d[order]
        w = np.exp(-d / self.tau)
        near = bool(len(d) and d[0] <= self.threshold)
        conf = float(np.clip(self.threshold / max(d[0], 1e-12), 0, 1)) if len(d) else 0.0
        return Neighbours([self.names[i] for i in order], d, w, near, conf,
                          self.threshold, self.kind)


def task_space(kb: KnowledgeBase, kind: str, task_type: str = "classification") -> _Space:
    """The (cached) scaled space of KB tasks of ``task_type`` for ``kind``."""
    cache = kb.__dict__.setdefault("_cache", {})
    key = ("space", kind, task_type, len(kb.tasks), kb.embedding_name)
    if key not in cache:
        names = [t for t in kb.task_names if kb.tasks[t]["task_type"] == task_type]
        if kind == "meta-features":
            names, M = kb.meta_feature_matrix(names)
        elif kind == "embedding":
            emb = kb.embedding_matrix()
            if emb is None:
                raise ValueError("the knowledge base holds no task embeddings")
            keep = [i for i, t in enumerate(emb[0]) if t in set(names)]
            names, M = [emb[0][i] for i in keep], emb[1][keep]
        else:
            raise ValueError(f"kind must be 'meta-features' or 'embedding', got {kind!r}")
        if not names:
            raise ValueError(f"the knowledge base holds no {task_type} tasks")
        cache[key] = _Space(names, M, kind)
    return cache[key]

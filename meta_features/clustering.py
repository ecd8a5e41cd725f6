"""Clustering meta-features (pymfe ``clustering`` group): validity indices of the
partition of ``N`` (median-imputed) into classes, Euclidean distances.

``ch`` (Calinski-Harabasz), ``vdb`` (Davies-Bouldin), ``nre`` and ``sc`` are
O(n p) and always use every row. The pairwise indices ``int``, ``vdu``, ``pb``
and ``sil`` need all n*(n-1)/2 distances; they use at most ``MAX_ROWS`` (2000)
rows (stratified sample, ``random_state``) when n is larger, and equal pymfe
exactly otherwise. On a sample, ``vdu`` still normalises by the full class sizes
(pymfe divides each inter-class minimum by |A| * |B|). A class of one row has diameter 0 in
``vdu`` (the Dunn index is defined when another class has two rows); pymfe fails on the empty
list of its distances and returns NaN. With no class of two rows, ``vdu`` is NaN in both.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.spatial.distance
import scipy.stats
import sklearn.metrics

from ._sampling import MAX_ROWS, subsample
from ._validation import TaskData

GROUP = "clustering"

_CAP = f" (pairwise; computed on at most {MAX_ROWS} stratified rows)"
FEATURES: dict[str, tuple[str, bool]] = {
    "ch": ("Calinski-Harabasz index of the class partition.", True),
    "int": ("INT index: mean over class pairs of the mean inter-class distance" + _CAP + ".", True),
    "nre": ("Normalized relative entropy: Shannon entropy (nats) of the class proportions.", True),
    "pb": ("Point-biserial correlation of pairwise distances with 'same class'" + _CAP + ".", True),
    "sc": ("Number of classes with fewer than 15 instances.", True),
    "sil": ("Mean silhouette of the class partition" + _CAP + ".", True),
    "vdb": ("Davies-Bouldin index of the class partition.", True),
    "vdu": ("Dunn index as pymfe: min size-normalised inter-class distance over max class diameter" + _CAP + ".", True),
}
SCALAR_FEATURES = set(FEATURES)


def _safe(fn: Callable[[], float]) -> float:
    try:
        return float(fn())
    except (ValueError, ZeroDivisionError, FloatingPointError, IndexError):
        return np.nan


def _pairwise(N: np.ndarray, y: np.ndarray, freqs_full: np.ndarray) -> dict[str, float]:
    """int, vdu, pb from one condensed distance vector over (sampled) rows."""
    m = N.shape[0]
    k = int(y.max()) + 1
    out = {"int": np.nan, "vdu": np.nan, "pb": np.nan}
    if m < 2:
        return out
    d = scipy.spatial.distance.pdist(N)
    iu, ju = np.triu_indices(m, k=1)
    ya, yb = y[iu], y[ju]
    del iu, ju
    same = ya == yb
    lo, hi = np.minimum(ya, yb), np.maximum(ya, yb)
    key = lo * k + hi
    sums = np.bincount(key, weights=d, minlength=k * k).reshape(k, k)
    cnt = np.bincount(key, minlength=k * k).reshape(k, k)
    mins = np.full(k * k, np.inf)
    np.minimum.at(mins, key, d)
    mins = mins.reshape(k, k)
    present = np.flatnonzero(np.bincount(y, minlength=k))
    kk = present.size
    if kk > 1:
        a, b = np.triu_indices(kk, k=1)
        pa, pb_ = present[a], present[b]
        out["int"] = float(np.sum(sums[pa, pb_] / cnt[pa, pb_]) * 2.0 / (kk * (kk - 1.0)))
        diam = np.max(np.where(same, d, -np.inf)) if same.any() else np.nan
        inter = np.min(mins[pa, pb_] / (freqs_full[pa] * freqs_full[pb_]))
        if not np.isfinite(diam):  # no class with two rows: no diameter (pymfe: NaN)
            out["vdu"] = np.nan
        else:
            out["vdu"] = float(inter / diam) if diam > 0 else (np.inf if inter > 0 else np.nan)
    if 0 < same.sum() < same.size:
        out["pb"] = float(scipy.stats.pointbiserialr(same, d)[0])
    return out


def compute(data: TaskData) -> dict[str, float | np.ndarray]:
    """Cluster-validity indices of the classes (classification only)."""
    if not data.is_classif:
        return {}
    y, freqs = data.y, data.class_freqs
    out: dict[str, float | np.ndarray] = {
        "nre": float(scipy.stats.entropy(freqs / data.n)),
        "sc": float((freqs < 15).sum()),
    }
    if data.N.shape[1] == 0:
        return out
    N = data.N_imputed
    out["ch"] = _safe(lambda: sklearn.metrics.calinski_harabasz_score(N, y))
    out["vdb"] = _safe(lambda: sklearn.metrics.davies_bouldin_score(N, y))
    rows = subsample(data.n, y, data.random_state)
    Ns, ys = N[rows], y[rows]
    out.update(_pairwise(Ns, ys, freqs.astype(float)))
    out["sil"] = _safe(lambda: sklearn.metrics.silhouette_score(Ns, ys))
    return out

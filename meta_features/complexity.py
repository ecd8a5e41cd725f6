"""Complexity meta-features (pymfe ``complexity`` group, Lorena et al. 2019) on ``N``
(median-imputed), one-vs-one class pairs and pymfe's defaults.

* Every row: ``c1 c2 f1 f1v f2 f3 f4 t2 t3 t4`` (O(n p) per class pair; exact).
* At most ``MAX_ROWS`` (2000) stratified rows (``random_state``) when n is larger,
  exact pymfe definitions otherwise: the distance-based ``n1 n2 n3 n4 t1 lsc
  density cls_coef hubs`` (Gower distance = Manhattan distance on min-max scaled
  ``N`` divided by the number of columns, as pymfe's default ``metric="gower"``;
  one m x m matrix with m <= 2000) and the per-pair linear SVMs of ``l1 l2 l3``.
  Min-max scaling always uses the full data.
* ``n4``/``l3`` interpolate with the random draws pymfe makes
  (``seed(random_state)``; ``l3`` reseeds with ``random_state + pair + 1``).
* ``density``, ``cls_coef``, ``hubs``: the unweighted graph linking each row to
  its ``round(0.15 m)`` nearest rows of the same class (zero-distance links
  dropped, as igraph does); hub scores by sparse Lanczos instead of igraph.

* Per-class-pair measures (``f1v f2 f3 f4 l1 l2 l3``) on at most ``MAX_PAIRS`` (500) pairs:
  with more classes (over 32) a random sample of pairs (``random_state``) estimates their
  summaries. pymfe fits every pair, O(k^2): 200 classes are 19,900 linear SVMs (150 s here
  for 1,000 rows; 5 s with the sample).

Deviations from pymfe 0.4.4 (tested): a column constant over the data has Fisher ratio 0 in
``f1`` (pymfe: its rounding noise over its rounding noise, a spurious value, or NaN), and a
column constant over a class pair overlaps fully in ``f2`` (factor 1; pymfe: 0/0, so ``f2`` of
that pair, and often its mean, NaN on tables with binary attributes); ``l1 l2 l3`` scale each
pair with scikit-learn's ``StandardScaler`` as pymfe does (it keeps a column constant up to
rounding at scale 1); ``f1v`` is computed (pymfe returns NaN
under numpy 2: it stores a 1x1 array into a float slot), a one-row class with zero
covariance (its ``ddof=1`` covariance is NaN, which made ``f1v`` NaN for every pair with it); ``n4`` uses correct
Gower test distances (pymfe's ``gower`` package treats an interpolated set with
as many rows as the data as symmetric and copies the wrong triangle).
"""
from __future__ import annotations

import itertools
from typing import Callable

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.csgraph
import scipy.sparse.linalg
import scipy.spatial.distance
import scipy.stats
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier, kneighbors_graph
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from ._sampling import MAX_ROWS, minmax_scale, subsample
from ._validation import TaskData

GROUP = "complexity"

_S = f" (on at most {MAX_ROWS} stratified rows)"
FEATURES: dict[str, tuple[str, bool]] = {
    "c1": ("Class entropy normalised by log(number of classes).", True),
    "c2": ("Imbalance ratio: 1 - 1 / ((k-1)/k * sum n_c / (n - n_c)).", True),
    "cls_coef": ("1 - transitivity of the same-class kNN graph" + _S + ".", True),
    "density": ("1 - edge density of the same-class kNN graph" + _S + ".", True),
    "f1": ("Maximum Fisher's discriminant ratio, as 1/(1+r) per attribute.", True),
    "f1v": ("Directional-vector Fisher ratio, as 1/(1+r) per class pair.", True),
    "f2": ("Volume of the overlapping region per class pair.", True),
    "f3": ("Maximum individual feature efficiency (overlap fraction) per class pair.", True),
    "f4": ("Collective feature efficiency (remaining overlap fraction) per class pair.", True),
    "hubs": ("1 - hub score of each row in the same-class kNN graph" + _S + ".", True),
    "l1": ("Sum of error distances of a linear SVM, as 1 - 1/(1+s), per class pair" + _S + ".", True),
    "l2": ("Training error of a linear SVM per class pair" + _S + ".", True),
    "l3": ("Error of a linear SVM on interpolated rows per class pair" + _S + ".", True),
    "lsc": ("Local set average cardinality, as 1 - mean size / n" + _S + ".", True),
    "n1": ("Fraction of rows on an MST edge joining two classes" + _S + ".", True),
    "n2": ("Intra/extra-class nearest-neighbour distance ratio, as 1 - 1/(1+r), per row" + _S + ".", True),
    "n3": ("Leave-one-out 1-NN error indicator per row" + _S + ".", True),
    "n4": ("1-NN error indicator per interpolated row" + _S + ".", True),
    "t1": ("Fraction of hyperspheres needed to cover the rows" + _S + ".", True),
    "t2": ("Average number of rows per dimension: p / n.", False),
    "t3": ("PCA components for 95% variance per row.", False),
    "t4": ("PCA components for 95% variance per attribute.", False),
}
#: Class pairs the per-pair measures use at most (a seeded sample beyond; see the docstring).
MAX_PAIRS = 500
SCALAR_FEATURES = {"c1", "c2", "cls_coef", "density", "lsc", "n1", "t1", "t2", "t3", "t4"}
_ERRORS = (ValueError, ZeroDivisionError, FloatingPointError, IndexError, np.linalg.LinAlgError,
           scipy.sparse.linalg.ArpackNoConvergence)


def _safe(fn: Callable[[], object], fallback: object = np.nan) -> object:
    try:
        return fn()
    except _ERRORS:
        return fallback


# ---------------------------------------------------------------- feature-based
def _f1(N: np.ndarray, y: np.ndarray, k: int, freqs: np.ndarray) -> np.ndarray:
    cent = np.array([N[y == c].mean(axis=0) for c in range(k)])
    numer = np.sum(np.square(cent - N.mean(axis=0)).T * freqs, axis=1)
    denom = np.sum([np.square(N[y == c] - cent[c]).sum(axis=0) for c in range(k)], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = numer / denom
    # a constant column separates nothing: ratio 0 (pymfe divides its rounding noise by its
    # rounding noise, a spurious ratio that can become the minimum f1, or 0/0 = NaN)
    spread = N.std(axis=0)
    const = spread <= np.abs(N).max(axis=0, initial=0.0) * np.finfo(float).eps * 10 \
        * np.sqrt(max(N.shape[0], 1))
    ratio[const] = 0.0
    return 1.0 / (1.0 + ratio)


def _f1v(N: np.ndarray, y: np.ndarray, k: int, freqs: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """pymfe's directional-vector Fisher ratio per class pair, ``pinv(W) @ diff`` with W the
    pooled within-class covariance. When the pair has fewer rows than attributes, W = Z'Z for
    the pair's scaled centred rows Z (m x p, m < p), so its pseudo-inverse comes from the thin
    SVD of Z in O(m^2 p) instead of O(p^3) (2,000 x 3,000, three classes: 33 s -> a few s),
    with scipy's cut-off on W's singular values (the squares of Z's)."""
    by_cls = [N[y == c] for c in range(k)]
    cent = np.array([B.mean(axis=0) for B in by_cls])
    covs: dict[int, np.ndarray] = {}
    out = np.empty(len(pairs))
    p = N.shape[1]
    for i, (a, b) in enumerate(pairs):
        diff = (cent[a] - cent[b]).reshape(-1, 1)
        wa, wb = freqs[a] / (freqs[a] + freqs[b]), freqs[b] / (freqs[a] + freqs[b])
        na, nb = by_cls[a].shape[0], by_cls[b].shape[0]
        if na == 1 and nb == 1:  # no within-class spread at all: the ratio is undefined
            out[i] = np.nan
            continue
        if na + nb < p:  # a one-row class adds no rows to Z (zero covariance)
            Z = np.vstack([(by_cls[c] - cent[c]) * np.sqrt(w / (m - 1))
                           for c, m, w in ((a, na, wa), (b, nb, wb)) if m > 1])
            _, sv, Vt = scipy.linalg.svd(Z, full_matrices=False)
            ev = sv ** 2  # singular values of W
            keep = ev > p * np.finfo(float).eps * (ev.max() if ev.size else 0.0)  # W is p x p
            proj = Vt[keep] @ diff
            direc = Vt[keep].T @ (proj / ev[keep, None])
            quad = float(np.sum((Z @ direc) ** 2))
        else:
            for c in (a, b):
                if c not in covs:  # a one-row class shows no spread: zero covariance
                    covs[c] = (np.atleast_2d(np.cov(by_cls[c], rowvar=False, ddof=1))
                               if by_cls[c].shape[0] > 1 else np.zeros((p, p)))
            W = wa * covs[a] + wb * covs[b]
            direc = scipy.linalg.pinv(W) @ diff
            quad = (direc.T @ W @ direc).item()
        out[i] = float((direc.T @ diff).item() ** 2) / quad if quad > 0 else np.nan
    return 1.0 / (1.0 + out)


def _overlap_measures(N: np.ndarray, y: np.ndarray, freqs: np.ndarray, pairs: np.ndarray) -> dict[str, np.ndarray]:
    """f2, f3, f4 per class pair (pymfe's min/max-of-class bounds)."""
    k = freqs.size
    by_cls = [N[y == c] for c in range(k)]
    mx = np.array([B.max(axis=0) for B in by_cls])
    mn = np.array([B.min(axis=0) for B in by_cls])
    f2, f3, f4 = (np.empty(len(pairs)) for _ in range(3))
    for i, (a, b) in enumerate(pairs):
        minmax, maxmin = np.minimum(mx[a], mx[b]), np.maximum(mn[a], mn[b])
        maxmax, minmin = np.maximum(mx[a], mx[b]), np.minimum(mn[a], mn[b])
        span = maxmax - minmin
        with np.errstate(divide="ignore", invalid="ignore"):  # one shared value: full overlap
            f2[i] = np.prod(np.where(span > 0, np.maximum(0.0, minmax - maxmin) / span, 1.0))
        sub = np.vstack([by_cls[a], by_cls[b]])
        ys = np.repeat([a, b], [by_cls[a].shape[0], by_cls[b].shape[0]])
        region = (sub >= maxmin) & (sub <= minmax)
        cnt = region.sum(axis=0)
        f3[i] = cnt[int(np.argmin(cnt))] / (freqs[a] + freqs[b])
        attrs = np.arange(N.shape[1])
        while attrs.size and sub.shape[0]:
            va, vb = sub[ys == a][:, attrs], sub[ys == b][:, attrs]
            if va.size == 0 or vb.size == 0:
                lo = np.full(attrs.size, np.inf)
                hi = np.full(attrs.size, -np.inf)
            else:
                lo, hi = np.maximum(va.min(axis=0), vb.min(axis=0)), np.minimum(va.max(axis=0), vb.max(axis=0))
            reg = (sub[:, attrs] >= lo) & (sub[:, attrs] <= hi)
            j = int(np.argmin(reg.sum(axis=0)))
            keep = reg[:, j]
            sub, ys = sub[keep], ys[keep]
            attrs = np.delete(attrs, j)
        f4[i] = sub.shape[0] / (freqs[a] + freqs[b])
    return {"f2": f2, "f3": f3, "f4": f4}


# ---------------------------------------------------------------- linearity
def _interpolate(N: np.ndarray, y: np.ndarray, classes: list[np.ndarray], rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
    """pymfe's ``_interpolate``: per class, points on random segments between random same-class rows."""
    Xs, ys = [], []
    for idx in classes:
        Nc = N[idx]
        m = Nc.shape[0]
        a = Nc[rng.choice(m, m)]
        b = Nc[rng.choice(m, m)]
        Xs.append(a + (b - a) * rng.random_sample(Nc.shape))
        ys.append(y[idx])
    return np.vstack(Xs), np.concatenate(ys)


def _linearity(N: np.ndarray, y: np.ndarray, k: int, pairs: np.ndarray, rs: int) -> dict[str, np.ndarray]:
    l1, l2, l3 = (np.full(len(pairs), np.nan) for _ in range(3))
    for i, (a, b) in enumerate(pairs):
        sel = (y == a) | (y == b)
        X, t = N[sel], (y[sel] == a)
        if np.unique(t).size < 2:
            continue
        # scikit-learn's scaler, as pymfe: a column constant within the pair up to rounding
        # keeps scale 1 (dividing by a ~1e-17 spread turned it into a +-1 column)
        scaler = StandardScaler().fit(X)
        svc = LinearSVC(penalty="l2", loss="hinge", C=2.0, tol=10e-3, max_iter=100000, random_state=rs)
        svc.fit(scaler.transform(X), t)
        pred = svc.predict(scaler.transform(X))
        wrong = pred != t
        dist = np.abs(svc.decision_function(scaler.transform(X[wrong]))).sum() if wrong.any() else 0.0
        s = dist / sel.sum()
        l1[i] = 1.0 - 1.0 / (1.0 + s)
        l2[i] = wrong.mean()
        yb = y[sel]
        Xi, ti = _interpolate(X, t, [np.flatnonzero(yb == c) for c in range(k)], np.random.RandomState(rs + i + 1))
        l3[i] = np.mean(svc.predict(scaler.transform(Xi)) != ti)
    return {"l1": l1, "l2": l2, "l3": l3}


# ---------------------------------------------------------------- neighbourhood
def _gower(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """pymfe's Gower distance on [0, 1]-scaled numeric data, rounded to float32 as gower does."""
    return (scipy.spatial.distance.cdist(A, B, "cityblock") / A.shape[1]).astype(np.float32).astype(float)


def _nearest_enemies(D: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dist = np.full(y.size, np.inf)
    ind = np.full(y.size, -1)
    for c in np.unique(y):
        own, other = np.flatnonzero(y == c), np.flatnonzero(y != c)
        if other.size == 0:
            continue
        e = other[np.argmin(D[np.ix_(other, own)], axis=0)]
        ind[own] = e
        dist[own] = D[e, own]
    return dist, ind


def _t1(D: np.ndarray, ne_dist: np.ndarray, ne_ind: np.ndarray) -> float:
    m = ne_ind.size
    radius = np.full(m, -1.0)
    for start in range(m):  # pymfe's recursion, unrolled: follow enemies, then unwind
        chain: list[int] = []
        i = start
        while True:
            if radius[i] >= 0.0:
                val = radius[i]
                break
            e = ne_ind[i]
            if ne_ind[e] == i:
                radius[i] = radius[e] = val = 0.5 * ne_dist[i]
                break
            radius[i] = 0.0  # provisional, as in pymfe (closes cycles)
            chain.append(i)
            i = e
        for j in reversed(chain):
            radius[j] = val = abs(ne_dist[j] - val)
    within = D <= radius[None, :]
    order = np.argsort(-within.sum(axis=0))
    count = np.ones(m, dtype=int)
    for i in order:
        if count[i] <= 0:
            continue
        inside = np.flatnonzero(within[:, i])
        total = int(count[inside].sum())
        count[inside] = 0
        count[i] = total
    return float(np.sum(count > 0) / m)



def _graph(D: np.ndarray, y: np.ndarray) -> scipy.sparse.csr_matrix:
    m = y.size
    nn = max(int(round(m * 0.15)), 1)
    G = kneighbors_graph(D, n_neighbors=nn, mode="distance", metric="precomputed", include_self=False).tocoo()
    keep = (y[G.row] == y[G.col]) & (G.data > 0)
    A = scipy.sparse.coo_matrix((np.ones(keep.sum()), (G.row[keep], G.col[keep])), shape=(m, m)).tocsr()
    A = ((A + A.T) > 0).astype(float)
    return A


def _graph_measures(A: scipy.sparse.csr_matrix) -> dict[str, float | np.ndarray]:
    m = A.shape[0]
    edges = A.nnz / 2
    out: dict[str, float | np.ndarray] = {"density": 1.0 - (2.0 * edges / (m * (m - 1)) if m > 1 else np.nan)}
    deg = np.asarray(A.sum(axis=1)).ravel()
    triples = float(np.sum(deg * (deg - 1)))
    Ad = A.toarray().astype(np.float32)
    closed = float(np.sum((Ad @ Ad) * Ad))  # = trace(A^3) = 6 * triangles
    out["cls_coef"] = 1.0 - (closed / triples if triples > 0 else 0.0)
    if edges == 0:
        out["hubs"] = np.zeros(m)
    elif m < 3:
        out["hubs"] = 1.0 - np.ones(m)
    else:
        _, vec = scipy.sparse.linalg.eigsh(A, k=1, which="LA", v0=np.ones(m))
        h = np.abs(vec[:, 0])
        out["hubs"] = 1.0 - h / h.max()
    return out


def _neighbourhood(Ns: np.ndarray, y: np.ndarray, rs: int) -> dict[str, float | np.ndarray]:
    m = y.size
    D = _gower(Ns, Ns)
    out: dict[str, float | np.ndarray] = {}
    mst = scipy.sparse.csgraph.minimum_spanning_tree(np.triu(D, k=1))
    i, j = mst.nonzero()
    diff = y[i] != y[j]
    out["n1"] = np.unique(np.concatenate([i[diff], j[diff]])).size / m
    ne_dist, ne_ind = _nearest_enemies(D, y)
    intra = np.empty(m)
    for c in np.unique(y):
        own = np.flatnonzero(y == c)
        sub = D[np.ix_(own, own)]
        np.fill_diagonal(sub, np.inf)
        intra[own] = sub[np.argmin(sub, axis=0), np.arange(own.size)]
    out["n2"] = 1.0 - 1.0 / (1.0 + intra / ne_dist)
    knn = KNeighborsClassifier(n_neighbors=1, metric="precomputed").fit(D, y)
    out["n3"] = (y[knn.kneighbors(return_distance=False).ravel()] != y).astype(float)
    classes = [np.flatnonzero(y == c) for c in range(int(y.max()) + 1)]
    Xi, yi = _interpolate(Ns, y, classes, np.random.RandomState(rs))
    out["n4"] = (knn.predict(_gower(Xi, Ns)) != yi).astype(float)
    out["lsc"] = 1.0 - np.sum(D < ne_dist[None, :]) / m**2
    out["t1"] = _safe(lambda: _t1(D, ne_dist, ne_ind))
    out.update(_safe(lambda: _graph_measures(_graph(D, y)), {}))
    return out


def class_pairs(k: int, random_state: int, max_pairs: int = MAX_PAIRS) -> np.ndarray:
    """The one-vs-one class pairs (a, b), a < b, in pymfe's order; a sorted seeded sample of
    ``max_pairs`` of them when there are more."""
    pairs = np.array(list(itertools.combinations(range(k), 2)), dtype=int).reshape(-1, 2)
    if len(pairs) > max_pairs:
        keep = np.random.RandomState(random_state % 2**32).choice(len(pairs), max_pairs,
                                                                   replace=False)
        pairs = pairs[np.sort(keep)]
    return pairs


def compute(data: TaskData) -> dict[str, float | np.ndarray]:
    """Complexity measures; class-based ones only for classification."""
    out: dict[str, float | np.ndarray] = {}
    p = data.N.shape[1]
    if p == 0:
        return out
    N = data.N_imputed
    n = data.n
    out["t2"] = p / n
    ncomp = _safe(lambda: PCA(n_components=0.95, random_state=data.random_state).fit(N).n_components_)
    out["t3"], out["t4"] = ncomp / n, ncomp / p
    if not data.is_classif:
        return out
    y, freqs = data.y, data.class_freqs.astype(float)
    k = freqs.size
    out["c1"] = float(scipy.stats.entropy(freqs / n) / np.log(k)) if k > 1 else np.nan
    out["c2"] = float(1 - 1 / ((k - 1) / k * np.sum(freqs / (n - freqs)))) if k > 1 else np.nan
    pairs = class_pairs(k, data.random_state)
    out["f1"] = _safe(lambda: _f1(N, y, k, freqs))
    out["f1v"] = _safe(lambda: _f1v(N, y, k, freqs, pairs))
    out.update(_safe(lambda: _overlap_measures(N, y, freqs, pairs), {}))
    rows = subsample(n, y, data.random_state)
    Ns = minmax_scale(N)[rows]
    ys = y[rows]
    out.update(_safe(lambda: _linearity(N[rows], ys, k, pairs, data.random_state), {}))
    if k > 1 and rows.size > 1:
        out.update(_safe(lambda: _neighbourhood(Ns, ys, data.random_state), {}))
    return out

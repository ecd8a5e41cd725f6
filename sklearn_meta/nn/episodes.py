"""Episodes: one task's support/query rows plus per-column statistics, and padded batches.

Every task has its own number of columns and classes. An :class:`Episode` holds one task in
numpy; :func:`pad_episodes` stacks several into an :class:`EpisodeBatch` of padded tensors with
row, column and class masks, the layout that ``torch.func.vmap`` batches over.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

N_COLUMN_FEATURES = 10
CLIP = 5.0
#: A column is constant when its standard deviation is at most this fraction of its largest
#: magnitude: one value repeated leaves only rounding (~1e-16 of it) whatever the unit, while a
#: column spread 1e-20 around 0 does vary. An absolute cut-off would make results depend on
#: the unit of a column (values of 1e-9 read as constant).
CONST_RTOL = 1e-12


def column_scaling(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per column of ``X`` (n, d): (power-of-two scale ``s``, mean and standard deviation of
    ``X * s`` (1.0 where constant), constant mask); :func:`scale_columns` applies them.

    A column of magnitude beyond 2**+-300 is first brought near 1 by a power of two (exact, so
    standardised values are as without it) so that its variance neither underflows (reading
    as constant) nor overflows; other columns have ``s`` 1.
    """
    X = np.asarray(X)
    top = np.maximum(np.abs(X.max(axis=0, initial=-np.inf)),  # max |x|, no |X| temporary
                     np.abs(X.min(axis=0, initial=np.inf)))
    ok = np.isfinite(top) & (top > 0)
    _, e = np.frexp(np.where(ok, top, 1.0))
    e = np.where(np.abs(e) > 300, np.clip(e, -1000, 1000), 0)  # only where needed (fast)
    s = np.ldexp(1.0, -e)
    Xs = X * s if e.any() else X
    sd = Xs.std(axis=0)
    constant = ~(sd > CONST_RTOL * top * s)
    return s, Xs.mean(axis=0), np.where(constant, 1.0, sd), constant


def scale_columns(A: np.ndarray, s: np.ndarray, mu: np.ndarray, sd: np.ndarray,
                  constant: np.ndarray) -> np.ndarray:
    """``A`` standardised by :func:`column_scaling`'s statistics; constant columns are 0 (what
    they hold is rounding, or, in rows other than those the statistics came from, a variation
    that was never seen)."""
    if (s != 1.0).any():
        Z = A * s
        Z -= mu  # in place: one (n, d) array, wide data is large
    else:
        Z = A - mu
    Z /= sd
    if constant.any():
        Z[..., constant] = 0.0
    return Z


def standardize_target(y: np.ndarray) -> np.ndarray:
    """A numeric target (n,) standardised in float64, 0 where it is constant (see
    :data:`CONST_RTOL`): its unit must not change what the network reads."""
    y = np.asarray(y, dtype=np.float64)[:, None]
    return scale_columns(y, *column_scaling(y))[:, 0]


def column_features(X: np.ndarray, y: np.ndarray | None, n_classes: int,
                    regression: bool = False) -> np.ndarray:
    """Per-column statistics of standardised ``X`` (n, d) -> (d, N_COLUMN_FEATURES).

    They describe each column to the shared column encoder: shape of its distribution, and
    how strongly it relates to the target (correlation ratio for classes, correlation for a
    numeric target). This is what lets one set of weights build an input layer for any schema.
    """
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    out = np.zeros((d, N_COLUMN_FEATURES), dtype=np.float32)
    if n == 0 or d == 0:
        return out
    Z = scale_columns(X, *column_scaling(X))  # constant columns: 0, whatever their unit
    Z2 = Z * Z
    skew = np.einsum("ij,ij->j", Z2, Z) / n  # einsum: no (n, d) temporaries, wide data is fast
    kurt = np.einsum("ij,ij->j", Z2, Z2) / n - 3.0
    mode_count, n_unique = _mode_and_unique_counts(X)
    frac_mode = mode_count / n
    assoc = np.zeros(d)
    spread = np.zeros(d)
    if y is not None and n > 1:
        y = np.asarray(y)
        if regression:
            yz = standardize_target(y)
            spread = yz @ Z / n
            assoc = np.abs(spread)
        else:
            means = np.zeros((max(n_classes, 1), d))
            counts = np.zeros(max(n_classes, 1))
            for k in range(n_classes):
                sel = y == k
                counts[k] = sel.sum()
                if counts[k]:
                    means[k] = Z[sel].mean(axis=0)
            between = (counts[:, None] * means ** 2).sum(axis=0) / n
            assoc = between  # correlation ratio eta^2 (Z has unit variance)
            present = counts > 0
            spread = np.abs(means[present]).max(axis=0) if present.any() else spread
    out[:, 0] = np.clip(skew, -CLIP, CLIP)
    out[:, 1] = np.clip(np.log1p(np.abs(kurt + 3.0)), 0, CLIP)
    out[:, 2] = frac_mode
    out[:, 3] = np.log(n_unique) / np.log(max(n, 2))
    out[:, 4] = n_unique <= 2
    out[:, 5] = np.clip(assoc, 0, 1)
    out[:, 6] = np.clip(spread, -CLIP, CLIP)
    out[:, 7] = np.sqrt(np.clip(assoc, 0, 1))
    out[:, 8] = np.log(n) / 10.0
    out[:, 9] = np.log(d) / 5.0
    return out


def _mode_and_unique_counts(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column of ``X`` (n, d), n >= 1: the count of its most frequent value and its number
    of distinct values, from one column-wise sort (as ``np.unique`` counts, without a Python
    loop over columns: wide data has thousands)."""
    n, d = X.shape
    # columns as contiguous rows: sorting along memory is ~3x faster than along axis 0
    S = np.sort(np.ascontiguousarray(X.T), axis=1)
    new_run = np.ones((d, n), dtype=bool)
    np.not_equal(S[:, 1:], S[:, :-1], out=new_run[:, 1:])
    n_unique = new_run.sum(axis=1).astype(np.float64)
    starts = np.flatnonzero(new_run)  # run starts, column after column
    lengths = np.diff(np.append(starts, n * d))
    first_run = np.concatenate([[0], np.cumsum(n_unique[:-1])]).astype(np.intp)
    return np.maximum.reduceat(lengths, first_run).astype(np.float64), n_unique


@dataclass
class Episode:
    """One task: support rows to adapt on, query rows to score, column statistics."""

    Xs: np.ndarray
    ys: np.ndarray
    Xq: np.ndarray
    yq: np.ndarray
    colfeat: np.ndarray
    n_classes: int
    meta: np.ndarray | None = None  # task meta-feature vector (for the task encoder)
    regression: bool = False


def standardize(Xs: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Standardise by the support rows' mean/std (as the estimator does on its training rows);
    a column constant on them (relative to its magnitude, :data:`CONST_RTOL`) is 0 in all."""
    stats = column_scaling(Xs)
    return [np.clip(scale_columns(A, *stats), -CLIP, CLIP).astype(np.float32)
            for A in (Xs, *others)]


def make_episode(X: np.ndarray, y: np.ndarray, rng: np.random.Generator, n_support: int,
                 n_query: int, max_classes: int = 10, max_columns: int = 32,
                 regression: bool = False) -> Episode:
    """Sample an episode from one task: a class subset, a column subset, support and query.

    Classes beyond ``max_classes`` and columns beyond ``max_columns`` are sub-sampled so the
    padded batch stays small; labels are re-coded 0..k-1 in a random order (the prototype head
    makes the network indifferent to label identity).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if not regression:
        classes = np.unique(y)
        if len(classes) > max_classes:
            classes = rng.choice(classes, size=max_classes, replace=False)
            keep = np.isin(y, classes)
            X, y = X[keep], y[keep]
        perm = rng.permutation(len(classes))
        lut = {c: perm[i] for i, c in enumerate(classes)}
        y = np.array([lut[v] for v in y], dtype=np.int64)
        n_classes = len(classes)
    else:
        y = np.asarray(y, dtype=np.float64)
        y = standardize_target(y).astype(np.float32)
        n_classes = 1
    if X.shape[1] > max_columns:
        X = X[:, rng.choice(X.shape[1], size=max_columns, replace=False)]
    n = len(y)
    order = rng.permutation(n)
    n_s = min(n_support, n // 2)
    n_q = min(n_query, n - n_s)
    s, q = order[:n_s], order[n_s:n_s + n_q]
    Xs, Xq = standardize(X[s], X[q])
    ys, yq = y[s], y[q]
    if regression:
        mu, sd = ys.mean(), ys.std() + 1e-8
        # clipped: a near-constant support column would otherwise give huge query targets
        ys = np.clip((ys - mu) / sd, -CLIP, CLIP).astype(np.float32)
        yq = np.clip((yq - mu) / sd, -CLIP, CLIP).astype(np.float32)
    cf = column_features(Xs, ys, n_classes, regression=regression)
    return Episode(Xs, ys, Xq, yq, cf, n_classes, regression=regression)


@dataclass
class EpisodeBatch:
    """Padded tensors of T episodes: rows (T, N, D), masks, labels, column features (T, D, F)."""

    Xs: torch.Tensor
    ys: torch.Tensor
    ms: torch.Tensor
    Xq: torch.Tensor
    yq: torch.Tensor
    mq: torch.Tensor
    colmask: torch.Tensor
    classmask: torch.Tensor
    colfeat: torch.Tensor
    meta: torch.Tensor

    def as_tuple(self) -> tuple[torch.Tensor, ...]:
        return (self.Xs, self.ys, self.ms, self.Xq, self.yq, self.mq, self.colmask,
                self.classmask, self.colfeat, self.meta)

    def task(self, t: int) -> "EpisodeBatch":
        """Episode ``t`` alone, cropped to its own size (for the per-task reference loop)."""
        n_s = int(self.ms[t].sum())
        n_q = int(self.mq[t].sum())
        d = int(self.colmask[t].sum())
        k = int(self.classmask[t].sum())
        return EpisodeBatch(self.Xs[t:t + 1, :n_s, :d], self.ys[t:t + 1, :n_s],
                            self.ms[t:t + 1, :n_s], self.Xq[t:t + 1, :n_q, :d],
                            self.yq[t:t + 1, :n_q], self.mq[t:t + 1, :n_q],
                            self.colmask[t:t + 1, :d], self.classmask[t:t + 1, :max(k, 1)],
                            self.colfeat[t:t + 1, :d], self.meta[t:t + 1])

    def to(self, device: torch.device | str) -> "EpisodeBatch":
        return EpisodeBatch(*(a.to(device) for a in self.as_tuple()))


def pad_episodes(episodes: list[Episode], meta_dim: int = 0) -> EpisodeBatch:
    """Stack episodes into padded tensors with masks (zeros where padded)."""
    T = len(episodes)
    N_s = max(len(e.ys) for e in episodes)
    N_q = max(max(len(e.yq) for e in episodes), 1)
    D = max(e.Xs.shape[1] for e in episodes)
    K = max(max(e.n_classes for e in episodes), 1)
    F = episodes[0].colfeat.shape[1]
    regression = episodes[0].regression
    ydtype = np.float32 if regression else np.int64
    Xs = np.zeros((T, N_s, D), np.float32)
    Xq = np.zeros((T, N_q, D), np.float32)
    ys = np.zeros((T, N_s), ydtype)
    yq = np.zeros((T, N_q), ydtype)
    ms = np.zeros((T, N_s), np.float32)
    mq = np.zeros((T, N_q), np.float32)
    cm = np.zeros((T, D), np.float32)
    km = np.zeros((T, K), np.float32)
    cf = np.zeros((T, D, F), np.float32)
    meta = np.zeros((T, meta_dim), np.float32)
    for t, e in enumerate(episodes):
        s, q, d = len(e.ys), len(e.yq), e.Xs.shape[1]
        Xs[t, :s, :d], ys[t, :s], ms[t, :s] = e.Xs, e.ys, 1
        Xq[t, :q, :d], yq[t, :q], mq[t, :q] = e.Xq, e.yq, 1
        cm[t, :d], km[t, :e.n_classes], cf[t, :d] = 1, 1, e.colfeat
        if meta_dim and e.meta is not None:
            meta[t] = e.meta
    return EpisodeBatch(*(torch.from_numpy(a) for a in (Xs, ys, ms, Xq, yq, mq, cm, km, cf, meta)))

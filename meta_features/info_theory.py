"""Information-theoretic meta-features on the discrete view ``C`` (pymfe ``info-theory``).

Numeric attributes are discretised as pymfe does (equal-frequency, ``int(n**(1/3))``
bins, see ``_validation``). Entropies are in bits. Joint entropy and
concentration coefficients add pymfe's ``epsilon = 1e-8`` to every cell of the
contingency table of observed levels, so values match pymfe exactly.
Contingency tables are built with ``np.bincount`` (one pass per column or
column pair) instead of ``pandas.crosstab``. Missing cells (code -1) are left
out of the counts of the columns they occur in; ``mut_inf`` of such a column uses the class
entropy of the same rows (its own entropy and the joint one are of those rows: with the class
entropy of all rows it came out negative when the gaps clustered in one class).

A table of more than ``8 n`` cells (n rows; at least 4096, at most ``MAX_DENSE_CELLS``) is
never materialised: two id-like columns of 10,000 levels each would make a table of 10^8 cells
(GBs, tens of seconds) holding at most n non-empty ones. Only the pairs that occur are
counted (``_Sparse``), and the empty cells, each worth exactly ``EPS`` after pymfe's
smoothing, enter the joint entropy and the concentration coefficient in closed form, so the
values are those of the dense formula (up to the rounding of a different summation order).
"""
from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np

from ._validation import TaskData

GROUP = "info-theory"

FEATURES: dict[str, tuple[str, bool]] = {
    "attr_conc": ("Goodman-Kruskal concentration coefficient of attribute pairs (at most 12 attributes).", False),
    "attr_ent": ("Shannon entropy of each (discretised) attribute.", False),
    "class_conc": ("Concentration coefficient between each attribute and the class.", True),
    "class_ent": ("Shannon entropy of the class.", True),
    "eq_num_attr": ("Number of attributes equivalent for a predictive task: class_ent / mean mut_inf.", True),
    "joint_ent": ("Joint entropy of each attribute and the class.", True),
    "mut_inf": ("Mutual information between each attribute and the class.", True),
    "ns_ratio": ("Noise-signal ratio: (sum attr_ent - sum mut_inf) / sum mut_inf.", True),
}

#: Features with one value per data set (not summarised); NaN-filled under the same name
#: when the group cannot compute them, so the output names never depend on the data.
SCALAR_FEATURES = {"class_ent", "eq_num_attr", "ns_ratio"}

EPS = 1e-8


def _entropy_counts(counts: np.ndarray) -> float:
    c = counts[counts > 0].astype(float)
    if c.size == 0:
        return np.nan
    p = c / c.sum()
    return float(-np.sum(p * np.log2(p)))


#: Largest contingency table built densely (32 MB as float64). Below it a table is dense
#: while it has at most 8 cells per row (at least 4096 cells), where counting every cell
#: (~7 ns each) is faster than sorting the rows' pairs (~100 ns each); larger tables are
#: counted sparsely (see the module docstring).
MAX_DENSE_CELLS = 1 << 22


class _Sparse(NamedTuple):
    """The non-empty cells of a contingency table of observed levels: their counts and
    (row, col) positions in the dense table, whose shape is ``shape``."""

    counts: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    shape: tuple[int, int]


_Table = np.ndarray | _Sparse


def _table(a: np.ndarray, la: int, b: np.ndarray, lb: int) -> _Table:
    """Contingency table of observed levels (rows: levels of a, cols: levels of b)."""
    ok = (a >= 0) & (b >= 0)
    if int(la) * int(lb) <= min(max(8 * a.shape[0], 4096), MAX_DENSE_CELLS):
        t = np.bincount(a[ok] * lb + b[ok], minlength=la * lb).reshape(la, lb).astype(float)
        return t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    pairs, counts = np.unique(a[ok].astype(np.int64) * int(lb) + b[ok], return_counts=True)
    rows, cols = np.divmod(pairs, int(lb))
    # levels -> positions among the observed levels (empty rows and columns are dropped)
    rows = np.unique(rows, return_inverse=True)[1].ravel()
    cols = np.unique(cols, return_inverse=True)[1].ravel()
    shape = (int(rows.max()) + 1, int(cols.max()) + 1) if counts.size else (0, 0)
    return _Sparse(counts.astype(float), rows, cols, shape)


def _joint_ent(t: _Table) -> float:
    if isinstance(t, _Sparse):
        return _joint_ent_sparse(t)
    if t.size == 0:
        return np.nan
    pij = t / t.sum() + EPS
    return float(-np.sum(pij * np.log2(pij)))


def _joint_ent_sparse(t: _Sparse) -> float:
    """``_joint_ent`` of the dense table: each of its empty cells adds ``EPS log2 EPS``."""
    if t.counts.size == 0:
        return np.nan
    empty = t.shape[0] * t.shape[1] - t.counts.size
    pij = t.counts / t.counts.sum() + EPS
    return float(-(np.sum(pij * np.log2(pij)) + empty * (EPS * np.log2(EPS))))


def _conc(t: _Table) -> float:
    """pymfe's ``_calc_conc`` with rows = levels of x, columns = levels of y."""
    if isinstance(t, _Sparse):
        return _conc_sparse(t)
    if t.size == 0:
        return np.nan
    pij = t / t.sum() + EPS
    isum = pij.sum(axis=0)
    jsum2 = np.sum(pij.sum(axis=1) ** 2)
    with np.errstate(all="ignore"):
        return float((np.sum(pij**2 / isum) - jsum2) / (1.0 - jsum2))


def _conc_sparse(t: _Sparse) -> float:
    """``_conc`` of the dense table from its non-empty cells.

    With ``p_ij = t_ij / N + EPS`` over the R x K observed levels, column sums are
    ``c_j / N + R EPS`` and row sums ``r_i / N + K EPS``; each column's empty cells add
    ``EPS^2`` each to ``sum_i p_ij^2``.
    """
    if t.counts.size == 0:
        return np.nan
    R, K = t.shape
    total = t.counts.sum()
    isum = np.bincount(t.cols, weights=t.counts, minlength=K) / total + R * EPS
    jsum2 = np.sum((np.bincount(t.rows, weights=t.counts, minlength=R) / total + K * EPS) ** 2)
    empty_per_col = R - np.bincount(t.cols, minlength=K)
    pij = t.counts / total + EPS
    with np.errstate(all="ignore"):
        num = np.sum(pij**2 / isum[t.cols]) + EPS**2 * np.sum(empty_per_col / isum)
        return float((num - jsum2) / (1.0 - jsum2))


def compute(data: TaskData) -> dict[str, float | np.ndarray]:
    """Compute the information-theoretic features of ``data``."""
    C, L = data.C, data.C_levels
    n, p = C.shape
    out: dict[str, float | np.ndarray] = {}
    if p:
        attr_ent = np.array(
            [_entropy_counts(np.bincount(C[C[:, j] >= 0, j], minlength=L[j])) for j in range(p)]
        )
        out["attr_ent"] = attr_ent
        cols = np.arange(p)
        if p > 12:
            cols = np.random.RandomState(data.random_state).choice(cols, size=12, replace=False)
        out["attr_conc"] = np.array(
            [_conc(_table(C[:, a], L[a], C[:, b], L[b])) for a, b in itertools.permutations(cols, 2)]
        )
    if data.is_classif:
        y, k = data.y, data.classes.size
        class_ent = _entropy_counts(data.class_freqs)
        out["class_ent"] = class_ent
        if p:
            joint = np.empty(p)
            conc = np.empty(p)
            # H(Y) on the rows where the attribute is present, as H(X) and H(X, Y) are: on
            # all rows it would make I(X; Y) negative when missing values cluster in a class
            class_ent_j = np.full(p, class_ent)
            for j in range(p):
                t = _table(C[:, j], L[j], y, k)
                joint[j] = _joint_ent(t)
                conc[j] = _conc(t)
                present = C[:, j] >= 0
                if not present.all():
                    class_ent_j[j] = _entropy_counts(np.bincount(y[present], minlength=k))
            mut_inf = attr_ent + class_ent_j - joint
            out["joint_ent"] = joint
            out["class_conc"] = conc
            out["mut_inf"] = mut_inf
            with np.errstate(all="ignore"):
                total = np.sum(mut_inf)
                out["eq_num_attr"] = float(p * class_ent / total) if total != 0 else np.nan
                out["ns_ratio"] = float((np.sum(attr_ent) - total) / total) if total != 0 else np.nan
    return out

"""Information-theoretic meta-features on the discrete view ``C`` (pymfe ``info-theory``).

Numeric attributes are discretised as pymfe does (equal-frequency, ``int(n**(1/3))``
bins, see ``_validation``). Entropies are in bits. Joint entropy and
concentration coefficients add pymfe's ``epsilon = 1e-8`` to every cell of the
contingency table of observed levels, so values match pymfe exactly.
Contingency tables are built with ``np.bincount`` (one pass per column or
column pair) instead of ``pandas.crosstab``. Missing cells (code -1) are left
out of the counts of the columns they occur in.
"""
from __future__ import annotations

import itertools

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


def _table(a: np.ndarray, la: int, b: np.ndarray, lb: int) -> np.ndarray:
    """Contingency table of observed levels (rows: levels of a, cols: levels of b)."""
    ok = (a >= 0) & (b >= 0)
    t = np.bincount(a[ok] * lb + b[ok], minlength=la * lb).reshape(la, lb).astype(float)
    return t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]


def _joint_ent(t: np.ndarray) -> float:
    if t.size == 0:
        return np.nan
    pij = t / t.sum() + EPS
    return float(-np.sum(pij * np.log2(pij)))


def _conc(t: np.ndarray) -> float:
    """pymfe's ``_calc_conc`` with rows = levels of x, columns = levels of y."""
    if t.size == 0:
        return np.nan
    pij = t / t.sum() + EPS
    isum = pij.sum(axis=0)
    jsum2 = np.sum(pij.sum(axis=1) ** 2)
    with np.errstate(all="ignore"):
        return float((np.sum(pij**2 / isum) - jsum2) / (1.0 - jsum2))


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
            for j in range(p):
                t = _table(C[:, j], L[j], y, k)
                joint[j] = _joint_ent(t)
                conc[j] = _conc(t)
            mut_inf = attr_ent + class_ent - joint
            out["joint_ent"] = joint
            out["class_conc"] = conc
            out["mut_inf"] = mut_inf
            with np.errstate(all="ignore"):
                total = np.sum(mut_inf)
                out["eq_num_attr"] = float(p * class_ent / total) if total != 0 else np.nan
                out["ns_ratio"] = float((np.sum(attr_ent) - total) / total) if total != 0 else np.nan
    return out

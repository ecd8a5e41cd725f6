"""Fit scikit-learn's ``DecisionTreeClassifier(random_state)`` without its per-call overhead.

The landmarking and model-based groups fit eleven full trees per data set. On small data
sets most of a ``fit`` is input checking (``type_of_target``, ``np.unique`` through the
array-API layer, dataframe detection), not tree building. ``fit_tree`` hands the already
validated, encoded data straight to scikit-learn's own tree builder (the same Cython
``DepthFirstTreeBuilder``, ``BestSplitter`` and ``Gini`` objects, with the arguments
``DecisionTreeClassifier._fit`` passes for default hyper-parameters), so the tree is the
same node for node. Where those private classes are missing or changed their signatures, it
falls back to the public estimator; ``tests/test_meta_features_tree.py`` pins the equality.

The trees see float32 (scikit-learn's splitter works in float32): a column beyond its range
(|x| > 3.4e38) would become +-inf, silently changing the tree (and the cast warns).
``in_float32_range`` rescales such columns by a power of two first (exact, and a tree only
depends on the order of each column's values); columns of ordinary data are never touched,
so their trees stay those of the estimator. (Tiny columns are left alone: scikit-learn
treats values closer than 1e-7 as equal, so their trees already differ from those of the
same column scaled up, for pymfe too.)
"""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import config_context
from sklearn.tree import DecisionTreeClassifier

try:  # private API: guarded, with a fallback below
    from sklearn.tree._criterion import Gini
    from sklearn.tree._splitter import BestSplitter
    from sklearn.tree._tree import DepthFirstTreeBuilder, Tree

    _FAST_AVAILABLE = True
except ImportError:  # pragma: no cover - depends on the installed scikit-learn
    _FAST_AVAILABLE = False

_MAX_DEPTH = np.iinfo(np.int32).max

#: Columns whose largest |value| exceeds ``2**_SAFE_EXP`` (1.3e30, float32 reaches 3.4e38) are
#: rescaled below it by ``in_float32_range``.
_SAFE_EXP = 100


def in_float32_range(X: np.ndarray) -> np.ndarray:
    """``X`` with every column whose largest |value| exceeds ``2**100`` (1.3e30) multiplied by
    the power of two that brings that largest |value| into ``[2**99, 2**100)``; ``X`` itself
    (not a copy) where no column needs it, as for any ordinary data.

    Multiplying by a power of two is exact (the float32 copy rounds each value as it would
    round the original, had float32 the range), so the rescaled column orders and splits its
    values as the original does, its float32 copy holds no inf, and its squares do not
    overflow float64. A positive per-column scaling leaves trees, stumps, 1-D nearest
    neighbours and LDA unchanged. 1-NN and naive Bayes weigh columns by their scale: to them
    the rescaled column stays dominant over columns of ordinary scale, as it was (before, its
    squares overflowed to inf), but several rescaled columns weigh about the same whatever
    their original scales. Non-finite values are left as they are.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.size == 0 or not np.issubdtype(X.dtype, np.floating):
        return X
    with np.errstate(all="ignore"):
        top = np.maximum(np.max(X, axis=0), -np.min(X, axis=0)).astype(np.float64)
    bad = np.isfinite(top) & (top > np.ldexp(1.0, _SAFE_EXP))
    if not bad.any():
        return X
    _, exp = np.frexp(top[bad])  # top = f * 2**exp, 0.5 <= f < 1
    shift = _SAFE_EXP - exp
    out = X.copy()
    out[:, bad] = np.ldexp(out[:, bad], shift[None, :])
    return out


def _fit_fast(X32: np.ndarray, y: np.ndarray, random_state: int) -> Any:
    classes, codes = np.unique(y, return_inverse=True)
    n_classes = np.array([classes.size], dtype=np.intp)
    n_features = X32.shape[1]
    criterion = Gini(1, n_classes)
    # min_samples_leaf=1, min_weight_leaf=0, no monotonic constraints: the defaults
    splitter = BestSplitter(criterion, n_features, 1, 0.0, np.random.RandomState(random_state), None)
    tree = Tree(n_features, n_classes, 1)
    builder = DepthFirstTreeBuilder(splitter, 2, 1, 0.0, _MAX_DEPTH, 0.0)
    builder.build(tree, X32, np.ascontiguousarray(codes.reshape(-1, 1), dtype=np.float64), None, None)
    return tree


def _fit_public(X32: np.ndarray, y: np.ndarray, random_state: int) -> Any:
    with config_context(assume_finite=True, skip_parameter_validation=True):
        return DecisionTreeClassifier(random_state=random_state).fit(X32, y, check_input=False).tree_


def fit_tree(X: np.ndarray, y: np.ndarray, random_state: int) -> Any:
    """The fitted ``tree_`` of ``DecisionTreeClassifier(random_state=random_state).fit(X, y)``.

    ``X`` must be finite (it is cast to C-contiguous float32, as the estimator does, after
    ``in_float32_range``: the thresholds of a rescaled column are in its rescaled units) and
    ``y`` hold class labels. Its ``compute_feature_importances()`` equals
    ``feature_importances_``.
    """
    global _FAST_AVAILABLE
    X32 = np.ascontiguousarray(in_float32_range(X), dtype=np.float32)
    if _FAST_AVAILABLE:
        try:
            return _fit_fast(X32, y, random_state)
        except TypeError:  # pragma: no cover - private signatures changed: use the estimator
            _FAST_AVAILABLE = False
    return _fit_public(X32, y, random_state)

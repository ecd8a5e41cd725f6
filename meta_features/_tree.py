"""Fit scikit-learn's ``DecisionTreeClassifier(random_state)`` without its per-call overhead.

The landmarking and model-based groups fit eleven full trees per data set. On small data
sets most of a ``fit`` is input checking (``type_of_target``, ``np.unique`` through the
array-API layer, dataframe detection), not tree building. ``fit_tree`` hands the already
validated, encoded data straight to scikit-learn's own tree builder (the same Cython
``DepthFirstTreeBuilder``, ``BestSplitter`` and ``Gini`` objects, with the arguments
``DecisionTreeClassifier._fit`` passes for default hyper-parameters), so the tree is the
same node for node. Where those private classes are missing or changed their signatures, it
falls back to the public estimator; ``tests/test_meta_features_tree.py`` pins the equality.
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

    ``X`` must be finite (it is cast to C-contiguous float32, as the estimator does) and ``y``
    hold class labels. Its ``compute_feature_importances()`` equals ``feature_importances_``.
    """
    global _FAST_AVAILABLE
    X32 = np.ascontiguousarray(X, dtype=np.float32)
    if _FAST_AVAILABLE:
        try:
            return _fit_fast(X32, y, random_state)
        except TypeError:  # pragma: no cover - private signatures changed: use the estimator
            _FAST_AVAILABLE = False
    return _fit_public(X32, y, random_state)

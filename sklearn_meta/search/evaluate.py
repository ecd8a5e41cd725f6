"""Cross-validated scoring of one configuration on one task (used by the KB build)."""
from __future__ import annotations

import time
import warnings
from typing import Any, Mapping

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

from .members import member_estimator


def make_cv(y: np.ndarray, task_type: str, n_splits: int = 3, random_state: int = 0):
    """Stratified K-fold where every class has ``n_splits`` members, else plain K-fold."""
    n_splits = max(2, min(n_splits, len(y)))
    if task_type == "classification":
        _, counts = np.unique(y, return_counts=True)
        if counts.min() >= n_splits:
            return StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    return KFold(n_splits, shuffle=True, random_state=random_state)


def evaluate_config(family: str, params: Mapping[str, Any], X: Any, y: np.ndarray,
                    task_type: str = "classification", n_splits: int = 3,
                    random_state: int = 0) -> tuple[float, float]:
    """Mean CV score (accuracy, or R^2 for regression) and seconds taken.

    A configuration that fails to fit scores ``nan``. Tables with categorical, text or
    date-time columns, or missing values (as OpenML data sets have), are preprocessed inside
    every fold as ``MetaSearchCV`` does (imputation, scaling, one-hot), so every family
    accepts them; the model is the one ``MetaSearchCV`` builds for ``family``
    (:func:`~sklearn_meta.search.members.member_estimator`: scale-sensitive families behind
    standardisation, regressors on a standardised target), so the knowledge base scores what
    the search will run.
    """
    est, _ = member_estimator(family, family, task_type, X, params,
                              random_state=random_state)
    cv = make_cv(y, task_type, n_splits, random_state)
    scoring = "accuracy" if task_type == "classification" else "r2"
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = cross_val_score(est, X, y, cv=cv, scoring=scoring, n_jobs=1,
                                 error_score=np.nan)
    return float(np.mean(scores)), time.perf_counter() - start

"""The "sklearn" suite: scikit-learn's bundled data sets, which need no download."""
from __future__ import annotations

from typing import Callable

import numpy as np
from sklearn import datasets as skd
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from .task import Task

SUITE = "sklearn"
N_FOLDS = 5
SEED = 0

# name -> (loader, task type)
_BUNDLED: dict[str, tuple[Callable, str]] = {
    "iris": (skd.load_iris, "classification"),
    "wine": (skd.load_wine, "classification"),
    "breast_cancer": (skd.load_breast_cancer, "classification"),
    "digits": (skd.load_digits, "classification"),
    "diabetes": (skd.load_diabetes, "regression"),
}


def bundled_names() -> list[str]:
    """Names of the data sets in the suite, in a fixed order."""
    return list(_BUNDLED)


def load_bundled_task(name: str) -> Task:
    """Load one bundled data set with deterministic (stratified) 5-fold splits."""
    loader, task_type = _BUNDLED[name]
    bunch = loader(as_frame=True)
    X = bunch.data.astype(np.float64)
    y = bunch.target.to_numpy()
    rows = np.arange(len(X))
    if task_type == "classification":
        cv = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
        strat = y
    else:
        cv = KFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
        strat = None
    splits = [(tr, te) for tr, te in cv.split(X, y)]
    fit, val = train_test_split(rows, test_size=0.25, random_state=SEED, stratify=strat)
    return Task(name=name, X=X, y=y, task_type=task_type,
                categorical=np.zeros(X.shape[1], dtype=bool), splits=splits,
                validation_split=(np.sort(fit), np.sort(val)),
                source={"suite": SUITE, "loader": f"sklearn.datasets.{loader.__name__}"})

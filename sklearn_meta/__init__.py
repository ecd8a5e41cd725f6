"""sklearn-meta: meta-learning for scikit-learn.

Learns from many past tabular tasks how to learn, and brings that knowledge to a new one:
meta-features, a learned task encoder, meta-learned initializations and warm-started search.
Heavy parts (optuna, the estimators) are imported on first use of the names below; torch is
imported at once, so that its OpenMP runtime loads before scikit-learn's
(``meta_features/_openmp.py``).
"""
from __future__ import annotations

import importlib
from typing import Any

from meta_features._openmp import load_torch_first

load_torch_first()  # before scikit-learn's OpenMP runtime: see meta_features/_openmp.py

__version__ = "0.1.0"

_LAZY = {
    "MetaMLPClassifier": "sklearn_meta.estimators",
    "MetaMLPRegressor": "sklearn_meta.estimators",
    "MetaSearchCV": "sklearn_meta.search",
    "suggest_configs": "sklearn_meta.search",
    "warm_start_study": "sklearn_meta.search",
    "adaptive_warm_start": "sklearn_meta.search",
    "KnowledgeBase": "sklearn_meta.search",
    "TaskEncoder": "sklearn_meta.nn",
    "load_suite": "sklearn_meta.datasets",
    "load_task": "sklearn_meta.datasets",
    "Task": "sklearn_meta.datasets",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sklearn_meta' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

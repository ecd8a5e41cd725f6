"""Regression tasks derived from classification data sets: predict one numeric column.

uci121 holds classification tasks only, and OpenML's regression suite (CTR23) cannot be
reached offline. A regression task is derived from a classification data set by predicting
its most varied numeric input column from the other columns (the class label is dropped, so
the derived task shares no target with its source). The same rule serves meta-training
(:func:`sklearn_meta.meta_learning.derive_regression_tasks`) and the regression knowledge
base, so a derived task has one name everywhere: ``<source task>:col<j>``.

A derived task holds the same rows as its source: leave-data-sets-out checks treat them as
one data set (:func:`sklearn_meta.datasets.twins.same_data_names`).
"""
from __future__ import annotations

import numpy as np

from .task import Task

#: Separator between the source task's name and the derived target column.
DERIVED_SEP = ":col"
MIN_UNIQUE = 20


def regression_target_column(X: np.ndarray, categorical: np.ndarray | None = None,
                             min_unique: int = MIN_UNIQUE) -> int | None:
    """Index of the numeric column with the most distinct values, or None when there are
    fewer than 3 columns or no numeric column has ``min_unique`` distinct values."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] < 3:
        return None
    n_unique = np.array([len(np.unique(c[~np.isnan(c)])) if np.issubdtype(c.dtype, np.floating)
                         else len(np.unique(c)) for c in X.T])
    if categorical is not None:
        n_unique = np.where(np.asarray(categorical, dtype=bool), -1, n_unique)
    j = int(np.argmax(n_unique))
    return j if n_unique[j] >= min_unique else None


def source_name(name: str) -> str:
    """The task a (possibly derived or augmented) task name comes from: ``"abalone:col4"``,
    ``"abalone:aug-cols"`` and ``"abalone:aug-cols:col3"`` -> ``"abalone"``."""
    from .augment import AUGMENT_SEP

    cut = [i for i in (name.find(DERIVED_SEP), name.find(AUGMENT_SEP)) if i > 0]
    return name[:min(cut)] if cut else name


def derive_regression_task(task: Task, min_unique: int = MIN_UNIQUE) -> Task | None:
    """The regression task of ``task`` (its most varied numeric column as the target), or
    None when it has no suitable column. Rows with a missing target are dropped."""
    if task.task_type != "classification":
        raise ValueError(f"task {task.name!r}: expected a classification task to derive a "
                         f"regression task from, got task_type={task.task_type!r}")
    num = task.X.apply(lambda c: c.astype(np.float64) if c.dtype.kind in "biuf" else
                       np.full(len(c), np.nan))
    X = num.to_numpy(np.float64)
    categorical = task.categorical | np.all(np.isnan(X), axis=0)
    j = regression_target_column(X, categorical, min_unique)
    if j is None:
        return None
    y = X[:, j]
    keep = ~np.isnan(y)
    pos = np.full(len(y), -1, dtype=np.int64)
    pos[keep] = np.arange(int(keep.sum()))

    def remap(idx: np.ndarray) -> np.ndarray:
        p = pos[idx]
        return p[p >= 0]

    splits = [(remap(tr), remap(te)) for tr, te in task.splits]
    splits = [(tr, te) for tr, te in splits if len(tr) and len(te)]
    if not splits:
        return None
    X_new = task.X.drop(columns=task.X.columns[j]).loc[keep].reset_index(drop=True)
    return Task(name=f"{task.name}{DERIVED_SEP}{j}", X=X_new, y=y[keep],
                task_type="regression", categorical=np.delete(task.categorical, j),
                splits=splits, source={**task.source, "derived_from": task.name,
                                       "target_column": str(task.X.columns[j])})


def derive_regression_tasks(tasks: list[Task], min_unique: int = MIN_UNIQUE) -> list[Task]:
    """:func:`derive_regression_task` of every task that has a suitable column."""
    out = [derive_regression_task(t, min_unique) for t in tasks]
    return [t for t in out if t is not None]

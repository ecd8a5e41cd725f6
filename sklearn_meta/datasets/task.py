"""The `Task`: one data set with its target, column types and evaluation protocol."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd

from ._errors import DatasetError

TaskType = Literal["classification", "regression"]
Split = tuple[np.ndarray, np.ndarray]


@dataclass
class Task:
    """A supervised tabular task.

    Attributes
    ----------
    name : str
        Short unique name within its suite (e.g. ``"abalone"``).
    X : pandas.DataFrame
        Inputs, one row per example.
    y : numpy.ndarray
        Target, one entry per row of ``X``.
    task_type : {"classification", "regression"}
    categorical : numpy.ndarray of bool
        Which columns of ``X`` are categorical.
    splits : list of (train_indices, test_indices)
        The evaluation protocol's splits (row positions into ``X``).
    validation_split : (train_indices, validation_indices) or None
        A split for choosing hyper-parameters, where the source defines one.
    source : dict
        Provenance: ``suite`` plus e.g. ``openml_task_id``, ``openml_dataset_id``, ``path``.
    """

    name: str
    X: pd.DataFrame
    y: np.ndarray
    task_type: TaskType
    categorical: np.ndarray
    splits: list[Split]
    validation_split: Split | None = None
    source: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.categorical = np.asarray(self.categorical, dtype=bool)
        self.y = np.asarray(self.y)
        self.splits = [(np.asarray(tr, dtype=np.int64), np.asarray(te, dtype=np.int64))
                       for tr, te in self.splits]
        if self.validation_split is not None:
            tr, va = self.validation_split
            self.validation_split = (np.asarray(tr, dtype=np.int64),
                                     np.asarray(va, dtype=np.int64))
        self.validate()

    # ------------------------------------------------------------------ checks
    def _fail(self, what: str) -> DatasetError:
        suite = self.source.get("suite", "?")
        where = self.source.get("path")
        loc = f" (file {where})" if where else ""
        return DatasetError(f"suite {suite!r}, task {self.name!r}{loc}: {what}")

    def validate(self) -> None:
        """Check shapes, split ranges and target; raise `DatasetError` naming the task."""
        if not isinstance(self.X, pd.DataFrame):
            raise self._fail(f"X must be a pandas DataFrame, got {type(self.X).__name__}")
        n = len(self.X)
        if n == 0:
            raise self._fail("X has no rows")
        if self.y.ndim != 1 or len(self.y) != n:
            raise self._fail(f"y must be 1-d with {n} entries, got shape {self.y.shape}")
        if self.task_type not in ("classification", "regression"):
            raise self._fail(f"task_type must be 'classification' or 'regression', "
                             f"got {self.task_type!r}")
        if self.categorical.shape != (self.X.shape[1],):
            raise self._fail(f"categorical mask has shape {self.categorical.shape}, "
                             f"expected ({self.X.shape[1]},)")
        if pd.isna(self.y).any():
            raise self._fail("target y has missing values")
        if self.task_type == "classification" and len(np.unique(self.y)) < 2:
            raise self._fail("classification target has a single class")
        if not self.splits:
            raise self._fail("no evaluation splits")
        for i, split in enumerate(self.splits):
            self._check_split(split, f"split {i}")
        if self.validation_split is not None:
            self._check_split(self.validation_split, "validation split")

    def _check_split(self, split: Split, label: str) -> None:
        n = len(self.X)
        for part, idx in zip(("train", "test"), split):
            if idx.ndim != 1 or len(idx) == 0:
                raise self._fail(f"{label}: {part} indices are empty or not 1-d")
            if idx.min() < 0 or idx.max() >= n:
                raise self._fail(f"{label}: {part} indices out of range [0, {n}) "
                                 f"(min {idx.min()}, max {idx.max()})")
        if np.intersect1d(split[0], split[1]).size:
            raise self._fail(f"{label}: train and test indices overlap")

    # ------------------------------------------------------------- properties
    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int | None:
        """Number of distinct classes, or None for regression."""
        if self.task_type != "classification":
            return None
        return int(len(np.unique(self.y)))

    @property
    def suite(self) -> str:
        return str(self.source.get("suite", ""))

    def split(self, fold: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
        """``X_train, X_test, y_train, y_test`` of evaluation split ``fold``."""
        if not 0 <= fold < len(self.splits):
            raise IndexError(f"task {self.name!r} has {len(self.splits)} splits, got fold={fold}")
        tr, te = self.splits[fold]
        return self.X.iloc[tr], self.X.iloc[te], self.y[tr], self.y[te]

    def summary(self) -> dict[str, Any]:
        """One row for listings: name, rows, features, classes, splits."""
        return {
            "name": self.name,
            "rows": self.n_rows,
            "features": self.n_features,
            "classes": self.n_classes if self.n_classes is not None else "-",
            "type": self.task_type,
            "splits": len(self.splits),
        }

    def __repr__(self) -> str:
        return (f"Task(name={self.name!r}, rows={self.n_rows}, features={self.n_features}, "
                f"type={self.task_type!r}, classes={self.n_classes}, splits={len(self.splits)})")


def stratified_rows(y: np.ndarray, n: int, random_state: int = 0) -> np.ndarray:
    """Deterministic sorted positions of ``n`` of ``len(y)`` rows, stratified by ``y``.

    Each class gets its proportional share (largest remainder), and at least one row while
    ``n`` allows. Unlike ``train_test_split`` it never refuses
    when fewer rows are left out than there are classes.
    """
    rng = np.random.RandomState(random_state)
    total = len(y)
    if n >= total:
        return np.arange(total)
    labels, codes = np.unique(y, return_inverse=True)
    counts = np.bincount(codes)
    share = counts * (n / total)
    alloc = np.floor(share).astype(int)
    if n >= len(labels):
        alloc = np.maximum(alloc, 1)
    alloc = np.minimum(alloc, counts)
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    i = 0
    while alloc.sum() < n:  # hand out the remainder, largest fractional share first
        c = order[i % len(order)]
        if alloc[c] < counts[c]:
            alloc[c] += 1
        i += 1
    while alloc.sum() > n:  # more classes than rows: drop from the largest allocations
        alloc[np.argmax(alloc)] -= 1
    kept = [rng.choice(np.flatnonzero(codes == c), size=a, replace=False)
            for c, a in enumerate(alloc) if a > 0]
    return np.sort(np.concatenate(kept))


def stratified_subsample(task: Task, max_rows: int, random_state: int = 0) -> Task:
    """Deterministically keep at most ``max_rows`` rows, stratified by class.

    Splits are remapped to the kept rows; splits left empty on either side are dropped and,
    if none survives, replaced by one stratified holdout split (so the task stays usable).
    """
    if not isinstance(max_rows, (int, np.integer)) or max_rows < 2:
        raise ValueError(f"max_rows must be an int >= 2, got {max_rows!r}")
    if task.n_rows <= max_rows:
        return task
    rng = np.random.RandomState(random_state)
    if task.task_type == "classification":
        keep = stratified_rows(task.y, max_rows, random_state)
    else:
        keep = np.sort(rng.choice(task.n_rows, size=max_rows, replace=False))
    new_pos = np.full(task.n_rows, -1, dtype=np.int64)
    new_pos[keep] = np.arange(len(keep))

    def remap(split: Split) -> Split | None:
        tr, te = new_pos[split[0]], new_pos[split[1]]
        tr, te = tr[tr >= 0], te[te >= 0]
        return (tr, te) if len(tr) and len(te) else None

    splits = [s for s in (remap(s) for s in task.splits) if s is not None]
    y = task.y[keep]
    if not splits:
        n_test = max(1, len(keep) // 4)
        strat = y if task.task_type == "classification" else np.zeros(len(y))
        test = stratified_rows(strat, n_test, random_state)
        splits = [(np.setdiff1d(np.arange(len(keep)), test), test)]
    val = remap(task.validation_split) if task.validation_split is not None else None
    source = dict(task.source, subsampled_from=task.n_rows, subsample_seed=random_state)
    return Task(name=task.name, X=task.X.iloc[keep].reset_index(drop=True), y=y,
                task_type=task.task_type, categorical=task.categorical, splits=splits,
                validation_split=val, source=source)


def check_names(names: Sequence[str] | None, arg: str) -> set[str] | None:
    """Normalise a names filter argument to a set (or None)."""
    if names is None:
        return None
    if isinstance(names, str):
        return {names}
    return set(names)

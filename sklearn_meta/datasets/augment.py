"""Variants of a task that behave differently, for a larger warm-start knowledge base.

The adaptive warm start (:mod:`sklearn_meta.search.adaptive`) re-weights the past tasks whose
scores rank the tried configurations as the new task does; with more past tasks it finds
closer ones (leave-one-task-out on the shipped knowledge base: mean regret after 10 look-ups
0.050 with a quarter of its tasks, 0.034 with all; ``warm_start_loo_kb.md``). Public task
suites are finite, so each source task also yields variants whose best configurations differ
from the source's, the way real tables differ from each other:

- ``cols``: a random half of the input columns (fewer, and other, signals);
- ``noise``: as many pure-noise columns as there are inputs (up to 50) appended: irrelevant
  inputs, which hurt distance- and kernel-based models more than trees;
- ``ovr``: the most frequent class against all others (multi-class sources only): a binary,
  usually imbalanced task.

A variant is named ``<source>:aug-<kind>`` and holds its source's rows, so leave-data-sets-out
checks treat it as its source (:func:`sklearn_meta.datasets.derived.source_name`). Variants
are drawn deterministically from the source's name.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from .task import Task

#: Separator between the source task's name and the kind of variant.
AUGMENT_SEP = ":aug-"
AUGMENT_KINDS = ("cols", "noise", "ovr")
MAX_NOISE_COLUMNS = 50


def _rng(name: str, kind: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{name}{AUGMENT_SEP}{kind}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def augment_task(task: Task, kind: str) -> Task | None:
    """The ``kind`` variant of ``task``, or None where it does not apply (``cols`` needs at
    least 4 columns, ``ovr`` a classification task with at least 3 classes)."""
    if kind not in AUGMENT_KINDS:
        raise ValueError(f"kind must be one of {AUGMENT_KINDS}, got {kind!r}")
    rng = _rng(task.name, kind)
    X, y, categorical = task.X, task.y, task.categorical
    p = X.shape[1]
    if kind == "cols":
        if p < 4:
            return None
        keep = np.sort(rng.choice(p, (p + 1) // 2, replace=False))
        X, categorical = X.iloc[:, keep].reset_index(drop=True), categorical[keep]
    elif kind == "noise":
        k = min(max(p, 1), MAX_NOISE_COLUMNS)
        names = [f"noise{i}" for i in range(k)]
        while set(names) & set(map(str, X.columns)):
            names = ["_" + c for c in names]
        noise = pd.DataFrame(rng.standard_normal((len(X), k)), columns=names)
        X = pd.concat([X.reset_index(drop=True), noise], axis=1)
        categorical = np.concatenate([categorical, np.zeros(k, dtype=bool)])
    else:  # ovr
        if task.task_type != "classification":
            return None
        values, counts = np.unique(y.astype(str), return_counts=True)
        if len(values) < 3:
            return None
        top = values[np.argmax(counts)]  # ties: the first in sorted order
        rest = "other"
        while rest in set(values):  # a class already called "other"
            rest = "_" + rest
        y = np.where(y.astype(str) == top, top, rest)
    return Task(name=f"{task.name}{AUGMENT_SEP}{kind}", X=X, y=y, task_type=task.task_type,
                categorical=categorical, splits=task.splits,
                validation_split=task.validation_split,
                source={**task.source, "augmented_from": task.name, "augmentation": kind})


def augment_tasks(tasks: list[Task], kinds: tuple[str, ...] | list[str] = AUGMENT_KINDS
                  ) -> list[Task]:
    """Every applicable variant of every task, in task order then ``kinds`` order."""
    out = []
    for t in tasks:
        for kind in kinds:
            v = augment_task(t, kind)
            if v is not None:
                out.append(v)
    return out

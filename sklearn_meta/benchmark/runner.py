"""Run estimators × tasks × folds × seeds (× training sizes) into a `ResultsStore`.

One unit of work is (task, estimator, seed, training size): it chooses hyper-parameters on
the task's validation split when the estimator has a grid, then scores every evaluation fold.
Units already in the store are skipped, so an interrupted run resumes. Units run in parallel
through joblib (any backend, e.g. ``"dask"`` inside a ``distributed.Client``); the parent
process appends rows as units finish.
"""
from __future__ import annotations

import datetime as _dt
import itertools
import json
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sklearn import clone, metrics
from sklearn.model_selection import ParameterGrid
from sklearn.pipeline import Pipeline

from .. import __version__
from ..datasets import Task
from ..datasets.task import stratified_rows
from ..preprocessing.pipeline import make_preprocessor, needs_preprocessing
from .artifacts import artifact_for_task
from .estimators import EstimatorSpec, get_spec
from .memory import PeakMemory
from .store import ResultsStore, unit_key

#: Estimators that read categorical columns and missing values themselves.
SELF_PREPROCESSING = frozenset({"metamlp", "metamlp-random"})


@dataclass
class BenchmarkConfig:
    """What to run. ``train_sizes`` holds ints (rows kept of each training fold) or "all"."""

    estimators: Sequence[str]
    seeds: Sequence[int] = (0,)
    train_sizes: Sequence[int | str] = ("all",)
    folds: Sequence[int] | None = None  # None: every evaluation split; see check_folds
    tune: bool = True
    artifacts: Sequence[str] = field(default_factory=list)


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=Path(__file__).resolve().parent,
                              timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _versions() -> dict[str, str]:
    import sklearn

    try:
        import torch

        torch_version = torch.__version__
    except ImportError:  # pragma: no cover - torch is a dependency
        torch_version = ""
    return {"sklearn_meta_version": __version__, "sklearn_version": sklearn.__version__,
            "torch_version": torch_version, "git_commit": _git_commit()}


def _limit_train(train: np.ndarray, y: np.ndarray, size: int | str, seed: int,
                 classification: bool) -> np.ndarray:
    """Deterministic (stratified for classification) subset of ``size`` training rows."""
    if size == "all" or int(size) >= len(train):
        return train
    if classification:
        return train[stratified_rows(y[train], int(size), seed)]
    return np.sort(np.random.RandomState(seed).choice(train, size=int(size), replace=False))


def _log_loss(task: Task, model: Any, X_test, y_test) -> float:
    """Log-loss over every class of the task: classes the (few-shot) training rows lacked get
    probability 0 (clipped), instead of an error that would discard the whole fold."""
    labels = np.unique(task.y)
    proba = np.zeros((len(y_test), len(labels)))
    cols = np.searchsorted(labels, np.asarray(model.classes_))
    proba[:, cols] = model.predict_proba(X_test)
    proba = np.clip(proba, 1e-15, 1.0)
    return float(metrics.log_loss(y_test, proba / proba.sum(axis=1, keepdims=True),
                                  labels=labels))


def _scores(task: Task, model: Any, X_test, y_test) -> dict[str, float]:
    t0 = time.perf_counter()
    pred = model.predict(X_test)
    out: dict[str, float] = {}
    if task.task_type == "classification":
        out["accuracy"] = metrics.accuracy_score(y_test, pred)
        out["balanced_accuracy"] = metrics.balanced_accuracy_score(y_test, pred)
        if hasattr(model, "predict_proba"):
            out["log_loss"] = _log_loss(task, model, X_test, y_test)
    else:
        out["r2"] = metrics.r2_score(y_test, pred)
        out["rmse"] = float(np.sqrt(metrics.mean_squared_error(y_test, pred)))
    out["predict_time"] = time.perf_counter() - t0
    return out


def model_prefix(est: Any) -> str:
    """``"a__b__"`` for the model at the end of (nested) pipelines, else ``""``."""
    prefix = ""
    while getattr(est, "steps", None):
        prefix += est.steps[-1][0] + "__"
        est = est.steps[-1][1]
    return prefix


def _choose_params(spec: EstimatorSpec, task: Task, base, seed: int) -> dict[str, Any]:
    """Best grid point on the validation split; the estimator's defaults ({}) when the task
    has no validation split (choosing on test rows would leak), the single point of a
    one-point grid."""
    prefix = model_prefix(base)
    grid = [{prefix + k: v for k, v in g.items()}
            for g in ParameterGrid(spec.grid_for(task.task_type))] or [{}]
    if task.validation_split is None:
        return {}
    if len(grid) == 1:
        return grid[0]
    fit_idx, val_idx = task.validation_split
    best, best_score = grid[0], -np.inf
    for params in grid:
        model = clone(base).set_params(**params)
        try:  # a grid point that cannot fit this task (e.g. k > rows) is just not chosen
            model.fit(task.X.iloc[fit_idx], task.y[fit_idx])
            score = model.score(task.X.iloc[val_idx], task.y[val_idx])
        except ValueError:
            continue
        if score > best_score:
            best, best_score = params, score
    return best


def run_unit(task: Task, estimator: str, seed: int, train_size: int | str,
             folds: Sequence[int], tune: bool, artifacts: Sequence[str]) -> list[dict]:
    """Score one (task, estimator, seed, train size) on the given folds; one row per fold."""
    spec = get_spec(estimator)
    base_row = {"suite": task.suite, "task": task.name, "estimator": estimator, "seed": seed,
                "train_size": train_size, **_versions()}
    rows = []

    def row(fold: int, **kw: Any) -> dict:
        return {**base_row, "fold": fold,
                "timestamp": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                **kw}

    if task.task_type not in spec.task_types:
        return [row(f, status="skipped", error=f"{estimator} does not do {task.task_type}")
                for f in folds]
    meta: dict[str, Any] = {}
    if spec.meta_learned:
        if not artifacts:  # none named: the packaged artifact, if it never saw this task
            from ..artifacts import pretrained_path

            artifacts = [str(pretrained_path())]
        chosen = artifact_for_task(task.name, artifacts, task.suite)
        if chosen is None:
            reason = ("no meta-learned artifact excludes this task (or a task with the same "
                      "data) from its training list (leave-data-sets-out)")
            return [row(f, status="skipped", error=reason) for f in folds]
        meta["artifact"] = chosen
    try:
        base = spec.build(task.task_type, seed, meta)
        if not spec.meta_learned and estimator not in SELF_PREPROCESSING \
                and needs_preprocessing(task.X):
            # categorical/text columns or missing values: the MetaMLP estimators'
            # preprocessing in front, so that every baseline can read the table
            base = Pipeline([("preprocess", make_preprocessor(task.X)), ("model", base)])
        params = _choose_params(spec, task, base, seed) if tune else {}
    except Exception as exc:  # a failing estimator is a result, not a crash of the run
        return [row(f, status="error", error=f"{type(exc).__name__}: {exc}") for f in folds]
    classification = task.task_type == "classification"
    for fold in folds:
        train, test = task.splits[fold]
        train = _limit_train(train, task.y, train_size, seed + fold, classification)
        try:
            model = clone(base).set_params(**params)
            with PeakMemory() as mem:
                t0 = time.perf_counter()
                model.fit(task.X.iloc[train], task.y[train])
                fit_time = time.perf_counter() - t0
                scores = _scores(task, model, task.X.iloc[test], task.y[test])
        except Exception as exc:
            rows.append(row(fold, status="error", error=f"{type(exc).__name__}: {exc}"))
            continue
        rows.append(row(fold, status="ok", fit_time=fit_time, peak_memory_mb=mem.peak_mb,
                        params=json.dumps(params, sort_keys=True, default=str),
                        artifact=meta.get("artifact", ""), n_train=len(train),
                        n_test=len(test), **scores))
    return rows


def check_folds(tasks: Sequence[Task], folds: Sequence[int], arg: str = "folds") -> None:
    """ValueError (naming ``arg``) for a negative fold, or one that no task has.

    A fold some tasks lack is skipped for those tasks only: suites mix tasks with several
    evaluation folds and tasks with one fixed train/test split (uci121).
    """
    negative = sorted({f for f in folds if f < 0})
    if negative:
        raise ValueError(f"{arg}: folds are numbered from 0, got {negative}")
    if not tasks:
        return
    most = max(tasks, key=lambda t: len(t.splits))
    n = len(most.splits)
    missing = sorted({f for f in folds if f >= n})
    if missing:
        which = (f"task {most.name!r} has" if len(tasks) == 1 else
                 f"none of the {len(tasks)} tasks has more than")
        raise ValueError(f"{arg}: fold(s) {missing} out of range: {which} {n} evaluation "
                         f"fold(s), numbered 0..{n - 1}")


def _check_train_sizes(sizes: Sequence[int | str]) -> None:
    bad = [s for s in sizes if s != "all" and (isinstance(s, bool) or not isinstance(
        s, (int, np.integer)) or s < 1)]
    if bad:
        raise ValueError(f"train_sizes: expected positive integers or 'all', got {bad}")


def run_benchmark(tasks: Sequence[Task], config: BenchmarkConfig, store: ResultsStore, *,
                  n_jobs: int = 1, backend: str | None = None, progress: bool = True) -> int:
    """Run every unit not yet in ``store``; returns the number of rows written."""
    for name in config.estimators:
        get_spec(name)  # fail fast on unknown names
    _check_train_sizes(config.train_sizes)
    if config.folds is not None:
        check_folds(tasks, config.folds)
    done = store.done_keys()
    units = []
    for task, est, seed, size in itertools.product(tasks, config.estimators, config.seeds,
                                                   config.train_sizes):
        folds = list(config.folds) if config.folds is not None else list(range(len(task.splits)))
        folds = [f for f in folds if f < len(task.splits)]
        todo = [f for f in folds
                if unit_key(task.suite, task.name, est, seed, size, f) not in done]
        if todo:
            units.append((task, est, seed, size, todo))
    if not units:
        return 0
    from joblib import Parallel, delayed, parallel_config

    written = 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(units), desc="benchmark", unit="unit")
    with parallel_config(backend=backend) if backend else _nullcontext():
        results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
            delayed(run_unit)(task, est, seed, size, folds, config.tune, config.artifacts)
            for task, est, seed, size, folds in units)
        for rows in results:
            store.append(rows)
            written += len(rows)
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(f"{rows[0]['task']}/{rows[0]['estimator']}")
    if bar is not None:
        bar.close()
    return written


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

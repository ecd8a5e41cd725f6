"""`load_suite` / `load_task`: one entry point for every source of tasks."""
from __future__ import annotations

import dataclasses

import os
import warnings
from typing import Iterable, Sequence

from ._errors import DatasetError
from ._home import get_data_home
from .task import Task, check_names, stratified_subsample

KNOWN_SUITES = ("uci121", "sklearn", "openml:<suite id or alias>")


def _progress(items: Sequence, desc: str, show: bool) -> Iterable:
    if not show:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="task", leave=False)


def _keep_by_meta(rows: int, features: int, classes: int | None, *, max_rows, max_features,
                  min_classes, max_classes) -> bool:
    if max_rows is not None and rows > max_rows:
        return False
    if max_features is not None and features > max_features:
        return False
    if classes is not None:
        if min_classes is not None and classes < min_classes:
            return False
        if max_classes is not None and classes > max_classes:
            return False
    return True


def load_suite(
    name: str,
    data_home: str | os.PathLike | None = None,
    *,
    names: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    max_rows: int | None = None,
    max_features: int | None = None,
    min_classes: int | None = None,
    max_classes: int | None = None,
    task_type: str | None = None,
    subsample: int | None = None,
    random_state: int = 0,
    progress: bool = False,
) -> list[Task]:
    """Load the tasks of a suite, filtered.

    Parameters
    ----------
    name : str
        ``"uci121"``, ``"sklearn"`` or ``"openml:<suite id or alias>"`` (e.g. ``"openml:99"``).
    data_home : path, optional
        Folder holding the data (``uci121/``, the ``openml/`` cache). Defaults to
        ``$SKLEARN_META_DATA``, else ``~/.cache/sklearn-meta``.
    names, exclude : sequence of str, optional
        Keep only / drop these task names. Unknown names in ``names`` raise.
    max_rows, max_features, min_classes, max_classes : int, optional
        Drop tasks outside these limits (rows before sub-sampling).
    task_type : {"classification", "regression"}, optional
    subsample : int, optional
        Deterministically sub-sample (stratified) tasks larger than this many rows.
    random_state : int
        Seed of the sub-sampling.
    progress : bool
        Show a progress bar while loading.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str such as 'uci121', got {type(name).__name__}")
    for arg, val in (("max_rows", max_rows), ("max_features", max_features),
                     ("min_classes", min_classes), ("max_classes", max_classes),
                     ("subsample", subsample)):
        if val is not None and (not isinstance(val, int) or val < 1):
            raise ValueError(f"{arg} must be a positive int or None, got {val!r}")
    if task_type not in (None, "classification", "regression"):
        raise ValueError(f"task_type must be 'classification', 'regression' or None, "
                         f"got {task_type!r}")
    home = get_data_home(data_home)
    wanted, dropped = check_names(names, "names"), check_names(exclude, "exclude") or set()
    limits = dict(max_rows=max_rows, max_features=max_features, min_classes=min_classes,
                  max_classes=max_classes)

    if name == "uci121":
        from . import uci121

        headers = uci121.list_headers(home)
        _check_unknown(wanted, [h.name for h in headers], name)
        # a misspelt exclusion would silently leave its task in (leave-data-sets-out)
        _check_unknown(dropped or None, [h.name for h in headers], name, "exclude")
        chosen = [h for h in headers
                  if (wanted is None or h.name in wanted) and h.name not in dropped
                  and task_type in (None, "classification")
                  and _keep_by_meta(h.n_rows, h.n_inputs, h.n_classes, **limits)]
        tasks = [uci121.load_uci_task(h.folder)
                 for h in _progress(chosen, "loading uci121", progress)]
    elif name == "sklearn":
        from . import sklearn_bundled

        all_names = sklearn_bundled.bundled_names()
        _check_unknown(wanted, all_names, name)
        _check_unknown(dropped or None, all_names, name, "exclude")
        chosen_names = [n for n in all_names
                        if (wanted is None or n in wanted) and n not in dropped]
        tasks = [sklearn_bundled.load_bundled_task(n) for n in chosen_names]
        tasks = [t for t in tasks
                 if task_type in (None, t.task_type)
                 and _keep_by_meta(t.n_rows, t.n_features, t.n_classes, **limits)]
    elif name.startswith("openml:"):
        from . import openml_suite

        suite_ref = name.split(":", 1)[1]
        if not suite_ref:
            raise DatasetError("suite 'openml:': give a suite id or alias, e.g. 'openml:99'")
        ids = openml_suite.load_openml_suite_ids(suite_ref, home)
        tasks = []
        skipped: list[str] = []
        loaded: list[str] = []
        for tid in _progress(ids, f"loading {name}", progress):
            try:
                t = openml_suite.load_openml_task(tid, home)
            except DatasetError as exc:
                # one unreadable or unsupported task should not cost the whole suite
                skipped.append(f"task {tid}: {exc}")
                continue
            if t.name in loaded:  # two tasks on one data set (other splits or target):
                # the results store keys rows by task name, so each needs its own
                t = dataclasses.replace(t, name=f"{t.name}-task{tid}")
            loaded.append(t.name)
            if ((wanted is None or t.name in wanted) and t.name not in dropped
                    and task_type in (None, t.task_type)
                    and _keep_by_meta(t.n_rows, t.n_features, t.n_classes, **limits)):
                tasks.append(t)
        if skipped and not loaded:
            raise DatasetError(f"suite {name!r}: no task could be loaded; the first "
                               f"failure: {skipped[0]}")
        if skipped:
            warnings.warn(f"suite {name!r}: {len(skipped)} of {len(ids)} task(s) skipped: "
                          + "; ".join(skipped[:5]) + (" ..." if len(skipped) > 5 else ""),
                          UserWarning, stacklevel=2)
        if wanted is not None:
            _check_unknown(wanted, loaded, name)
    else:
        raise DatasetError(f"unknown suite {name!r}; expected one of {', '.join(KNOWN_SUITES)}")

    if subsample is not None:
        tasks = [stratified_subsample(t, subsample, random_state) for t in tasks]
    return tasks


def _check_unknown(wanted: set[str] | None, available: Sequence[str], suite: str,
                   arg: str | None = None) -> None:
    if wanted is None:
        return
    unknown = sorted(wanted - set(available))
    if unknown:
        where = f"{arg}: " if arg else ""
        raise DatasetError(f"{where}suite {suite!r} has no task named "
                           f"{', '.join(map(repr, unknown))}")


def load_task(ref: str, data_home: str | os.PathLike | None = None) -> Task:
    """Load one task: ``"openml:<task id>"``, ``"uci121:<name>"`` or ``"sklearn:<name>"``."""
    if not isinstance(ref, str) or ":" not in ref:
        raise DatasetError(f"task reference must look like 'openml:31', 'uci121:abalone' or "
                           f"'sklearn:iris', got {ref!r}")
    suite, _, key = ref.partition(":")
    home = get_data_home(data_home)
    if suite == "openml":
        from . import openml_suite

        try:
            tid = int(key)
        except ValueError:
            raise DatasetError(f"openml task id must be an integer, got {key!r}") from None
        return openml_suite.load_openml_task(tid, home)
    if suite in ("uci121", "sklearn"):
        tasks = load_suite(suite, home, names=[key])
        return tasks[0]
    raise DatasetError(f"unknown suite {suite!r} in task reference {ref!r}")

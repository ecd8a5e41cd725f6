"""Loader for OpenML tasks and benchmark suites, through the ``openml`` package's own cache.

Everything goes through the real ``openml`` API (tested with openml 0.15.1). Its cache lives
at ``<data_home>/openml`` (see `configure_cache`); below it openml keeps one folder per server,
``org/openml/www`` for openml.org, holding::

    tasks/<task_id>/task.xml              task description (type, dataset id, target)
    tasks/<task_id>/datasplits.arff       official train/test splits (+ a .pkl.py3 copy)
    datasets/<did>/description.xml        dataset description (name, format, urls)
    datasets/<did>/features.xml           column names and types (classification tasks)
    datasets/<did>/dataset_<did>.pq       the data as parquet (openml >= 0.14), or
    datasets/<did>/dataset.arff           the data as ARFF (older caches / fallback)

openml 0.15 reads each of these from the cache before going to the server, so a task that
was loaded once with network access loads again offline.  Dataset qualities (meta-features)
are never requested: they need the network and are not used here.

Caveats of openml 0.15.1: when a step of ``openml.tasks.get_task`` fails (e.g. a file is
missing and the server cannot be reached), openml deletes that task's cache folder, and a
failing ``get_dataset`` deletes the dataset's cache folder; the next attempt with network
access downloads them again.  Suites are not cached by openml at all, hence the JSON files
written by `load_openml_suite_ids`.
"""
from __future__ import annotations

import json
import os
import re
import socket
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse
from typing import Any

import numpy as np
import pandas as pd

from ._errors import DatasetError
from .task import Split, Task, TaskType

SUITE = "openml"

#: Well-known benchmark suite aliases -> OpenML study ids (from the suites' openml.org pages
#: and the papers introducing them; not re-checked against the server from this machine):
#: OpenML-CC18 (Bischl et al., 2019) = study 99, OpenML100 = study 14,
#: AutoML benchmark classification ("amlb-classification-all", Gijsbers et al.) = study 271,
#: OpenML-CTR23 (Fischer et al., 2023, regression) = study 353.
SUITE_ALIASES: dict[str, int] = {
    "openml-cc18": 99,
    "openml100": 14,
    "amlb-classification-all": 271,
    "openml-ctr23": 353,
}

_MAX_MSG = 300


def configure_cache(data_home: Path) -> Path:
    """Point the ``openml`` package's cache at ``<data_home>/openml`` and return that folder.

    This changes openml's *process-wide* setting (``openml.config.set_root_cache_directory``)
    and deliberately leaves it changed: nothing is restored afterwards, so later openml calls
    in this process use the same cache.  Save ``openml.config.get_config_as_dict()["cachedir"]``
    first if you need to put the old value back.
    """
    import openml

    root = Path(data_home).expanduser() / "openml"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetError(f"suite {SUITE!r}: cannot use {root} as the OpenML cache "
                           f"({exc.strerror or exc}); pass a writable data_home") from None
    openml.config.set_root_cache_directory(root)
    return root


# ---------------------------------------------------------------------------- helpers
def _sanitise(name: str) -> str:
    """A file- and identifier-friendly version of a dataset name."""
    clean = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)).strip("_.")
    return clean or "dataset"


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MSG else text[: _MAX_MSG - 3] + "..."


def _is_network_error(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the server could not be reached."""
    import requests
    import urllib3

    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, (requests.exceptions.RequestException, urllib3.exceptions.HTTPError,
                            ConnectionError, TimeoutError)):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


def _failure(task_id: int, stage: str, exc: Exception, cache: Path) -> DatasetError:
    """Turn an exception raised inside openml into a `DatasetError` saying what to do."""
    from openml.exceptions import OpenMLServerException

    where = f"suite {SUITE!r}, OpenML task {task_id}"
    if isinstance(exc, OpenMLServerException):
        return DatasetError(
            f"{where}: the OpenML server refused {stage} ({_short(exc)}); "
            f"check that task {task_id} exists and is public on openml.org")
    if _is_network_error(exc):
        return DatasetError(
            f"{where}: found no {stage} in the local cache {cache} and the OpenML server "
            f"could not be reached ({_short(exc)}); run once with network access and the "
            f"same data_home to fill the cache, or copy a warm openml cache there")
    if isinstance(exc, (NotImplementedError,)) or "TaskType" in str(exc):
        return DatasetError(f"{where}: unsupported task type ({_short(exc)}); only supervised "
                            f"classification and regression tasks can be loaded")
    return DatasetError(
        f"{where}: could not read {stage} from the cache {cache} ({_short(exc)}); the cached "
        f"files may be corrupt: delete tasks/{task_id} and the dataset's folder under "
        f"{cache} and retry with network access")


_PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
               "all_proxy")


def _server_unreachable(server: str, timeout: float = 3.0) -> str | None:
    """Why the OpenML server cannot be reached from here (its host does not resolve or
    accept a connection within ``timeout`` seconds), or None when it can or when a proxy is
    configured (then only a real request can tell)."""
    if any(os.environ.get(v) for v in _PROXY_VARS):
        return None
    url = urlparse(server)
    if not url.hostname:
        return None
    try:
        with socket.create_connection((url.hostname, url.port or 443), timeout=timeout):
            return None
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"


@contextmanager
def _one_try_when_offline(needs_server: bool):
    """openml retries a failed request five times with growing pauses (about 10 s on a
    machine without network); when a file must come from a server that cannot be reached
    at all, one try is enough to fail with the usual message."""
    import openml

    if not needs_server or _server_unreachable(openml.config.server) is None:
        yield
        return
    before = openml.config.connection_n_retries
    openml.config.connection_n_retries = 1
    try:
        yield
    finally:
        openml.config.connection_n_retries = before


def _task_type(task: Any, task_id: int) -> TaskType:
    from openml.tasks import TaskType as OMLTaskType

    kind = getattr(task, "task_type_id", None)
    if kind == OMLTaskType.SUPERVISED_CLASSIFICATION:
        return "classification"
    if kind == OMLTaskType.SUPERVISED_REGRESSION:
        return "regression"
    name = getattr(kind, "name", kind)
    raise DatasetError(f"suite {SUITE!r}, OpenML task {task_id}: task type {name} is not "
                       f"supported; only SUPERVISED_CLASSIFICATION and SUPERVISED_REGRESSION")


def _prefer_cached_arff(dataset: Any, cache_dir: Path) -> None:
    """Use a cached ``dataset.arff`` when no cached parquet file exists.

    openml 0.15 otherwise tries to download the parquet file first (via minio, ignoring
    openml's retry settings) whenever the description has a parquet url, even when the
    ARFF file is already in the cache: slow offline, and pointless.
    """
    did = dataset.dataset_id
    if dataset.parquet_file is not None or dataset.data_file is not None:
        return
    if (cache_dir / f"dataset_{did}.pq").is_file() or (cache_dir / "dataset.pq").is_file():
        return  # openml finds the parquet file in the cache by itself
    arff = cache_dir / "dataset.arff"
    if arff.is_file():
        dataset.data_file = str(arff)


# ------------------------------------------------------------------------ public API
def load_openml_task(task_id: int, data_home: Path) -> Task:
    """Load OpenML task ``task_id`` with its official splits (see `_load_openml_task`); a
    failed attempt leaves no empty cache folders behind (openml creates them before it
    finds out that a file is missing and the server cannot be reached)."""
    try:
        return _load_openml_task(task_id, data_home)
    except DatasetError:
        _prune_empty_dirs(Path(data_home).expanduser() / "openml")
        raise


def _prune_empty_dirs(root: Path) -> None:
    """Remove the empty folders below (and including) ``root``; files are never touched."""
    if not root.is_dir():
        return
    for folder, _, _ in sorted(os.walk(root), key=lambda w: -len(w[0])):
        try:
            os.rmdir(folder)  # only succeeds on an empty folder
        except OSError:
            pass


def _load_openml_task(task_id: int, data_home: Path) -> Task:
    """Load OpenML task ``task_id`` with its official splits (all folds of repeat 0).

    Uses the openml cache under ``<data_home>/openml`` (set via `configure_cache`) and goes
    to the server only for files missing there; qualities are never downloaded.  ``name`` is
    the sanitised dataset name; ``source`` holds ``suite="openml"``, ``openml_task_id``,
    ``openml_dataset_id`` and ``path`` (openml's cache folder for the server).
    Any failure (unknown task, no cache and no network, corrupt file, unsupported task type)
    raises `DatasetError` naming the task id.
    """
    import openml

    try:
        task_id = int(task_id)
    except (TypeError, ValueError):
        raise DatasetError(f"suite {SUITE!r}: OpenML task id must be an integer, "
                           f"got {task_id!r}") from None
    configure_cache(data_home)
    cache = Path(openml.config.get_cache_directory())

    with _one_try_when_offline(not (cache / "tasks" / str(task_id) / "task.xml").is_file()):
        return _read_openml_task(task_id, cache)


def _check_splits(oml_task: Any, task_id: int, splits: list, n_rows: int, cache: Path) -> None:
    """Refuse official splits that do not match the task's estimation procedure: fewer folds
    than it declares, or (cross-validation) test parts that do not cover every row once, as
    a truncated or foreign ``datasplits.arff`` gives; evaluating on them would be silently
    wrong."""
    where = cache / "tasks" / str(task_id) / "datasplits.arff"
    params = dict(getattr(oml_task, "estimation_parameters", None) or {})
    try:
        declared = int(params.get("number_folds") or 0)
    except (TypeError, ValueError):
        declared = 0
    kind = str((getattr(oml_task, "estimation_procedure", None) or {}).get("type", ""))
    if declared and len(splits) != declared:
        raise DatasetError(f"suite {SUITE!r}, OpenML task {task_id}: {where} holds "
                           f"{len(splits)} folds, the task declares {declared} (an incomplete "
                           f"download?); delete the file so that it is fetched again")
    if "crossvalidation" in kind and splits:
        test = np.concatenate([np.asarray(te) for _, te in splits])
        if len(test) != n_rows or len(np.unique(test)) != n_rows:
            raise DatasetError(f"suite {SUITE!r}, OpenML task {task_id}: the test folds of "
                               f"{where} cover {len(np.unique(test))} of the {n_rows} rows "
                               f"({len(test)} test rows in all; cross-validation covers each "
                               f"row once); delete the file so that it is fetched again")


def _read_openml_task(task_id: int, cache: Path) -> Task:
    import openml
    from openml.tasks import OpenMLSupervisedTask

    try:
        oml_task = openml.tasks.get_task(
            task_id, download_splits=False, download_data=False, download_qualities=False,
            download_features_meta_data=False)
    except Exception as exc:  # openml raises many unrelated types here
        raise _failure(task_id, "task description (task.xml)", exc, cache) from None
    task_type = _task_type(oml_task, task_id)
    assert isinstance(oml_task, OpenMLSupervisedTask)

    try:
        dataset = oml_task.get_dataset(download_data=False, download_qualities=False,
                                       download_features_meta_data=False)
        _prefer_cached_arff(dataset, cache / "datasets" / str(dataset.dataset_id))
        X, y, categorical, _ = dataset.get_data(target=oml_task.target_name,
                                                dataset_format="dataframe")
    except Exception as exc:
        raise _failure(task_id, f"data for dataset {oml_task.dataset_id}", exc,
                       cache) from None
    if not isinstance(X, pd.DataFrame):
        raise DatasetError(f"suite {SUITE!r}, OpenML task {task_id}: dataset "
                           f"{oml_task.dataset_id} is sparse; only dense data is supported")
    if isinstance(y, pd.DataFrame):
        raise DatasetError(f"suite {SUITE!r}, OpenML task {task_id}: target "
                           f"{oml_task.target_name!r} is not a single column")

    try:
        _, n_folds, _ = oml_task.get_split_dimensions()
        splits: list[Split] = [oml_task.get_train_test_split_indices(fold=f, repeat=0, sample=0)
                               for f in range(n_folds)]
    except Exception as exc:
        raise _failure(task_id, "official splits (datasplits.arff)", exc, cache) from None
    _check_splits(oml_task, task_id, splits, len(X), cache)

    y_arr = np.asarray(y.to_numpy() if isinstance(y, pd.Series) else y)
    if task_type == "regression":
        y_arr = y_arr.astype(float)
    source: dict[str, Any] = {
        "suite": SUITE,
        "openml_task_id": task_id,
        "openml_dataset_id": int(dataset.dataset_id),
        "path": str(cache),
    }
    X = X.reset_index(drop=True)
    missing = np.asarray(pd.isna(pd.Series(y_arr)), dtype=bool)
    if missing.any() and not missing.all():
        # rows without a target cannot be trained or scored on: drop them, and renumber the
        # official splits' row indices to match (OpenML's own splits include such rows)
        keep = np.flatnonzero(~missing)
        new_index = np.full(len(y_arr), -1)
        new_index[keep] = np.arange(len(keep))
        splits = [(new_index[tr][new_index[tr] >= 0], new_index[te][new_index[te] >= 0])
                  for tr, te in splits]
        X, y_arr = X.iloc[keep].reset_index(drop=True), y_arr[keep]
        source["dropped_rows_missing_target"] = int(missing.sum())
    # string (and other non-numeric) features are categorical for every consumer here;
    # OpenML's mask marks only its nominal features
    cat = np.asarray(categorical, dtype=bool) | np.array(
        [not (pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]))
         for c in X.columns], dtype=bool)
    return Task(name=_sanitise(dataset.name), X=X, y=y_arr, task_type=task_type,
                categorical=cat, splits=splits, source=source)


def _suite_cache_file(folder: Path, key: str) -> Path:
    return folder / f"{_sanitise(key)}.json"


def load_openml_suite_ids(suite: str, data_home: Path, *, refresh: bool = False) -> list[int]:
    """Task ids of OpenML benchmark suite ``suite`` (a study id such as ``"99"`` or an alias).

    Aliases in `SUITE_ALIASES` (case-insensitive) are mapped to study ids; other names are
    passed to the server as they are.  The list is read from
    ``<data_home>/openml/suites/<suite>.json`` when that file exists (so it works offline
    and stays fixed), otherwise fetched with ``openml.study.get_suite`` and saved there
    (also as ``<study id>.json``).  ``refresh=True`` fetches again and overwrites the file.
    """
    import openml

    key = str(suite).strip()
    if not key:
        raise DatasetError(f"suite {SUITE!r}: empty benchmark suite name")
    root = configure_cache(data_home)
    folder = root / "suites"
    study_id: int | str = SUITE_ALIASES.get(key.lower(), key)
    if isinstance(study_id, str) and study_id.isdigit():
        study_id = int(study_id)
    candidates = [_suite_cache_file(folder, key)]
    if str(study_id) != key:
        candidates.append(_suite_cache_file(folder, str(study_id)))

    if not refresh:
        for path in candidates:
            if path.is_file():
                return _read_suite_file(path, key)

    try:
        oml_suite = openml.study.get_suite(study_id)
    except Exception as exc:
        cached = " and no cached copy exists" if not refresh else ""
        if _is_network_error(exc):
            what = (f"the OpenML server could not be reached ({_short(exc)}){cached}; "
                    f"run once with network access to save {candidates[0]}")
        else:
            what = (f"the OpenML server refused or could not fetch it ({_short(exc)}); "
                    f"check the suite id or alias (known aliases: "
                    f"{', '.join(sorted(SUITE_ALIASES))})")
        raise DatasetError(f"suite {SUITE!r}: benchmark suite {key!r}: {what}") from None
    ids = [int(t) for t in (oml_suite.tasks or [])]
    if not ids:
        raise DatasetError(f"suite {SUITE!r}: benchmark suite {key!r} has no tasks")
    payload = {"suite": key, "study_id": oml_suite.study_id, "alias": oml_suite.alias,
               "name": oml_suite.name, "task_ids": ids}
    folder.mkdir(parents=True, exist_ok=True)
    names = {key, str(oml_suite.study_id)} if oml_suite.study_id is not None else {key}
    for name in names:
        path = _suite_cache_file(folder, name)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, indent=1), encoding="utf-8")
        tmp.replace(path)
    return ids


def _read_suite_file(path: Path, key: str) -> list[int]:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        ids = [int(t) for t in payload["task_ids"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DatasetError(f"suite {SUITE!r}: benchmark suite {key!r}: cached list {path} is "
                           f"unreadable ({_short(exc)}); delete it and retry with network "
                           f"access") from None
    if not ids:
        raise DatasetError(f"suite {SUITE!r}: benchmark suite {key!r}: cached list {path} "
                           f"is empty; delete it and retry with network access")
    return ids

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
failing ``get_dataset`` deletes the dataset's cache folder.  So before calling openml the
loader checks that every file the task needs is cached (`_cache_needs`); when one is missing
and the server cannot be reached it raises at once, naming the missing files, and openml
never runs (and deletes nothing).  openml writes ``<data file>.pkl.py3`` pickles of the
parsed data but does not read them back when data is loaded lazily; `_point_at_cached_data`
makes it.  Suites are not cached by openml at all, hence the JSON files written by
`load_openml_suite_ids`.
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
from xml.etree import ElementTree

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
    from openml.exceptions import OpenMLPrivateDatasetError, OpenMLServerException

    where = f"suite {SUITE!r}, OpenML task {task_id}"
    if isinstance(exc, OpenMLPrivateDatasetError):  # not an OpenMLServerException
        return DatasetError(
            f"{where}: the task's dataset is private or not accessible ({_short(exc)}); "
            f"the OpenML server refused it while reading {stage}: use an OpenML API key "
            f"with access to it (openml.config.apikey) or leave the task out")
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


#: openml task types whose ``get_task`` reads features.xml (for the class labels)
_TYPES_WITH_CLASS_LABELS = (1, 3)  # supervised classification, learning curve
#: openml task types loaded here (supervised classification, regression); for others only
#: the descriptions are needed before `_task_type` refuses them
_SUPPORTED_TYPES = (1, 2)


def _task_xml_ids(path: Path) -> tuple[int | None, int | None]:
    """Dataset id and task type id named by a cached task.xml (tags in the ``oml:``
    namespace); None for what is missing or unreadable (openml then reports the problem)."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return None, None
    found: dict[str, int | None] = {}
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1]  # "{http://openml.org/openml}data_set_id"
        if name in ("data_set_id", "task_type_id") and name not in found:
            try:
                found[name] = int((element.text or "").strip())
            except ValueError:
                found[name] = None
    return found.get("data_set_id"), found.get("task_type_id")


def _cache_needs(task_id: int, cache: Path) -> tuple[int | None, dict[str, list[Path]]]:
    """The dataset id named by the cached task.xml (None when it is missing or unreadable)
    and the cache files that loading the task reads, by role; each role lists alternatives
    (one existing file is enough).  Without a readable task.xml only the task's own files
    are known."""
    tdir = cache / "tasks" / str(task_id)
    needs: dict[str, list[Path]] = {"task description": [tdir / "task.xml"]}
    did, type_id = _task_xml_ids(tdir / "task.xml")
    if did is not None:
        ddir = cache / "datasets" / str(did)
        needs["dataset description"] = [ddir / "description.xml"]
        if type_id in _TYPES_WITH_CLASS_LABELS:
            needs["dataset features"] = [ddir / "features.xml"]
        if type_id in _SUPPORTED_TYPES:
            needs["data"] = [ddir / f"dataset_{did}.pq", ddir / "dataset.pq",
                             ddir / "dataset.arff"]
    if did is None or type_id in _SUPPORTED_TYPES:
        needs["official splits"] = [tdir / "datasplits.arff", tdir / "datasplits.pkl.py3"]
    return did, needs


def _missing(needs: dict[str, list[Path]]) -> list[str]:
    """The roles of ``needs`` without any cached file, each as 'role path (or name, ...)'."""
    out = []
    for role, paths in needs.items():
        if not any(p.is_file() for p in paths):
            others = ", ".join(p.name for p in paths[1:])
            out.append(f"{role} {paths[0]}" + (f" (or {others})" if others else ""))
    return out


def _refuse_when_offline(task_id: int, needs: dict[str, list[Path]], cache: Path) -> None:
    """Raise `DatasetError` naming the missing files when a file the task needs is not cached
    and the OpenML server cannot be reached.  Calling openml then would cost 5 retries with
    growing pauses per file (10-16 s), could name the wrong file, and its clean-up after the
    failure deletes good cached files (task.xml, datasplits.arff, the data)."""
    import openml

    missing = _missing(needs)
    if not missing:
        return
    reason = _server_unreachable(openml.config.server)
    if reason is None:
        return  # reachable (or behind a proxy): openml downloads what is missing
    raise DatasetError(
        f"suite {SUITE!r}, OpenML task {task_id}: the local cache {cache} lacks "
        f"{'; '.join(missing)}, and the OpenML server could not be reached ({reason}); run "
        f"once with network access and the same data_home to fill the cache, or copy a warm "
        f"openml cache there")


@contextmanager
def _no_parquet_download(dataset_dir: Path | None):
    """Stop openml from trying to download the parquet file while the dataset's ARFF file
    (and no parquet file) is cached: ``get_task`` loads the data itself for a classification
    task with a string target, and would otherwise spend seconds of minio retries offline
    before falling back to the cached ARFF file.  Sets ``OPENML_SKIP_PARQUET`` meanwhile."""
    from openml.config import OPENML_SKIP_PARQUET_ENV_VAR as var

    if (dataset_dir is None or var in os.environ
            or not (dataset_dir / "dataset.arff").is_file()
            or any(dataset_dir.glob("dataset*.pq"))):
        yield
        return
    os.environ[var] = "true"
    try:
        yield
    finally:
        os.environ.pop(var, None)


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


def _point_at_cached_data(dataset: Any, cache_dir: Path) -> Path | None:
    """Point ``dataset`` at its cached data file, and at openml's pickle of it when that is
    newer than the file; return the pickle used (None if none).

    With lazily loaded data openml 0.15 otherwise tries to download the parquet file first
    (via minio, ignoring openml's retry settings) whenever the description has a parquet url,
    even when the ARFF file is cached; and it never reads back the ``<file>.pkl.py3`` pickle
    it writes, so every load parses the raw file again (10x slower for a large ARFF file).
    A pickle older than its file is ignored (openml rewrites it); a broken one is dropped by
    `_get_data`.
    """
    did = dataset.dataset_id
    if dataset.parquet_file is not None or dataset.data_file is not None:
        return None
    pq = next((p for p in (cache_dir / f"dataset_{did}.pq", cache_dir / "dataset.pq")
               if p.is_file()), None)
    arff: Path | None = cache_dir / "dataset.arff"
    if not arff.is_file():
        arff = None
    source = pq or arff
    if source is None:
        return None  # not cached: openml downloads it
    if pq is not None:
        dataset.parquet_file = str(pq)  # openml reads the parquet file when one is set
    dataset.data_file = str(arff or pq)  # set: openml then looks for no download
    pickle = source.with_suffix(".pkl.py3")
    if pq is not None and arff is not None and pq.name == "dataset.pq":
        return None  # dataset.pkl.py3 may be either file's pickle
    try:
        fresh = pickle.stat().st_mtime >= source.stat().st_mtime
    except OSError:
        return None
    if not fresh:
        return None
    dataset.data_pickle_file = pickle
    return pickle


def _get_data(dataset: Any, target: str, pickle: Path | None) -> tuple:
    """``dataset.get_data`` as a dataframe; when it fails while reading the pickle that
    `_point_at_cached_data` chose, read the data file instead (openml rewrites the pickle)."""
    try:
        return dataset.get_data(target=target, dataset_format="dataframe")
    except Exception:
        if pickle is None:
            raise
    dataset.data_pickle_file = None
    return dataset.get_data(target=target, dataset_format="dataframe")


def _dense(data: Any) -> Any:
    """``data`` (a DataFrame or Series) with pandas sparse columns made dense: openml returns
    sparse ARFF data that way, and the consumers here expect ordinary columns."""
    if isinstance(data, pd.Series):
        return data.sparse.to_dense() if isinstance(data.dtype, pd.SparseDtype) else data
    if isinstance(data, pd.DataFrame) and any(isinstance(t, pd.SparseDtype)
                                              for t in data.dtypes):
        return pd.concat([col.sparse.to_dense() if isinstance(col.dtype, pd.SparseDtype)
                          else col for _, col in data.items()], axis=1)
    return data


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

    did, needs = _cache_needs(task_id, cache)
    _refuse_when_offline(task_id, needs, cache)
    with _no_parquet_download(None if did is None else cache / "datasets" / str(did)):
        return _read_openml_task(task_id, cache, needs)


def _check_splits(oml_task: Any, task_id: int, splits: list, n_rows: int, cache: Path) -> None:
    """Refuse official splits that do not match the task's estimation procedure: fewer folds
    than it declares, or (cross-validation) test parts that do not cover every row once, as
    a truncated or foreign ``datasplits.arff`` gives; evaluating on them would be silently
    wrong."""
    where = cache / "tasks" / str(task_id) / "datasplits.arff"
    procedure = getattr(oml_task, "estimation_procedure", None) or {}
    params = dict(procedure.get("parameters") or {})  # not .estimation_parameters: deprecated
    try:
        declared = int(params.get("number_folds") or 0)
    except (TypeError, ValueError):
        declared = 0
    kind = str(procedure.get("type", ""))
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


def _stage(needs: dict[str, list[Path]], roles: tuple[str, ...], cache: Path) -> str:
    """'role, role (file, file)' for the failure messages: what a step of openml reads."""
    present = [r for r in roles if r in needs]
    files = ", ".join(str(needs[r][0].relative_to(cache)) for r in present)
    return f"{', '.join(present)} ({files})"


def _read_openml_task(task_id: int, cache: Path, needs: dict[str, list[Path]]) -> Task:
    import openml
    from openml.tasks import OpenMLSupervisedTask

    where = f"suite {SUITE!r}, OpenML task {task_id}"
    try:  # reads task.xml, description.xml and (classification) features.xml
        oml_task = openml.tasks.get_task(
            task_id, download_splits=False, download_data=False, download_qualities=False,
            download_features_meta_data=False)
    except Exception as exc:  # openml raises many unrelated types here
        raise _failure(task_id, _stage(needs, ("task description", "dataset description",
                                               "dataset features"), cache),
                       exc, cache) from None
    task_type = _task_type(oml_task, task_id)
    assert isinstance(oml_task, OpenMLSupervisedTask)

    dataset = None
    try:
        dataset = oml_task.get_dataset(download_data=False, download_qualities=False,
                                       download_features_meta_data=False)
        pickle = _point_at_cached_data(dataset, cache / "datasets" / str(dataset.dataset_id))
        X, y, categorical, _ = _get_data(dataset, oml_task.target_name, pickle)
    except Exception as exc:
        if (dataset is not None and dataset.parquet_file is None
                and str(dataset.format).lower() == "sparse_arff"):
            raise DatasetError(
                f"{where}: dataset {oml_task.dataset_id} is stored as sparse ARFF, and sparse "
                f"ARFF data sets are not supported without a cached parquet file (openml "
                f"{openml.__version__} cannot parse it with pandas {pd.__version__}: "
                f"{_short(exc)})") from None
        raise _failure(task_id, f"data for dataset {oml_task.dataset_id}", exc,
                       cache) from None
    X, y = _dense(X), _dense(y)
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
        raise _failure(task_id, _stage(needs, ("official splits",), cache), exc,
                       cache) from None
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
    # OpenML's mask marks only its nominal features.  Boolean columns too: a {TRUE,FALSE}
    # nominal feature is categorical read from ARFF but bool from parquet, and the mask
    # (hence the meta-features) must not depend on the cache's file format
    cat = np.asarray(categorical, dtype=bool) | np.array(
        [pd.api.types.is_bool_dtype(X[c]) or not pd.api.types.is_numeric_dtype(X[c])
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

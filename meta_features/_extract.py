"""``extract``: run the requested groups on one data set and summarise the results."""
from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Optional, Sequence, Union

import numpy as np
import pandas as pd
from sklearn import config_context
from threadpoolctl import ThreadpoolController

from . import _registry
from ._summary import check_summary, summarize
from ._validation import TaskData, prepare


_CONTROLLER: Optional[ThreadpoolController] = None


def _blas_single_thread():
    """Context limiting BLAS to one thread (controller built once: it scans loaded libraries)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


#: Background threads pay off from about this many numeric cells (rows x attributes): on
#: smaller data the trees take well under a millisecond each and handing the GIL between
#: threads costs more than the overlap saves (measured on 2 cores: 0.8x at 160 x 3,
#: 1.05-1.1x at 300 x 8, 1.3-1.7x from 350 x 33 or 768 x 8 up).
MIN_CELLS_FOR_BACKGROUND = 2_000


class MetaFeatureWarning(UserWarning):
    """Issued once per ``extract`` call, naming the features that came out NaN."""


def _expected_names(data: TaskData, group: str) -> list[str]:
    """Base feature names a group defines for this kind of task (for NaN fill)."""
    feats = _registry.module(group).FEATURES
    return [n for n, (_, needs_y) in feats.items() if not needs_y or data.is_classif]


def _scalar_names(group: str) -> set[str]:
    return getattr(_registry.module(group), "SCALAR_FEATURES", set())


def extract_from_data(
    data: TaskData,
    groups: Sequence[str],
    summaries: Sequence[str],
) -> tuple[dict[str, float], list[str]]:
    """Compute summarised features of prepared ``data``; returns values and failure notes."""
    values: dict[str, float] = {}
    failures: list[str] = []
    # Parameters of the scikit-learn models used inside are fixed by this package: skip
    # scikit-learn's per-call parameter validation (measurable on small data sets).
    with config_context(skip_parameter_validation=True), _background(data, groups):
        for g in groups:
            _extract_group(data, g, summaries, values, failures)
    return values, failures


@contextmanager
def _background(data: TaskData, groups: Sequence[str]) -> Iterator[None]:
    """With ``data.n_jobs > 1``, let groups with a ``prefetch`` hook start their costly,
    GIL-releasing parts (the decision trees) on worker threads before any group computes, so
    they overlap the pure-numpy groups; results are identical to computing them in place."""
    hooks = [getattr(_registry.module(g), "prefetch", None) for g in groups]
    hooks = [h for h in hooks if h is not None]
    cells = data.n * (data.N.shape[1] if data.N.ndim == 2 else 0)
    if data.n_jobs <= 1 or not hooks or cells < MIN_CELLS_FOR_BACKGROUND:
        yield
        return
    executor = ThreadPoolExecutor(max_workers=data.n_jobs, thread_name_prefix="meta_features")
    try:
        for hook in hooks:
            try:
                hook(data, executor)
            except (ValueError, np.linalg.LinAlgError):
                pass  # the group's own compute meets (and reports) the same error
        yield
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        data.shared.clear()


def _extract_group(data: TaskData, g: str, summaries: Sequence[str], values: dict[str, float],
                   failures: list[str]) -> None:
    """Compute one group into ``values`` (NaN-filled where it defines no value)."""
    mod = _registry.module(g)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            raw = mod.compute(data)
        except (ValueError, np.linalg.LinAlgError, ZeroDivisionError, FloatingPointError) as exc:
            failures.append(f"group {g!r} failed ({type(exc).__name__}: {exc})")
            raw = {}
    for name in _expected_names(data, g):
        if name not in raw:
            raw[name] = np.nan if name in _scalar_names(g) or _is_scalar_feature(mod, name) else np.empty(0)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # e.g. scipy's "precision loss" in the skewness of near-constant values (the value
        # is still pymfe's; undefined ones are reported once, as NaN, by extract)
        warnings.simplefilter("ignore")
        scalars = _scalar_names(g)
        for name, val in raw.items():
            if np.ndim(val) == 0 and name not in scalars and np.isnan(float(val)):
                # a multi-valued feature that failed (a group's NaN fallback): NaN under the
                # summary names it has when it succeeds ("f1v.mean", not "f1v"), so that the
                # names never depend on the data
                val = np.empty(0)
            if np.ndim(val) == 0:
                values[name] = float(val)
            else:
                values.update(summarize(name, np.asarray(val, dtype=float), summaries))


def _check_n_jobs(n_jobs: Optional[int]) -> int:
    """``n_jobs`` -> number of threads (joblib's convention: -1 all cores, -2 all but one)."""
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise ValueError(f"n_jobs: expected a non-zero int or None, got {n_jobs!r}.")
    return max(1, int(n_jobs) if n_jobs > 0 else (os.cpu_count() or 1) + 1 + int(n_jobs))


def _is_scalar_feature(mod: Any, name: str) -> bool:
    return name in getattr(mod, "SCALAR_FEATURES", set())


def extract(
    X: Any,
    y: Any = None,
    *,
    groups: Union[str, Iterable[str]] = "default",
    summary: Union[str, Sequence[str], None] = ("mean", "sd"),
    categorical: Any = None,
    random_state: Optional[int] = 0,
    target_type: str = "auto",
    warn: bool = True,
    n_jobs: Optional[int] = -1,
) -> pd.Series:
    """Describe a data set by meta-features, as a Series ``name -> float`` sorted by name.

    Parameters follow pymfe's ``MFE(groups, summary, random_state).fit(X, y).extract()``
    and the names are pymfe's, so results compare line by line. ``y=None``
    computes only the features that need no target; a float target with
    non-integer values, or a whole-number one (integers too) with many distinct values
    (:func:`infer_target_type`), is treated as regression (override with ``target_type``),
    for which class-based features are left out. Undefined features are NaN and
    reported in one :class:`MetaFeatureWarning` (``warn=False`` silences it).

    ``categorical=None`` (or ``"auto"``) takes pandas categorical, string/object and
    boolean columns as categorical; a boolean is a nominal attribute with two values, as in
    OpenML's qualities (pymfe reads booleans as the numbers 0/1: pass ``categorical`` a mask
    or the column names/indices to choose). Numbers stored as objects and dates are numeric.

    ``n_jobs`` threads build the decision trees of the landmarking and model-based groups in
    the background while the other groups compute, and run the landmarking folds on data sets
    of 1600 rows or more (the heavy parts release the GIL); -1 (default) uses every core, 1 or
    None a single thread. The values never depend on it.
    """
    group_names = _registry.resolve_groups(groups)
    summaries = check_summary(summary)
    data = prepare(X, y, categorical=categorical, random_state=random_state, target_type=target_type)
    data.n_jobs = _check_n_jobs(n_jobs)
    # Single-threaded BLAS: the matrices here are small, and multi-threaded
    # OpenBLAS on a busy machine made a 262x262 eigh 100x slower.
    with _blas_single_thread():
        values, failures = extract_from_data(data, group_names, summaries)
    result = pd.Series(values, dtype=float).sort_index()
    if warn:
        nan_names = result.index[result.isna()].tolist()
        inf_names = result.index[np.isinf(result.to_numpy())].tolist()
        notes = data.notes + failures
        if nan_names or inf_names or notes:
            msg = []
            if nan_names:
                msg.append(f"{len(nan_names)} meta-feature(s) undefined for this data, set to NaN: {nan_names}")
                if data.constant_columns:
                    shown = data.constant_columns[:10]
                    msg.append(f"constant column(s) {shown}{' ...' if len(data.constant_columns) > 10 else ''} "
                               f"leave correlations, skewness, kurtosis and what depends on them "
                               f"undefined (as in pymfe); drop them to describe the other columns")
            if inf_names:
                msg.append(f"{len(inf_names)} meta-feature(s) infinite (as in pymfe: a zero "
                           f"denominator, e.g. a canonical correlation of 1 on data with as many "
                           f"columns as rows, or a value beyond float64): {inf_names}")
            if notes:
                msg.append("; ".join(notes))
            warnings.warn(". ".join(msg), MetaFeatureWarning, stacklevel=2)
    return result

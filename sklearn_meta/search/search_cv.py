"""`MetaSearchCV`: Optuna hyper-parameter search, warm-started from the knowledge base."""
from __future__ import annotations

import copy
import re
import shutil
import tempfile
import threading
import time
import uuid
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import optuna
from sklearn.exceptions import DataConversionWarning
from optuna.distributions import (BaseDistribution, CategoricalDistribution,
                                  FloatDistribution, IntDistribution)
from sklearn import config_context
from sklearn.base import (BaseEstimator, MetaEstimatorMixin, clone, is_classifier,
                          is_regressor)
from sklearn.model_selection import check_cv
from scipy.stats import rankdata
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metadata_routing import (MetadataRouter, MethodMapping, _routing_enabled,
                                            process_routing)
from sklearn.utils.metaestimators import available_if

from .cv_scoring import FIT_FAILED_ATTR, cross_validate_scored, metric_to_optimise
from .resume import (ERROR_ATTR, SCORING_ATTR, check_resumable, finished_trials,
                     metric_label, retry_interrupted, search_fingerprint)
from .grid import REPEAT_ATTR, GridGuard, claim, grid_size, n_distinct, repeated_trial
from .members import (check_members, check_readable, list_task_type, member_estimator,
                      target_scale_problem)
from .._warnings import warn_user
from ..estimators._preprocess import arrow_to_pandas, records_array
from .spaces import (FAMILIES, REGRESSOR_NAMES, bound_to_rows, default_space,  # noqa: F401
                     family_label, family_of, final_model, implied_task_type, param_prefix,
                     step_prefix, task_type_of, to_optuna_space, with_prefix)
from .knowledge_base import KnowledgeBase
from .storage import is_sqlite, make_storage
from .suggest import (STRATEGIES, _n_rows, check_estimator_arg, default_families,
                      infer_task_type, refuse_unreadable_target)
from .warm_start import (FAMILY_PARAM, KEYS_ATTR, SOURCE_ATTR, adaptive_warm_start,
                         warm_start_study)

#: Family names that only a regression search uses (an unfitted search of them is a regressor).
#: ``warm_start`` values: the static lists of :func:`suggest_configs`, and "adaptive" (what
#: "auto" does here): each warm-start trial chosen from the scores of those before it.
WARM_STARTS = (*STRATEGIES, "adaptive")


def _suggest(trial: optuna.Trial, name: str, dist: BaseDistribution) -> Any:
    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, step=dist.step, log=dist.log)
    if isinstance(dist, FloatDistribution):
        return trial.suggest_float(name, dist.low, dist.high, step=dist.step, log=dist.log)
    raise ValueError(f"param_distributions[{name!r}]: unsupported distribution {dist!r}")


class _Objective:
    """Picklable objective: CV score of one trial's configuration (maximised)."""

    def __init__(self, bases: Mapping[str, BaseEstimator], spaces: Mapping[str, dict],
                 multi: bool, X: Any, y: Any, splits: list, scoring: Any, main: str,
                 fit_params: Mapping[str, Any], prefixes: Mapping[str, str] | None = None,
                 score_params: Mapping[str, Any] | None = None, any_metric: bool = False,
                 user_space: bool = False, error_score: Any = np.nan,
                 return_train_score: bool = False,
                 family_fit_params: Mapping[str, Mapping[str, Any]] | None = None):
        self.bases, self.spaces, self.multi = bases, spaces, multi
        # routed per family (metadata routing with a family list): what each family's fit takes
        self.family_fit_params = None if family_fit_params is None else {
            f: dict(p) for f, p in family_fit_params.items()}
        # the caller's own space: every trial sets every parameter of it (a warm-start
        # trial fixes the ones it knows, the sampler draws the rest), so that no trial runs
        # with the estimator's value of a parameter that may lie outside the space
        self.user_space = user_space
        self.prefixes = dict(prefixes or {})
        self.X, self.y, self.splits, self.scoring, self.main = X, y, splits, scoring, main
        self.fit_params = dict(fit_params)
        self.score_params = dict(score_params or {})
        self.any_metric = any_metric  # refit False/callable: a dict-returning scorer may
        # report any of its metrics (the first by name is optimised)
        self.error_score, self.return_train_score = error_score, return_train_score
        self.skip_repeats = False  # a grid: a configuration already scored is not fitted again
        self.first_number = 0  # the study's first trial of this search (a grid's repeat check)

    def configure(self, trial: optuna.Trial) -> tuple[str, dict[str, Any]]:
        keys = trial.user_attrs.get(KEYS_ATTR)
        if self.multi:
            fam = trial.suggest_categorical(FAMILY_PARAM, sorted(self.spaces))
            space = {f"{fam}__{k}": d for k, d in self.spaces[fam].items()}
        else:
            fam = next(iter(self.spaces))
            space = self.spaces[fam]
        params = {name: _suggest(trial, name, d) for name, d in space.items()
                  if keys is None or self.user_space or name in keys}
        if self.multi:
            params = {k.split("__", 1)[1]: v for k, v in params.items()}
        return fam, params

    def __call__(self, trial: optuna.Trial) -> float:
        fam, params = self.configure(trial)
        if self.skip_repeats:
            claim(trial)
            seen = repeated_trial(trial, self.first_number)
            if seen is not None:
                trial.set_user_attr(REPEAT_ATTR, seen)
                raise optuna.TrialPruned(f"repeats trial {seen}")
        prefix = self.prefixes.get(fam, "")
        est = configured(self.bases[fam], params, prefix)
        fit_prefix = step_prefix(self.bases[fam]) if fam in self.prefixes else ""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                # fit (and score) parameters were routed by MetaSearchCV.fit already (if
                # routing is on): here they go to the estimator's fit and the scorer
                given = self.fit_params if self.family_fit_params is None else \
                    self.family_fit_params.get(fam, {})
                res = cross_validate_scored(est, self.X, self.y, self.splits, self.scoring,
                                            routed_fit_params(given, fit_prefix),
                                            self.score_params, self.error_score,
                                            self.return_train_score)
            except ValueError as exc:  # every fold failed: this trial fails, the search goes on
                if isinstance(self.error_score, str):  # "raise": the fit's own error
                    raise
                lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
                errs = error_lines(lines)
                cause = ((errs[-1] if errs else lines[0])[:500] if lines
                         else type(exc).__name__)
                trial.set_user_attr(ERROR_ATTR, cause)
                res = None
        if res is None:  # warned outside the block that records the fits' warnings
            _warn_failed(trial.number, params, trial.user_attrs[ERROR_ATTR])
            if np.isnan(self.error_score):
                return float("nan")
            res = self._failed_result()  # scored error_score, as scikit-learn's searches
        for key, vals in res.items():
            trial.set_user_attr(key, [float(v) for v in vals])
        error = fit_failure(caught)
        if error:  # kept so that "every trial failed" can say why
            trial.set_user_attr(ERROR_ATTR, error)
        value = float(np.mean(res[metric_to_optimise(res, self.main, self.any_metric)]))
        if np.isnan(value):
            _warn_failed(trial.number, params, error or "a fold scored NaN")
        return value

    def _failed_result(self) -> dict[str, list[float]]:
        """The record of a trial whose folds all failed, with a numeric ``error_score``:
        every known metric (the optimised one at least) scores it in every fold."""
        k = len(self.splits)
        sc = self.scoring
        names = (list(sc) if isinstance(sc, (list, tuple, set, Mapping)) else []) or \
            [self.main]
        parts = ("test", "train") if self.return_train_score else ("test",)
        out = {f"{part}_{m}": [float(self.error_score)] * k for part in parts for m in names}
        out.update({"fit_time": [np.nan] * k, "score_time": [np.nan] * k,
                    FIT_FAILED_ATTR: [1.0] * k})
        return out


def _fits_failed(trial: optuna.trial.FrozenTrial) -> bool:
    """Whether every fold's fit of a finished trial failed (a trial that recorded no scores
    failed before its folds were scored)."""
    failed = trial.user_attrs.get(FIT_FAILED_ATTR)
    if failed is not None:
        return len(failed) > 0 and all(failed)
    return not any(k.startswith("test_") for k in trial.user_attrs)


def _warn_failed(number: int, params: Mapping[str, Any], cause: str) -> None:
    """One warning per failed trial, with its cause (Optuna's own lines say only "nan")."""
    warnings.warn(f"MetaSearchCV: trial {number} failed ({dict(params)}): {cause}",
                  UserWarning, stacklevel=3)


@contextmanager
def _optuna_quiet():
    """Optuna's log level at ERROR for the search (failed trials are warned about with their
    cause), restored afterwards: the user's own level is theirs. Counted under a lock, so
    searches fitted at once in threads restore the level the first one found, not each
    other's ERROR."""
    with _QUIET_LOCK:
        if _QUIET_STATE["depth"] == 0:
            _QUIET_STATE["before"] = optuna.logging.get_verbosity()
            optuna.logging.set_verbosity(optuna.logging.ERROR)
        _QUIET_STATE["depth"] += 1
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _QUIET_STATE["depth"] -= 1
            if _QUIET_STATE["depth"] == 0:
                optuna.logging.set_verbosity(_QUIET_STATE["before"])


_QUIET_LOCK = threading.Lock()
_QUIET_STATE: dict[str, int] = {"depth": 0, "before": 0}


#: Attributes a fit sets (all removed when a new fit starts).
_FITTED = ("best_estimator_", "best_index_", "best_score_", "best_params_", "cv_results_",
           "refit_time_", "classes_", "n_features_in_", "feature_names_in_", "study_",
           "study_name_", "warm_start_params_", "similar_tasks_", "multimetric_", "n_splits_",
           "task_type_", "scorer_",
           "_best_family_params")


def _routed(routed: Any, child: str, method: str) -> dict[str, Any]:
    """Parameters ``process_routing`` sent to ``child.method`` ({} for a child not routed)."""
    try:
        return dict(getattr(getattr(routed, child), method))
    except AttributeError:
        return {}


def _as_step_params(estimator: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    """Fit parameters routed to a Pipeline (by its steps' requests) in the ``step__param``
    form it takes with routing off, nested Pipelines included; other estimators: as given."""
    steps = getattr(estimator, "steps", None)
    if not params or steps is None:
        return dict(params)
    routed = process_routing(estimator, "fit", **params)
    out: dict[str, Any] = {}
    for name, step in steps:
        if step is None or isinstance(step, str) or name not in routed:
            continue
        given = {**routed[name].get("fit", {}), **routed[name].get("fit_transform", {})}
        out.update({f"{name}__{k}": v for k, v in _as_step_params(step, given).items()})
    return out


def _int_seed(random_state: Any) -> int | None:
    """An int seed for Optuna's samplers from scikit-learn's ``random_state`` (None, an int
    or a ``RandomState``, from which one number is drawn)."""
    if isinstance(random_state, (bool, np.bool_)) or not (
            random_state is None or isinstance(random_state, (int, np.integer,
                                                              np.random.RandomState))):
        raise ValueError(f"random_state: expected None, an int or a numpy RandomState, got "
                         f"{random_state!r}")
    if random_state is None or isinstance(random_state, (int, np.integer)):
        if random_state is not None and not 0 <= random_state < 2 ** 32:
            raise ValueError(f"random_state: an int seed must be between 0 and 2**32 - 1, "
                             f"got {random_state}")
        return None if random_state is None else int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def stored_choices_check(param_distributions: Any) -> None:
    """Refuse list choices that an Optuna storage cannot hold as they are (a ``class_weight``
    dict over integer labels comes back with string keys, an estimator object is not JSON):
    the search keeps its study in a storage with ``n_jobs != 1`` or ``storage=``, and such a
    choice would fail the refit after every trial ran (or corrupt ``best_params_``)."""
    plain = (type(None), bool, int, float, str, np.integer, np.floating, np.bool_)
    items = param_distributions.items() if isinstance(param_distributions, Mapping) else []
    for name, d in items:
        if isinstance(d, (list, tuple, np.ndarray)):
            odd = [c for c in d if not isinstance(c, plain)]
            if odd:
                raise ValueError(
                    f"param_distributions[{name!r}]: the choice {odd[0]!r} is not None, a "
                    f"bool, a number or a string; with n_jobs != 1 or a storage the study "
                    f"is stored as JSON, which cannot hold it as it is (dict keys become "
                    f"strings, objects fail): search it with n_jobs=1 and no storage, or "
                    f"name the choices by strings and map them in a Pipeline step")


#: Scorer names whose binary metric needs the positive class (scikit-learn's default 1).
POS_LABEL_SCORERS = frozenset({"f1", "precision", "recall", "jaccard", "average_precision"})


def check_positive_label_scoring(scoring: Any, y: Any) -> None:
    """Refuse, before any trial runs, a binary scorer by name (``"f1"``, ``"precision"``...)
    on two labels of which none is 1: scikit-learn's metric then fails in every fold
    (``pos_label=1 is not a valid label``), and the search would run every trial for that."""
    names = [scoring] if isinstance(scoring, str) else (
        list(scoring) if isinstance(scoring, (list, tuple, set)) else
        list(scoring.values()) if isinstance(scoring, Mapping) else [])
    bad = [n for n in names if isinstance(n, str) and n in POS_LABEL_SCORERS]
    if not bad:
        return
    try:
        labels = np.unique(np.asarray(y).ravel())
    except TypeError:  # mixed labels: refused elsewhere with their own message
        return
    if labels.size == 2 and not any(v == 1 for v in labels.tolist()):
        raise ValueError(
            f"scoring={bad[0]!r} scores class 1 as the positive one, but y's labels are "
            f"{labels.tolist()}; use make_scorer({bad[0]}_score, "
            f"pos_label={labels.tolist()[-1]!r}) (from sklearn.metrics) to say which label "
            f"is positive")


def check_classification_target(scoring: Any, y: Any) -> None:
    """Refuse, before any trial runs, a classification target every trial would fail on: a
    single class (no classifier fits one), or labels that are not numbers under a regression
    metric by name (``"r2"``, ``"neg_mean_squared_error"``...), which subtracts labels."""
    import pandas as pd

    arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    arr = arr.ravel()
    try:
        labels = pd.unique(arr)
    except TypeError:  # unhashable labels: refused elsewhere with their own message
        return
    if len(labels) < 2:
        shown = repr(getattr(labels[0], "item", lambda: labels[0])()) if len(labels) else "none"
        raise ValueError(f"y: a single class ({shown}) in {len(arr)} rows; a classifier "
                         f"needs at least 2 classes")
    if arr.dtype.kind in "biuf":
        return  # numeric labels: a regression metric is odd but computable
    from sklearn.metrics import get_scorer

    names = [scoring] if isinstance(scoring, str) else (
        list(scoring) if isinstance(scoring, (list, tuple, set)) else
        list(scoring.values()) if isinstance(scoring, Mapping) else [])
    for name in names:
        if not isinstance(name, str):
            continue
        try:
            func = get_scorer(name)._score_func
        except (ValueError, AttributeError):  # unknown names: refused by the scorer check
            continue
        if getattr(func, "__module__", "").startswith("sklearn.metrics._regression"):
            raise ValueError(f"scoring={name!r} is a regression metric, and y holds class "
                             f"labels that are not numbers ({', '.join(map(repr, labels[:3].tolist()))}"
                             f"{', ...' if len(labels) > 3 else ''}); "
                             f"choose a classification metric such as 'accuracy' or "
                             f"'neg_log_loss'")


#: A target whose spread is below this has squared errors that underflow float64 (1e-308).
TINY_TARGET_SPREAD = 1e-150


def check_column_names(X: Any) -> None:
    """Refuse a DataFrame with duplicated column names or names mixing strings and other
    types (scikit-learn refuses both, deep inside every fit)."""
    import pandas as pd

    if not isinstance(X, pd.DataFrame):
        return
    dup = X.columns[X.columns.duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"X: duplicated column names {dup[:5]}; every column needs its "
                         f"own name")
    kinds = {type(c) for c in X.columns if not isinstance(c, str)}
    if kinds and any(isinstance(c, str) for c in X.columns):
        raise ValueError(f"X: column names mix strings and {sorted(k.__name__ for k in kinds)}"
                         f"; scikit-learn needs all of them strings (X.columns = "
                         f"X.columns.astype(str))")


def check_target_present(y: Any) -> None:
    """Refuse a target with missing values (None, NaN, pandas NA), naming how many."""
    import pandas as pd

    y_arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    if y_arr.dtype.kind in "biu" or y_arr.size == 0:
        return
    miss = int(pd.isna(pd.DataFrame(y_arr.reshape(len(y_arr), -1))).to_numpy().sum())
    if miss:
        raise ValueError(f"y: contains {miss} missing value(s); drop those rows first")


def check_search_data(X: Any, y: Any, single_output: bool = True,
                      need_columns: bool = True) -> None:
    """Refuse, before any trial runs, what would make every fit fail: a target with missing
    values, rows of ``X`` and ``y`` that do not match, infinite values in ``X``, duplicated
    or mixed-type column names, no rows; with ``need_columns`` (every model but a user's
    single estimator, whose pipeline may make columns), no columns; with ``single_output``
    (models the search builds), a ``y`` of several columns."""
    import pandas as pd

    from ..estimators._preprocess import (infinite_columns, mixed_labels_message,
                                          warn_number_text_columns)

    n = _n_rows(X)
    shape = getattr(X, "shape", None)
    if shape is None and n is not None:
        try:
            shape = np.shape(X)
        except ValueError:  # ragged rows: left to the estimators' own checks
            shape = None
    if shape is not None and len(shape) == 2 and (
            shape[0] == 0 or (need_columns and shape[1] == 0)):
        raise ValueError(f"X: expected at least one row and one column, got shape "
                         f"{tuple(shape)}; every trial would fail")
    if y is not None:
        y_arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
        if n is not None and len(y_arr) != n:
            raise ValueError(f"y: expected {n} values (one per row of X), got {len(y_arr)}")
        if single_output and y_arr.ndim > 1 and int(np.prod(y_arr.shape[1:])) != 1:
            raise ValueError(f"y: expected one target column, got shape {y_arr.shape}; the "
                             f"families MetaSearchCV builds and its knowledge base are "
                             f"single-output (pass a multi-output estimator instance with "
                             f"param_distributions to search it)")
        check_target_present(y_arr)
        if y_arr.dtype.kind == "f":
            n_inf = int(np.isinf(y_arr).sum())
            if n_inf:
                raise ValueError(f"y: contains {n_inf} infinite value(s); drop or replace "
                                 f"them first")
            big = float(np.abs(y_arr).max()) if y_arr.size else 0.0
            spread = float(np.std(y_arr / big)) * big if big > 0 else 0.0
            with np.errstate(over="ignore"):
                overflows = not np.isfinite(spread * spread * len(y_arr))
            if overflows:
                raise ValueError(f"y: values too large (up to {big:.3g}): sums of their "
                                 f"squares overflow float64 in every model and score; "
                                 f"rescale the target (e.g. divide by 1e100)")
            if 0 < spread < TINY_TARGET_SPREAD:
                raise ValueError(f"y: values that vary by only {spread:.3g}: their squared "
                                 f"errors underflow float64, so every model would score as "
                                 f"perfect while learning nothing; rescale the target (e.g. "
                                 f"multiply by 1e100)")
        if y_arr.dtype == object:
            try:
                np.unique(y_arr)
            except TypeError:  # e.g. ["a", 1]: every classifier's label encoding fails
                raise ValueError(mixed_labels_message(y_arr)) from None
    if isinstance(X, pd.DataFrame):
        check_column_names(X)
        bad = [str(c) for c in infinite_columns(X)]
        warn_number_text_columns(X)
    elif hasattr(X, "tocsr"):
        bad = ["(sparse)"] if np.isinf(X.tocsr().data).any() else []
    else:
        try:
            arr = np.asarray(X, dtype=float)
        except (TypeError, ValueError):
            return  # non-numeric arrays: left to the estimators' own checks
        bad = ["?"] if np.isinf(arr).any() else []
    if bad:
        cols = "" if bad in (["?"], ["(sparse)"]) else f" (columns {bad[:5]})"
        raise ValueError(f"X: contains infinity{cols}; replace it before searching (by NaN: "
                         f"the estimators the search builds impute missing values)")


def beyond_float32_columns(X: Any) -> list:
    """Columns (names, or positions for arrays) of numbers of ``X`` with finite values beyond
    the float32 range (|x| > 3.4e38): tree ensembles of scikit-learn cast ``X`` to float32 and
    refuse them as infinite."""
    import pandas as pd

    limit = float(np.finfo(np.float32).max)
    if isinstance(X, pd.DataFrame):
        num = X.select_dtypes("number")
        if num.shape[1] == 0:
            return []
        A, names = num.to_numpy(dtype=np.float64, na_value=np.nan), list(num.columns)
    elif hasattr(X, "tocsr"):
        A, names = abs(X.tocsr()).max(axis=0).toarray(), list(range(X.shape[1]))
    else:
        try:
            A = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError):
            return []
        if A.ndim != 2:
            return []
        names = list(range(A.shape[1]))
    with np.errstate(invalid="ignore"):
        big = np.any(np.isfinite(A) & (np.abs(A) > limit), axis=0)
    return [names[j] for j in np.flatnonzero(big)]


def check_sample_weight(weights: Any, n_rows: int | None, where: str) -> None:
    """Refuse, before any trial runs, sample weights that would fail every fold (or fail
    with a fold's row count in the message): not one per row of ``X``, missing or infinite,
    or none positive (negative ones are left to the estimator, as scikit-learn does)."""
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"sample_weight (for {where}): expected numbers, got "
                         f"{type(weights).__name__}") from None
    if w.ndim != 1 or (n_rows is not None and len(w) != n_rows):
        raise ValueError(f"sample_weight (for {where}): expected {n_rows} values (one per row "
                         f"of X), got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"sample_weight (for {where}): contains "
                         f"{int((~np.isfinite(w)).sum())} missing or infinite value(s)")
    if not w.sum() > 0:
        raise ValueError(f"sample_weight (for {where}): expected at least one positive weight")


#: Trial attribute holding why its fits failed (the last line of the first failure).


def fit_failure(caught: list) -> str | None:
    """The exception line of the first failed fit reported by scikit-learn's
    ``FitFailedWarning`` (which carries the tracebacks) or of the first failed scoring
    ("Scoring failed ... Details:"), or None."""
    from sklearn.exceptions import FitFailedWarning

    for w in caught:
        text = str(w.message)
        if issubclass(w.category, FitFailedWarning) or text.startswith("Scoring failed"):
            lines = [ln.strip() for ln in text.split("Details:")[-1].splitlines()
                     if ln.strip()]
            errs = error_lines(lines)
            return (errs[0] if errs else lines[-1])[:500] if lines else None
    return None


def error_lines(lines: list[str]) -> list[str]:
    """The lines of a traceback that state an exception (``ValueError: ...``; or any
    ``dotted.Name: ...`` such as ``pyarrow.lib.ArrowInvalid: ...`` when none does)."""
    errs = [ln for ln in lines if re.match(r"^[A-Za-z_.]*(Error|Exception)\b", ln)]
    return errs or [ln for ln in lines if re.match(r"^[A-Za-z_][\w.]*: ", ln)]


def takes_sparse(estimator: BaseEstimator) -> bool:
    """Whether ``estimator`` accepts scipy sparse ``X`` (scikit-learn's input tags): a
    Pipeline as its first step says, otherwise the model that learns (inside a
    ``TransformedTargetRegressor`` too, which passes ``X`` on as it is)."""
    from sklearn.pipeline import Pipeline

    target = estimator if isinstance(estimator, Pipeline) else final_model(estimator)
    try:
        return bool(get_tags(target).input_tags.sparse)
    except (AttributeError, TypeError, ValueError):  # no tags: let its trials say
        return True


def _n_indexed(index: Any) -> int:
    """Rows a split's training part selects: indices, or a boolean mask's True entries."""
    arr = np.atleast_1d(np.asarray(index))
    return int(np.count_nonzero(arr)) if arr.dtype == bool else len(arr)


def sparse_problem(estimator: BaseEstimator, shape: tuple[int, int]) -> str | None:
    """Why ``estimator`` cannot fit a scipy sparse ``X`` of ``shape``: it takes dense input
    only, or it densifies sparse input (MetaMLP) and this one is beyond its limit; None when
    it can."""
    model = final_model(estimator)
    name = type(model).__name__
    if not takes_sparse(estimator):
        return f"{name} takes no sparse X (densify it, X.toarray(), to keep it)"
    limit = getattr(model, "_max_dense_cells", None)
    if limit is not None and int(shape[0]) * int(shape[1]) > limit:
        return (f"{name} densifies sparse X, and {shape[0]} x {shape[1]} is beyond its "
                f"{limit:,} cells (reduce the columns, e.g. with TruncatedSVD)")
    return None


def unusable_families(bases: Mapping[str, BaseEstimator], fit_params: Mapping[str, Any],
                      scoring: Any, sparse: tuple[int, int] | bool = False,
                      family_fit_params: Mapping[str, Mapping[str, Any]] | None = None
                      ) -> dict[str, str]:
    """``{family: reason}`` for the families whose model takes no fit parameter given (e.g.
    ``sample_weight`` for k-nearest neighbours), has none of the methods a scorer needs
    (e.g. ``predict_proba`` for ``neg_log_loss``: SVC) or, with sparse ``X`` (``sparse``: its
    shape; True: any shape), cannot read it (HistGradientBoosting; MetaMLP beyond the size it
    densifies): every trial of theirs would fail."""
    from sklearn.metrics import get_scorer
    from sklearn.utils.validation import has_fit_parameter

    if isinstance(scoring, dict):
        named = list(scoring.items())
    elif isinstance(scoring, (list, tuple, set)):
        named = [(s, s) for s in scoring]
    else:
        named = [] if scoring is None else [(scoring, scoring)]
    needs = []
    for name, sc in named:
        try:
            scorer = get_scorer(sc) if isinstance(sc, str) else sc
        except ValueError:
            continue  # an unknown name is reported by the scorer check
        rm = getattr(scorer, "_response_method", None)
        if rm is not None:
            needs.append((name if isinstance(name, str) else repr(name),
                          (rm,) if isinstance(rm, str) else tuple(rm)))
    out = {}
    for fam, base in bases.items():
        model = final_model(base)
        if sparse is not False:
            why = sparse_problem(base, sparse if isinstance(sparse, tuple) else (0, 0))
            if why is not None:
                out[fam] = why
                continue
        given = fit_params if family_fit_params is None else family_fit_params.get(fam, {})
        missing = [k for k in given if not has_fit_parameter(model, k)]
        if missing:
            out[fam] = f"{type(model).__name__}.fit takes no {missing[0]!r}"
            continue
        for name, methods in needs:
            if not any(hasattr(base, m) for m in methods):
                out[fam] = (f"{type(model).__name__} has no {' or '.join(methods)}, which "
                            f"scoring {name!r} needs")
                break
    return out


def routed_fit_params(fit_params: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Fit parameters (e.g. ``sample_weight``) addressed to the model inside the
    preprocessing pipeline the search added (``model__sample_weight``)."""
    return {prefix + k: v for k, v in fit_params.items()}


def configured(base: BaseEstimator, params: Mapping[str, Any], prefix: str = ""
               ) -> BaseEstimator:
    """A clone of ``base`` with ``params`` set (under ``prefix`` when ``base`` wraps the model
    in a preprocessing pipeline)."""
    return clone(base).set_params(**{prefix + k: v for k, v in params.items()})


class _Progress:
    """Optuna callback: one line per finished trial (``verbose=1``)."""

    def __init__(self, n_trials: int):
        self.n_trials, self.start = n_trials, time.perf_counter()

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        try:
            best = f"{study.best_value:.4f}"
        except ValueError:  # no trial completed yet
            best = "-"
        if REPEAT_ATTR in trial.user_attrs:
            print(f"[MetaSearchCV] repeat of trial {trial.user_attrs[REPEAT_ATTR] + 1}: not "
                  f"fitted again", flush=True)
            return
        value = "failed" if trial.value is None else f"{trial.value:.4f}"
        source = ("warm start" if SOURCE_ATTR in trial.user_attrs else "sampler")
        k = len(finished_trials(study))  # repeats of a grid and interrupted trials not counted
        print(f"[MetaSearchCV] trial {k}/{self.n_trials} ({source}): {value}, "
              f"best {best}, {time.perf_counter() - self.start:.1f}s", flush=True)


def warm_start_params_that_ran(study: optuna.Study, multi: bool = False,
                               task_type: str | None = None) -> list[dict[str, Any]]:
    """Parameters of the warm-start trials that finished (as listed in ``cv_results_``);
    trials still queued when the budget or timeout ended never ran."""
    finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL)
    return [display_params(t.params, task_type) if multi else dict(t.params)
            for t in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number)
            if SOURCE_ATTR in t.user_attrs and t.state in finished]


def display_params(params: Mapping[str, Any], task_type: str | None = None
                   ) -> dict[str, Any]:
    """A trial's parameters as ``cv_results_["params"]`` lists them: across families
    ``{"estimator": family, <parameter>: value}`` without Optuna's ``family__`` prefixes
    (a regression search names Ridge and SVR ``"ridge"`` and ``"svr"``)."""
    p = dict(params)
    if FAMILY_PARAM not in p:
        return p
    fam = family_label(p.pop(FAMILY_PARAM), task_type)
    return {FAMILY_PARAM: fam, **{k.split("__", 1)[1]: v for k, v in p.items()}}


def _run_worker(storage: Any, name: str, sampler: Any, objective: _Objective,
                n_trials: int, wall_deadline: float | None, callbacks: list,
                first: bool = False) -> None:
    """One worker process's share of the trials. ``wall_deadline``: ``time.time()`` by which
    to stop, so that the time a worker takes to start (a fresh process importing torch and
    scikit-learn) counts against the search's ``timeout``; the ``first`` worker runs one
    trial even when it starts after it."""
    timeout = None if wall_deadline is None else wall_deadline - time.time()
    if timeout is not None and timeout <= 0:
        if not first:
            return  # started after the deadline: no trial
        timeout, n_trials = None, 1  # one trial, as a serial search always finishes one
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # a worker process of its own
    study = optuna.load_study(study_name=name, storage=make_storage(storage), sampler=sampler)
    study.optimize(objective, n_trials=n_trials, timeout=timeout, callbacks=callbacks)


class AllTrialsFailedError(ValueError, RuntimeError):
    """Every fit of every trial failed. A ``ValueError``, as scikit-learn's searches raise
    then ("All the N fits failed"), and a ``RuntimeError``, as earlier versions raised."""


def warn_target_scale(estimator: Any, y: Any) -> None:
    """Warn where a user's own SVR is to learn a target far from unit scale."""
    problem = target_scale_problem(estimator, y)
    if problem is not None:
        warn_user(problem)


class MetaSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Hyper-parameter search with Optuna, warm-started from past tasks.

    Parameters
    ----------
    estimator : estimator, family key, list of estimators/family keys, or None
        What to tune. A family key (``"hgb"``, ``"random_forest"``, ``"ridge"``, ... see
        :data:`~sklearn_meta.search.spaces.FAMILY_ALIASES`) builds that family's model for
        the task type of ``y``. None (or a list) searches across estimator families as well: one
        member per family; instances (Pipelines too) keep their settings; models built from
        family keys go behind the preprocessing when ``X`` needs it and always for SVC,
        kNN and logistic regression, and regressors learn a standardised target
        (:mod:`~sklearn_meta.search.members`). None: every family of the knowledge base,
        MetaMLP included (kernel SVMs left out beyond 20,000 rows).
    param_distributions : dict, optional
        Search space (Optuna, scipy or list distributions); default: the family's space.
    n_trials : int
        Trials in total (warm-start trials included). When every entry of
        ``param_distributions`` is a list (a grid), each configuration runs at most once, as
        in scikit-learn's ``RandomizedSearchCV``: a repeated proposal is pruned and an
        untried configuration runs instead, and a grid smaller than ``n_trials`` runs once
        through, with a warning (:mod:`sklearn_meta.search.grid`).
    warm_start : {"auto", "adaptive", "embedding", "meta-features", "portfolio"} or None
        How to seed the search from the knowledge base; None/False for a cold search.
        With a warm start the first warm-start trials are the estimator's own settings (a
        list's instances each, in list order; a single family key: its default); they
        count towards ``n_warm_start``.
        "auto" (= "adaptive"): the estimator's default, then warm-start trials chosen one at
        a time from the knowledge-base candidates, each from the scores of those before it
        (past tasks that rank the tried configurations as this task does count more;
        :mod:`sklearn_meta.search.adaptive`; best on the held-out benchmark,
        ``benchmarks/results/warm_start.md``). The other values enqueue the fixed list of
        :func:`~sklearn_meta.search.suggest_configs` with that strategy.
    sampler : optuna sampler, optional
        Copied for every fit; default ``TPESampler(seed=random_state)``.
    storage : str or optuna storage, optional
        Where the study lives; a server database URL lets several processes/machines share
        it. SQLite is refused with ``n_jobs > 1``.
    study_name : str, optional
        Default None: a fresh study per ``fit`` (nothing leaks between fits, e.g. under
        ``cross_validate``). A name (with ``storage``) resumes that study when it exists: an
        interrupted search continues up to ``n_trials`` finished trials in all, its warm
        start where it stopped. Use a name with one data set only.
    task_type : {"classification", "regression"} or None, default=None
        Searches across families: None reads it from ``y`` (integers with more than 50
        distinct values are regression, whole-number floats with few values are classes; a
        warning says so where that goes against the dtype); set it to decide. An estimator
        instance decides by itself (a contradicting value is an error).
    cv, scoring, refit, n_jobs, random_state : as in scikit-learn's searches.
        ``scoring`` may name several metrics, or be a callable returning a dict of them;
        ``refit`` then names the one optimised. With metadata routing enabled, parameters
        the scorer requests (e.g. ``sample_weight``) reach it, indexed to each fold.
        ``n_jobs > 1`` runs that many worker processes on a shared study; which trials
        they run then depends on their timing, so ``random_state`` makes a search
        repeatable with ``n_jobs=1`` only (as with Optuna's own parallel optimisation).
    error_score : "raise" or float, default=np.nan
        As in scikit-learn's searches: the score of a fold whose fit (or a metric) failed;
        ``"raise"`` raises the error and stops the search. With NaN a trial whose folds all
        fail is recorded as failed in Optuna; with a number it completes with that score.
        The search goes on either way, and fails only when every fit of every trial failed.
    return_train_score : bool, default=False
        Also score each fold's training rows (``split<i>_train_<metric>``,
        ``mean_train_<metric>``, ``std_train_<metric>`` in ``cv_results_``).
    timeout : float, optional
        Seconds from the start of the trials (with ``n_jobs > 1`` the workers' start-up
        counts too); stop starting new trials after it.
    n_warm_start : int
        How many warm-start trials to run (capped at ``n_trials``), the estimator's own
        settings included; 0: none.
    knowledge_base : KnowledgeBase or path, optional
        Default: the packaged one of the task type.
    verbose : int, default=0
        1: a line per finished trial (its score, the best so far, warm start or sampler).

    Attributes (besides scikit-learn's ``best_params_``, ``best_score_``, ``best_estimator_``,
    ``cv_results_`` with a ``warm_start`` column: rank of a warm-start trial, -1 otherwise)
    ----------
    study_ : optuna.Study
    warm_start_params_ : list of dict
        Parameters of the warm-start trials that ran, in order.
    similar_tasks_ : list of (str, float)
        With the adaptive warm start: the knowledge-base tasks whose results best match the
        scores seen here, with their evidence weights (empty without evidence).
    task_type_ : {"classification", "regression"}
        Searches across families only: the task type the family list's instances or ``y``
        set (built models, scorers and the estimator type follow it).
    """

    def __init__(self, estimator: Any = None, param_distributions: Mapping | None = None,
                 n_trials: int = 20, warm_start: str | None = "auto", sampler: Any = None,
                 storage: Any = None, cv: Any = 5, scoring: Any = None, n_jobs: int = 1,
                 timeout: float | None = None, refit: bool | str = True,
                 random_state: int | None = None, n_warm_start: int = 10,
                 knowledge_base: Any = None, verbose: int = 0,
                 study_name: str | None = None, task_type: str | None = None,
                 error_score: Any = np.nan, return_train_score: bool = False):
        self.estimator = estimator
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.task_type = task_type
        self.param_distributions = param_distributions
        self.n_trials = n_trials
        self.warm_start = warm_start
        self.sampler = sampler
        self.storage = storage
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.timeout = timeout
        self.refit = refit
        self.random_state = random_state
        self.n_warm_start = n_warm_start
        self.knowledge_base = knowledge_base
        self.verbose = verbose
        self.study_name = study_name

    # ------------------------------------------------------------------ setup
    def _check_params(self) -> None:
        if not isinstance(self.n_trials, (int, np.integer)) or isinstance(self.n_trials, bool) \
                or self.n_trials < 1:
            raise ValueError(f"n_trials must be a positive integer, got {self.n_trials!r}")
        if self.warm_start not in (None, False) and self.warm_start not in WARM_STARTS:
            raise ValueError(f"warm_start must be one of {WARM_STARTS} or None, "
                             f"got {self.warm_start!r}")
        check_estimator_arg(self.estimator)
        if self.task_type not in (None, "classification", "regression"):
            raise ValueError(f"task_type must be None (read from y), 'classification' or "
                             f"'regression', got {self.task_type!r}")
        if self.task_type is not None and isinstance(self.estimator, BaseEstimator) and \
                task_type_of(self.estimator) != self.task_type:
            raise ValueError(f"task_type={self.task_type!r} contradicts the estimator "
                             f"{type(self.estimator).__name__}, a "
                             f"{task_type_of(self.estimator)} model")
        if self.timeout is not None and (isinstance(self.timeout, bool) or not isinstance(
                self.timeout, (int, float, np.integer, np.floating)) or not self.timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds or None, got "
                             f"{self.timeout!r}")
        if self.sampler is not None and not isinstance(self.sampler,
                                                       optuna.samplers.BaseSampler):
            raise TypeError(f"sampler: expected an optuna sampler instance (e.g. "
                            f"optuna.samplers.TPESampler()), got {self.sampler!r}")
        if not isinstance(self.n_warm_start, (int, np.integer)) or \
                isinstance(self.n_warm_start, bool) or self.n_warm_start < 0:
            raise ValueError(f"n_warm_start must be a non-negative integer, got "
                             f"{self.n_warm_start!r}")
        if self.knowledge_base is not None and not isinstance(self.knowledge_base,
                                                              (KnowledgeBase, str, Path)):
            raise TypeError(f"knowledge_base: expected a KnowledgeBase, a path to a knowledge "
                            f"base file or None, got {type(self.knowledge_base).__name__}")
        if not isinstance(self.n_jobs, (int, np.integer)) or self.n_jobs == 0:
            raise ValueError(f"n_jobs must be a non-zero integer, got {self.n_jobs!r}")
        if self.study_name is not None and (not isinstance(self.study_name, str)
                                            or not self.study_name):
            raise ValueError(f"study_name must be a non-empty string or None, got "
                             f"{self.study_name!r}")
        if self.study_name is not None and self.storage is None:
            raise ValueError("study_name: give a storage (a journal file path or a database "
                             "URL) to resume a named study from; without one each fit is "
                             "a fresh in-memory study")
        if not (isinstance(self.error_score, str) and self.error_score == "raise") and (
                isinstance(self.error_score, (bool, np.bool_)) or
                not isinstance(self.error_score, (int, float, np.integer, np.floating))):
            raise ValueError(f"error_score must be the string 'raise' or a number (NaN by "
                             f"default), got {self.error_score!r}")
        if not isinstance(self.return_train_score, (bool, np.bool_)):
            raise ValueError(f"return_train_score must be True or False, got "
                             f"{self.return_train_score!r}")
        if not isinstance(self.verbose, (int, np.integer)) or self.verbose < 0:
            raise ValueError(f"verbose must be a non-negative integer, got {self.verbose!r}")
        if (self.n_jobs != 1 or self.storage is not None) and \
                self.param_distributions is not None:
            stored_choices_check(self.param_distributions)
        if self.n_jobs != 1 and is_sqlite(self.storage):
            raise ValueError("storage: SQLite cannot be shared by several worker processes "
                             "(n_jobs != 1); use a journal storage or a server database "
                             "URL such as postgresql://...")

    def _bases_and_spaces(self, X: Any, y: Any, seed: int | None = None
                          ) -> tuple[dict, dict, bool, dict]:
        """Estimators and spaces per family, whether families are searched, and per family
        the prefix of the model's parameters (``model__`` where the search added
        preprocessing: estimators it builds itself get it when ``X`` has non-numeric columns
        or missing values)."""
        est = self.estimator
        if isinstance(est, str):  # one family key, e.g. "hgb" or "ridge": a one-member list
            est = [est]
        if est is not None and not isinstance(est, (list, tuple)):
            if self.param_distributions is not None:
                space = to_optuna_space(self.param_distributions)
            else:
                space = with_prefix(default_space(est), param_prefix(est))
            try:
                fam = family_of(est)
            except ValueError:
                fam = type(est).__name__
            check_readable(est, X)  # a bare model that cannot read X: every trial would fail
            warn_target_scale(est, y)
            return {fam: est}, {fam: space}, False, {}
        if self.param_distributions is not None:
            raise ValueError("param_distributions: not supported for a family key or when "
                             "searching across families (estimator=None or a list); pass "
                             "an estimator instance to search your own space")
        task_type = list_task_type(est or [], y, self.task_type or self._implied_task_type(),
                                   infer_task_type)
        self.task_type_ = task_type
        members = est if est is not None else default_families(task_type, _n_rows(X))
        bases, spaces, prefixes = {}, {}, {}
        for m, fam in zip(members, check_members(members)):
            if isinstance(m, BaseEstimator):  # the user's own model, used as given
                check_readable(m, X)
                warn_target_scale(m, y)
            bases[fam], prefixes[fam] = member_estimator(m, fam, task_type, X,
                                                         random_state=seed)
            spaces[fam] = FAMILIES[fam].space_for(task_type)
        return bases, spaces, True, prefixes

    def _scoring(self, base: BaseEstimator) -> tuple[Any, str, bool]:
        sc = self.scoring
        multi = isinstance(sc, (list, tuple, set, dict))
        if callable(sc) and isinstance(self.refit, str) and self.refit != "score":
            return sc, self.refit, True  # a callable returning a dict of metrics
        if not multi:
            named = self.refit == "score" or (isinstance(sc, str) and self.refit == sc)
            if not (isinstance(self.refit, bool) or callable(self.refit) or named):
                name = (f"the metric's name ({sc!r})" if isinstance(sc, str) else
                        "'score' (the one metric)")
                raise ValueError(f"refit: with one metric, True/False, a callable or "
                                 f"{name}, got {self.refit!r}")
            return sc, "score", False
        names = list(sc) if not isinstance(sc, dict) else list(sc.keys())
        if isinstance(self.refit, str):
            if self.refit not in names:
                raise ValueError(f"refit={self.refit!r} is not one of the scoring metrics "
                                 f"{names}")
            return sc, self.refit, True
        if self.refit is True:
            raise ValueError(f"refit: with several metrics, refit must name the metric to "
                             f"optimise and refit on (one of {names}), be a callable, or be "
                             f"False")
        return sc, names[0], True  # the sampler maximises the first metric

    # -------------------------------------------------------------------- fit
    def fit(self, X: Any, y: Any = None, groups: Any = None, **fit_params: Any):
        """Run a fresh study on ``(X, y)`` and refit the best configuration."""
        with _optuna_quiet():
            return self._fit(X, y, groups, **fit_params)

    def _fit(self, X: Any, y: Any = None, groups: Any = None, **fit_params: Any):
        self._check_params()
        for attr in _FITTED:  # nothing of an earlier fit may survive this one
            if attr in self.__dict__:
                delattr(self, attr)
        X = arrow_to_pandas(X)  # pyarrow / polars tables: column types kept
        est = self.estimator
        user_models = hasattr(est, "fit") or (isinstance(est, (list, tuple)) and
                                              any(hasattr(e, "fit") for e in est))
        if not user_models:  # records mixing numbers and text: numbers stay numbers
            X = records_array(X)
        supervised = not isinstance(est, BaseEstimator) or \
            is_classifier(final_model(est)) or is_regressor(final_model(est))
        if y is None and supervised:  # fail before any trial runs
            raise ValueError("requires y to be passed, but the target y is None")
        check_search_data(X, y, single_output=not user_models,
                          need_columns=not isinstance(est, BaseEstimator))
        if y is not None:
            refuse_unreadable_target(y, fitting=True)
            check_positive_label_scoring(self.scoring, y)
        if not user_models and y is not None and np.ndim(y) == 2:
            # one target column, as scikit-learn's regressors take it: 1-D predictions (a
            # (n, 1) prediction broadcasts silently against a 1-D test target)
            warnings.warn("A column-vector y was passed when a 1d array was expected; it is "
                          "read as y.ravel() (the models the search builds are single-output)",
                          DataConversionWarning, stacklevel=3)
            y = y.iloc[:, 0] if hasattr(y, "iloc") else np.asarray(y).reshape(-1)
        if isinstance(est, BaseEstimator) and supervised:
            infer_task_type(y, task_type_of(est))  # y suits the estimator: labels, numbers
        score_params: dict[str, Any] = {}
        routed = None
        if _routing_enabled():
            extra = {} if groups is None else {"groups": groups}
            routed = process_routing(self, "fit", **extra, **fit_params)
            if not isinstance(est, BaseEstimator):  # per family, once the families are known
                routed_fit = {k: v for k, v in fit_params.items() if k == "sample_weight"}
                for name, _ in self._routed_members():
                    routed_fit.update(_routed(routed, name, "fit"))
                fit_params = routed_fit
            else:  # fits run with routing off (as the trials): a Pipeline's by step prefix
                fit_params = _as_step_params(est, _routed(routed, "estimator", "fit"))
            score_params = _routed(routed, "scorer", "score")
            groups = _routed(routed, "splitter", "split").get("groups")
        for key in ("sample_weight",):
            if fit_params.get(key) is not None:
                check_sample_weight(fit_params[key], _n_rows(X), where="fit")
            if score_params.get(key) is not None:
                check_sample_weight(score_params[key], _n_rows(X), where="the scorer")
        seed = _int_seed(self.random_state)
        bases, spaces, multi, prefixes = self._bases_and_spaces(X, y, seed)
        family_fit = None if routed is None or isinstance(est, BaseEstimator) else \
            self._family_fit_params(routed, fit_params, bases)
        if not multi and hasattr(X, "tocsr"):
            only = next(iter(bases.values()))
            if not takes_sparse(only):
                raise ValueError(f"X: sparse, and {type(final_model(only)).__name__} takes "
                                 f"dense input only (every trial would fail); pass "
                                 f"X.toarray(), or an estimator that accepts sparse X")
            why = sparse_problem(only, X.shape)
            if why is not None:
                raise ValueError(f"X: sparse, and {why}; every trial would fail")
        user_keys = [str(k) for k in (self.param_distributions or {})]
        # (unless the space may give it the method: SVC's probability, a swapped step)
        current = (est.get_params(deep=True) if isinstance(est, BaseEstimator) else {})
        may_change = any(k.endswith("probability") or (
            "__" not in k and hasattr(current.get(k), "fit")) for k in user_keys)
        if not multi and not may_change:  # no method the scorer needs: every trial fails
            lacking = unusable_families(bases, {}, self.scoring)
            if lacking:
                raise ValueError(f"scoring: {next(iter(lacking.values()))}; every trial would "
                                 f"fail (choose another scorer or estimator)")
        if multi:  # families that would fail every trial would waste the budget
            unusable = unusable_families(bases, fit_params, self.scoring,
                                         sparse=tuple(X.shape) if hasattr(X, "tocsr")
                                         else False,
                                         family_fit_params=family_fit)
            big = beyond_float32_columns(X)
            for fam in ("random_forest", "extra_trees"):  # they cast X to float32
                if (big and fam in bases and not step_prefix(bases[fam])
                        and fam not in unusable):
                    unusable[fam] = (f"X holds values beyond the float32 range (columns "
                                     f"{big[:5]}), which its trees cannot read; rescale them "
                                     f"to keep it")
            if len(unusable) == len(bases):
                raise ValueError("no family can be searched: " + "; ".join(
                    f"{f}: {why}" for f, why in unusable.items()))
            if unusable:
                warnings.warn("left out of the search: " + "; ".join(
                    f"{f} ({why})" for f, why in unusable.items()), UserWarning, stacklevel=3)
                for f in unusable:
                    bases.pop(f), spaces.pop(f), prefixes.pop(f, None)
        first = next(iter(bases.values()))
        if y is not None and (self.task_type_ == "classification" if multi else
                              is_classifier(final_model(first))):
            check_classification_target(self.scoring, y)
        scoring, main, multimetric = self._scoring(first)
        try:  # an unknown metric name fails here, not after every trial
            self._scorer(first)
        except ValueError as exc:
            raise ValueError(f"scoring: {exc}") from None
        try:  # sklearn's own messages name n_splits, which the caller never set
            cv = check_cv(self.cv, y, classifier=is_classifier(first))
            splits = list(cv.split(X, y, groups))
        except ValueError as exc:
            raise ValueError(f"cv={self.cv!r}: {exc}") from None
        train_rows = min((_n_indexed(tr) for tr, _ in splits), default=None) or None
        if multi or self.param_distributions is None:  # the default spaces, not the user's
            spaces = {f: bound_to_rows(s, train_rows) for f, s in spaces.items()}
        storage = self.storage
        tmpdir = None
        if self.n_jobs != 1 and storage is None:  # workers need a shared storage
            tmpdir = tempfile.mkdtemp(prefix="metasearchcv-")
            storage = str(Path(tmpdir) / "study.log")
        storage_obj = make_storage(storage)
        name = self.study_name or f"metasearchcv-{uuid.uuid4().hex[:12]}"
        study = optuna.create_study(study_name=name, storage=storage_obj,
                                    direction="maximize",
                                    load_if_exists=self.study_name is not None)
        if study.direction != optuna.study.StudyDirection.MAXIMIZE:
            raise ValueError(f"study_name: the stored study {name!r} minimises; MetaSearchCV "
                             f"maximises its score")
        check_resumable(study, search_fingerprint(
            X, y, bases, spaces, splits, scoring,
            error_score=self.error_score, return_train_score=self.return_train_score))
        if SCORING_ATTR not in study.user_attrs:  # read by KnowledgeBase.add_study
            study.set_user_attr(SCORING_ATTR, metric_label(scoring, main, multimetric))
        first_number = len(study.get_trials(deepcopy=False))  # this search's trials from here
        retry_interrupted(study)
        done = len(finished_trials(study))
        # a resumed study draws anew: the same seed would propose its first trials again
        sampler = (copy.deepcopy(self.sampler) if self.sampler is not None
                   else optuna.samplers.TPESampler(
                       seed=None if seed is None else seed + done))
        study.sampler = sampler
        n_jobs = self.n_jobs if self.n_jobs > 0 else max(1, __import__("os").cpu_count() or 1)
        callbacks: list = [_Progress(self.n_trials)] if self.verbose else []
        n_warm = int(min(self.n_warm_start, self.n_trials))
        if self.warm_start and n_warm > 0:
            target = list(bases) if multi else first
            kb = self.knowledge_base
            if isinstance(kb, (str, Path)):  # a file the user named must load: errors raise
                kb = KnowledgeBase.load(kb)
            space = None if multi else self.param_distributions
            adaptive = self.warm_start in ("auto", "adaptive")
            try:
                # a list's instances: their own settings first, as a single instance's (one
                # family by its key: its default, which a fixed list starts with anyway);
                # they count towards n_warm_start, and the adaptive rule waits for them
                k = self._enqueue_own_settings(study, X, y, bases, kb, n_warm,
                                               family_default=adaptive,
                                               train_rows=train_rows) if multi else 0
                if adaptive:
                    callbacks.append(adaptive_warm_start(
                        study, X, y, target, n=n_warm, search_space=space,
                        knowledge_base=kb, n_waiting=n_jobs, max_trials=self.n_trials,
                        task_type=getattr(self, "task_type_", None), train_rows=train_rows,
                        warn_about_models=False))
                elif n_warm > k:
                    warm_start_study(study, X, y, target, n=n_warm - k,
                                     strategy=self.warm_start, search_space=space,
                                     knowledge_base=kb, first_rank=k,
                                     task_type=getattr(self, "task_type_", None),
                                     train_rows=train_rows, warn_about_models=False)
            except (ValueError, TypeError, FileNotFoundError) as exc:
                # warm start is best-effort: a cold search is still a correct search
                warnings.warn(f"warm start skipped: {exc}", UserWarning, stacklevel=2)
        objective = _Objective(bases, spaces, multi, X, y, splits, scoring, main, fit_params,
                               prefixes, score_params,
                               any_metric=self.refit is False or callable(self.refit),
                               user_space=not multi and self.param_distributions is not None,
                               error_score=self.error_score,
                               return_train_score=bool(self.return_train_score),
                               family_fit_params=family_fit)
        # a grid (every parameter a list): each configuration once, at most the grid's size
        grid = grid_size(spaces[next(iter(spaces))]) if not multi else None
        target = self.n_trials
        if grid is not None:
            if grid < self.n_trials:
                many = "s" if grid > 1 else ""
                warnings.warn(f"param_distributions: its grid has {grid} configuration{many}, "
                              f"fewer than n_trials={self.n_trials}; each runs once ({grid} "
                              f"trial{many})", UserWarning, stacklevel=3)
            target = min(self.n_trials, grid)
            objective.skip_repeats = True
            objective.first_number = first_number
            callbacks.append(GridGuard(spaces[next(iter(spaces))], target, seed))
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        for _ in range(1 if grid is None else 50):  # a grid: pruned repeats are run again
            n_left = max(0, target - len(finished_trials(study)))
            left_s = None if deadline is None else deadline - time.monotonic()
            if not n_left or (left_s is not None and left_s <= 0) or (
                    grid is not None and n_distinct(finished_trials(study)) >= grid):
                break
            if n_jobs == 1:
                study.optimize(objective, n_trials=n_left, timeout=left_s, callbacks=callbacks)
                continue
            from joblib import Parallel, delayed

            shares = [n_left // n_jobs + (i < n_left % n_jobs) for i in range(n_jobs)]
            samplers = []
            for i in range(n_jobs):
                s = copy.deepcopy(sampler)
                if self.sampler is None and seed is not None:
                    s = optuna.samplers.TPESampler(seed=seed + len(finished_trials(study))
                                                   + i * self.n_trials)
                elif i > 0:
                    s.reseed_rng()  # copies of one seeded sampler would propose the same trials
                samplers.append(s)
            wall_deadline = None if left_s is None else time.time() + left_s
            Parallel(n_jobs=n_jobs, backend="loky")(
                delayed(_run_worker)(storage, name, samplers[i], objective, shares[i],
                                     wall_deadline, callbacks,
                                     first=i == 0 and not finished_trials(study))
                for i in range(n_jobs) if shares[i])
            study = optuna.load_study(study_name=name, storage=storage_obj, sampler=sampler)
        if n_jobs != 1 and tmpdir is not None:  # the workers' scratch journal: keep the study
            memory = optuna.storages.InMemoryStorage()  # in memory
            optuna.copy_study(from_study_name=name, from_storage=storage_obj,
                              to_storage=memory)
            study = optuna.load_study(study_name=name, storage=memory, sampler=sampler)
            shutil.rmtree(tmpdir, ignore_errors=True)
        self.study_ = study
        self.study_name_ = name
        self.warm_start_params_ = warm_start_params_that_ran(
            study, multi, getattr(self, "task_type_", None))
        self.similar_tasks_ = next((cb.similar_tasks(study) for cb in callbacks
                                    if hasattr(cb, "similar_tasks")), [])
        self.multimetric_ = multimetric
        self._collect(study, main, multi, len(splits))
        self.n_splits_ = len(splits)
        if self.refit:
            fam, params = self._best_family_params
            prefix = prefixes.get(fam, "")
            self.best_estimator_ = configured(bases[fam], params, prefix)
            fit_prefix = step_prefix(bases[fam]) if fam in prefixes else ""
            refit_params = fit_params if family_fit is None else family_fit.get(fam, {})
            start = time.perf_counter()
            # parameters were routed above: fitted as the trials were, by step prefix
            with warnings.catch_warnings(), config_context(enable_metadata_routing=False):
                warnings.filterwarnings("ignore", message=".*text columns of numbers")
                if y is None:
                    self.best_estimator_.fit(X, **routed_fit_params(refit_params, fit_prefix))
                else:
                    self.best_estimator_.fit(X, y, **routed_fit_params(refit_params,
                                                                       fit_prefix))
            self.refit_time_ = time.perf_counter() - start
            for attr in ("classes_", "n_features_in_", "feature_names_in_"):
                if hasattr(self.best_estimator_, attr):
                    setattr(self, attr, getattr(self.best_estimator_, attr))
        # as scikit-learn's searches: the scorer, or {metric: scorer} for several metrics
        best = getattr(self, "best_estimator_", None)
        if self.multimetric_ and not callable(self.scoring):
            from .cv_scoring import _named_scorers

            self.scorer_ = _named_scorers(best, self.scoring)
        else:
            self.scorer_ = self._scorer(best)
        return self

    def _collect(self, study: optuna.Study, main: str, multi: bool, n_splits: int) -> None:
        trials = finished_trials(study)
        trials.sort(key=lambda t: t.number)
        if not trials:
            raise RuntimeError("no trial finished (timeout too short?)")
        metrics = sorted({k[5:] for t in trials for k in t.user_attrs if k.startswith("test_")})
        if callable(self.scoring) and metrics:
            self.multimetric_ = metrics != ["score"]  # the callable returned a dict (or not)
            if f"test_{main}" not in {f"test_{m}" for m in metrics}:
                main = metrics[0]  # refit False or a callable: what the sampler optimised
        res: dict[str, Any] = {"trial_number": np.array([t.number for t in trials])}
        params_list = []
        for t in trials:
            params_list.append(display_params(t.params, getattr(self, "task_type_", None))
                               if multi else dict(t.params))
        res["params"] = params_list
        for key in sorted({k for p in params_list for k in p}):
            res[f"param_{key}"] = np.ma.MaskedArray(
                np.array([p.get(key) for p in params_list], dtype=object),
                mask=[key not in p for p in params_list])
        parts = ("test", "train") if self.return_train_score else ("test",)
        for m in metrics:
            for part in parts:
                S = np.array([t.user_attrs.get(f"{part}_{m}", [np.nan] * n_splits)
                              for t in trials], dtype=float)
                for i in range(S.shape[1]):
                    res[f"split{i}_{part}_{m}"] = S[:, i]
                mean = S.mean(axis=1)
                res[f"mean_{part}_{m}"] = mean
                res[f"std_{part}_{m}"] = S.std(axis=1)
                if part == "test":
                    # equal scores share the best rank, failed trials come last (as
                    # scikit-learn)
                    filled = np.where(np.isfinite(mean), mean, -np.inf)
                    res[f"rank_test_{m}"] = rankdata(-filled, method="min").astype(np.int32)
        for k in ("fit_time", "score_time"):
            T = [t.user_attrs.get(k, [np.nan]) for t in trials]
            res[f"mean_{k}"] = np.array([np.mean(v) for v in T])
            res[f"std_{k}"] = np.array([np.std(v) for v in T])
        res["warm_start"] = np.array([t.user_attrs.get(SOURCE_ATTR, -1) for t in trials])
        self.cv_results_ = res
        mean = res.get(f"mean_test_{main}")
        some_failed = any(ERROR_ATTR in t.user_attrs or any(t.user_attrs.get(
            FIT_FAILED_ATTR, [])) for t in trials)
        if mean is None or all(_fits_failed(t) for t in trials) or (
                some_failed and not np.isfinite(mean).any()):
            errors = [t.user_attrs[ERROR_ATTR] for t in trials if ERROR_ATTR in t.user_attrs]
            why = (f"; the first failure: {errors[0]}" if errors else
                   "; check the estimator and data")
            raise AllTrialsFailedError(f"every trial failed ({len(trials)} trials){why}")
        if callable(self.refit):  # scikit-learn's contract: refit(cv_results_) -> best index
            index = self.refit(res)
            if not isinstance(index, (int, np.integer)) or not 0 <= index < len(trials):
                raise IndexError(f"refit: the callable returned {index!r}; expected an index "
                                 f"into cv_results_ (0 to {len(trials) - 1})")
            self.best_index_ = int(index)
        elif self.multimetric_ and self.refit is False:
            return  # as scikit-learn: no single best without a metric to refit on
        elif not np.isfinite(mean).any():  # no fit failed, the metric is undefined everywhere
            warnings.warn(f"every trial scored NaN (mean_test_{main}) although the fits "
                          f"succeeded, e.g. R^2 on test folds of one row; the first trial "
                          f"is taken as the best, as scikit-learn's searches do",
                          UserWarning, stacklevel=4)
            self.best_index_, self.best_score_ = 0, float("nan")
        else:
            self.best_index_ = int(np.nanargmax(mean))
            self.best_score_ = float(mean[self.best_index_])
        self.best_params_ = params_list[self.best_index_]
        p = dict(self.best_params_)
        fam = family_of(p.pop(FAMILY_PARAM)) if multi else self._single_family()
        self._best_family_params = (fam, p)

    def _single_family(self) -> str:
        try:
            return family_of(self.estimator)
        except ValueError:
            return type(self.estimator).__name__

    # ------------------------------------------------- scikit-learn protocol
    def __sklearn_tags__(self):
        """The tuned estimator's type (classifier or regressor), as scikit-learn's searches
        pass it on: ``cross_validate`` then stratifies the folds of a classifier search. Across
        families: the type the instances share; family keys only (or ``None``): the type
        comes from ``y`` at fit, so an unfitted search says "classifier" — an outer CV then
        stratifies class labels (sorted labels would otherwise put one class per fold and
        score 0), and scikit-learn still splits a float target with plain K-fold, but an
        integer one (prices, counts) as classes, and ``VotingRegressor`` refuses it: give
        ``task_type="regression"`` there — and a fitted one says what ``y`` made it
        (regression scorers read a regressor)."""
        tags = super().__sklearn_tags__()
        est = self.estimator
        if isinstance(est, str):
            est = [est]
        members = [est] if isinstance(est, BaseEstimator) else [
            m for m in (est or []) if isinstance(m, BaseEstimator)]
        if not members:
            if est is None or isinstance(est, (list, tuple)):
                from sklearn.utils import ClassifierTags, RegressorTags

                if self._reads_as_regression():
                    tags.estimator_type = "regressor"
                    tags.regressor_tags = RegressorTags()
                else:
                    tags.estimator_type = "classifier"
                    tags.classifier_tags = ClassifierTags()
            return tags
        sub = [get_tags(m) for m in members]
        if len({t.estimator_type for t in sub}) == 1:
            tags.estimator_type = sub[0].estimator_type
            tags.classifier_tags = copy.deepcopy(sub[0].classifier_tags)
            tags.regressor_tags = copy.deepcopy(sub[0].regressor_tags)
        if len(sub) == 1:
            tags.input_tags.pairwise = sub[0].input_tags.pairwise
            tags.input_tags.sparse = sub[0].input_tags.sparse
        return tags

    def _enqueue_own_settings(self, study: optuna.Study, X: Any, y: Any,
                              bases: Mapping[str, Any], kb: Any, limit: int,
                              family_default: bool = True,
                              train_rows: int | None = None) -> int:
        """Enqueue the first warm-start trials of a family list: each estimator instance's
        own settings (fitted into its family's space), in list order and at most ``limit``,
        as a single instance's search starts from them; with ``family_default``, a search
        across one family given by its key starts from the family's default. Returns how
        many were enqueued (ranks 0 to that number - 1)."""
        from .suggest import suggest_pairs
        from .warm_start import trial_params

        est = self.estimator
        members: list[Any] = [m for m in est if isinstance(m, BaseEstimator)] \
            if isinstance(est, (list, tuple)) else []
        if not members and family_default and len(bases) == 1 and self._builds_models():
            members = [next(iter(bases))]  # the family's key: its default
        tt = getattr(self, "task_type_", None)
        done = 0
        for member in members:
            if done >= limit:
                break
            pairs, _ = suggest_pairs(X, y, member, 1, "portfolio", knowledge_base=kb,
                                     task_type=tt, train_rows=train_rows,
                                     warn_about_models=False)
            if not pairs or pairs[0][0] not in bases:  # e.g. left out as unusable
                continue
            params = trial_params(*pairs[0], single=False)
            before = len(study.get_trials(deepcopy=False))
            study.enqueue_trial(params, user_attrs={KEYS_ATTR: sorted(params),
                                                    SOURCE_ATTR: done}, skip_if_exists=True)
            done += len(study.get_trials(deepcopy=False)) > before
        return done

    def _routed_members(self) -> list[tuple[str, BaseEstimator]]:
        """``(routing name, instance)`` of the estimator instances in a family list."""
        est = self.estimator
        if not isinstance(est, (list, tuple)):
            return []
        return [(f"member{i}", m) for i, m in enumerate(est) if isinstance(m, BaseEstimator)]

    def _builds_models(self) -> bool:
        """Whether the search builds some of its models itself (``None`` or family keys)."""
        est = self.estimator
        return est is None or isinstance(est, str) or (
            isinstance(est, (list, tuple)) and any(isinstance(m, str) for m in est))

    def _family_fit_params(self, routed: Any, fit_params: Mapping[str, Any],
                           bases: Mapping[str, BaseEstimator]) -> dict[str, dict[str, Any]]:
        """With routing on and a family list: each family's fit parameters, as its instance
        requested them (library-built families: ``sample_weight`` when given)."""
        own = {f: _routed(routed, name, "fit")
               for name, m in self._routed_members() for f in [family_of(m)]}
        built = {k: v for k, v in fit_params.items() if k == "sample_weight"}
        return {fam: own.get(fam, built) for fam in bases}

    def _implied_task_type(self) -> str | None:
        """"regression" when the family keys are all regressor names (``"ridge"``,
        ``"svr"``): the user named a regression model; else None (read from ``y``)."""
        return implied_task_type(self.estimator)

    def _reads_as_regression(self) -> bool:
        """A search of library-built models that is a regression one: fitted on a regression
        target, or (unfitted) given ``task_type="regression"`` or only regressor names."""
        fitted = getattr(self, "task_type_", None)
        if fitted is not None:
            return fitted == "regression"
        return (self.task_type or self._implied_task_type()) == "regression"

    def get_metadata_routing(self) -> MetadataRouter:
        """Metadata routing (``sklearn.set_config(enable_metadata_routing=True)``): fit
        parameters go to the estimator's ``fit`` as it requests them, ``groups`` to the
        splitter."""
        router = MetadataRouter(owner=self)
        if isinstance(self.estimator, BaseEstimator):
            router.add(estimator=self.estimator,
                       method_mapping=MethodMapping().add(caller="fit", callee="fit"))
        else:  # a list's instances request for themselves; library-built models take weights
            for name, member in self._routed_members():
                router.add(**{name: member},
                           method_mapping=MethodMapping().add(caller="fit", callee="fit"))
            if self._builds_models():
                from sklearn.utils.metadata_routing import MetadataRequest

                request = MetadataRequest(owner="MetaSearchCV (the models it builds)")
                request.fit.add_request(param="sample_weight", alias=True)
                if self._scorer() is None:  # their own score methods take weights too
                    request.score.add_request(param="sample_weight", alias=True)
                router.add_self_request(request)
        scorer = self._scorer()
        if scorer is not None:
            router.add(scorer=scorer, method_mapping=MethodMapping()
                       .add(caller="score", callee="score").add(caller="fit", callee="score"))
        router.add(splitter=check_cv(self.cv),
                   method_mapping=MethodMapping().add(caller="fit", callee="split"))
        return router

    # ------------------------------------------------------------ delegation
    def _best(self) -> BaseEstimator:
        """The refitted best estimator; NotFittedError before ``fit`` (or with refit=False)."""
        if not hasattr(self, "best_estimator_"):
            from sklearn.exceptions import NotFittedError

            why = ("refit=False: no best estimator was refitted" if hasattr(self, "study_")
                   else "call fit first")
            raise NotFittedError(f"This {type(self).__name__} instance has no fitted best "
                                 f"estimator ({why}).")
        return self.best_estimator_

    def _has(name: str):  # noqa: N805
        """As scikit-learn's searches: no delegated method with refit=False; else the best
        estimator's (after fit) or the estimator's (before; unknown across families)."""
        def check(self: "MetaSearchCV") -> bool:
            if self.refit is False:
                raise AttributeError(f"{type(self).__name__} has no {name!r} with "
                                     f"refit=False: no best estimator is refitted")
            if hasattr(self, "best_estimator_"):
                getattr(self.best_estimator_, name)
                return True
            if isinstance(self.estimator, BaseEstimator):
                getattr(self.estimator, name)
                return True
            # models the search builds: every family predicts; classifiers give
            # probabilities and decision values; none transforms or scores samples
            members = (self.estimator if isinstance(self.estimator, (list, tuple)) else [])
            if any(hasattr(m, name) for m in members if isinstance(m, BaseEstimator)):
                return True
            if name in ("transform", "inverse_transform", "score_samples") or (
                    name in ("predict_proba", "predict_log_proba", "decision_function")
                    and self._reads_as_regression()):
                raise AttributeError(f"{type(self).__name__}({self.estimator!r}) has no "
                                     f"{name!r}: none of the models it builds has one")
            return True
        return check

    @available_if(_has("predict"))
    def predict(self, X: Any) -> np.ndarray:
        return self._best().predict(arrow_to_pandas(X))

    @available_if(_has("predict_proba"))
    def predict_proba(self, X: Any) -> np.ndarray:
        return self._best().predict_proba(arrow_to_pandas(X))

    @available_if(_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> np.ndarray:
        return self._best().predict_log_proba(arrow_to_pandas(X))

    @available_if(_has("score_samples"))
    def score_samples(self, X: Any) -> np.ndarray:
        return self._best().score_samples(arrow_to_pandas(X))

    @available_if(_has("inverse_transform"))
    def inverse_transform(self, X: Any) -> np.ndarray:
        return self._best().inverse_transform(arrow_to_pandas(X))

    @available_if(_has("decision_function"))
    def decision_function(self, X: Any) -> np.ndarray:
        return self._best().decision_function(arrow_to_pandas(X))

    @available_if(_has("transform"))
    def transform(self, X: Any) -> np.ndarray:
        return self._best().transform(arrow_to_pandas(X))

    def _scorer(self, estimator: Any = None) -> Any:
        """The scorer object of ``scoring`` (several metrics: one scorer returning a dict),
        or None where it needs an estimator and none is known (search across families)."""
        from sklearn.metrics import check_scoring

        est = estimator if estimator is not None else self.estimator
        if callable(self.scoring):
            return self.scoring
        if not isinstance(est, BaseEstimator):
            if self.scoring is None:
                return None  # each family's own score method
            est = None  # named metrics need no estimator
        return check_scoring(est, scoring=self.scoring)

    def score(self, X: Any, y: Any = None, **params: Any) -> float:
        """Score of the refitted best estimator (the refit metric with multi-metric);
        ``params`` (e.g. ``sample_weight``) go to the scorer, routed as it requests them
        when metadata routing is enabled."""
        best = self._best()
        X = arrow_to_pandas(X)
        if _routing_enabled():
            routed = process_routing(self, "score", **params)
            if self._scorer() is not None:
                params = _routed(routed, "scorer", "score")
            else:  # a model the search built: its own score takes them, as its fit did
                import sklearn

                with sklearn.config_context(enable_metadata_routing=False):
                    return float(self._scorer(best)(best, X, y, **params))
        score = self._scorer(best)(best, X, y, **params)
        if self.multimetric_:
            if not isinstance(self.refit, str):
                raise AttributeError(f"{type(self).__name__}.score: with several metrics, "
                                     f"refit must name the metric to score with")
            score = score[self.refit]
        return float(score)

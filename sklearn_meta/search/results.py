"""What a finished study becomes: ``cv_results_`` rows in scikit-learn's layout, the
parameters as users read them, and the error raised when every trial failed."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import optuna

from .cv_scoring import FIT_FAILED_ATTR
from .resume import ERROR_ATTR
from .spaces import family_label
from .warm_start import FAMILY_PARAM, SOURCE_ATTR


def every_fit_failed(trial: optuna.trial.FrozenTrial) -> bool:
    """Whether every fold's fit of a finished trial failed (a trial that recorded no scores
    failed before its folds were scored)."""
    failed = trial.user_attrs.get(FIT_FAILED_ATTR)
    if failed is not None:
        return len(failed) > 0 and all(failed)
    return not any(k.startswith("test_") for k in trial.user_attrs)


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


def warm_start_params_that_ran(study: optuna.Study, multi: bool = False,
                               task_type: str | None = None) -> list[dict[str, Any]]:
    """Parameters of the warm-start trials that finished (as listed in ``cv_results_``);
    trials still queued when the budget or timeout ended never ran."""
    finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL)
    return [display_params(t.params, task_type) if multi else dict(t.params)
            for t in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number)
            if SOURCE_ATTR in t.user_attrs and t.state in finished]


class AllTrialsFailedError(ValueError, RuntimeError):
    """Every fit of every trial failed. A ``ValueError``, as scikit-learn's searches raise
    then ("All the N fits failed"), and a ``RuntimeError``, as earlier versions raised."""


def cv_results_from_trials(trials: list, metrics: list[str], n_splits: int,
                           task_type: str | None, multi: bool, train_scores: bool
                           ) -> dict[str, Any]:
    """``cv_results_`` in scikit-learn's layout from the finished ``trials`` (in trial order):
    ``params`` and ``param_<name>`` (masked where a family has no such parameter), per
    metric the split, mean and std scores and the test rank (failed trials last), fit and
    score times, and ``warm_start`` (a warm-start trial's rank, -1 for the sampler's)."""
    from scipy.stats import rankdata

    res: dict[str, Any] = {"trial_number": np.array([t.number for t in trials])}
    params_list = [display_params(t.params, task_type) if multi else dict(t.params)
                   for t in trials]
    res["params"] = params_list
    for key in sorted({k for p in params_list for k in p}):
        res[f"param_{key}"] = np.ma.MaskedArray(
            np.array([p.get(key) for p in params_list], dtype=object),
            mask=[key not in p for p in params_list])
    parts = ("test", "train") if train_scores else ("test",)
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
                # equal scores share the best rank, failed trials come last (as scikit-learn)
                filled = np.where(np.isfinite(mean), mean, -np.inf)
                res[f"rank_test_{m}"] = rankdata(-filled, method="min").astype(np.int32)
    for k in ("fit_time", "score_time"):
        T = [t.user_attrs.get(k, [np.nan]) for t in trials]
        res[f"mean_{k}"] = np.array([np.mean(v) for v in T])
        res[f"std_{k}"] = np.array([np.std(v) for v in T])
    res["warm_start"] = np.array([t.user_attrs.get(SOURCE_ATTR, -1) for t in trials])
    return res


def check_some_trial_ran(trials: list, mean: np.ndarray | None) -> None:
    """Raise :class:`AllTrialsFailedError`, with the first failure's cause, when every fit of
    every trial failed (``mean``: the optimised metric's mean test scores, None when no trial
    recorded it)."""
    some_failed = any(ERROR_ATTR in t.user_attrs or any(t.user_attrs.get(
        FIT_FAILED_ATTR, [])) for t in trials)
    if mean is None or all(every_fit_failed(t) for t in trials) or (
            some_failed and not np.isfinite(mean).any()):
        errors = [t.user_attrs[ERROR_ATTR] for t in trials if ERROR_ATTR in t.user_attrs]
        why = (f"; the first failure: {errors[0]}" if errors else
               "; check the estimator and data")
        raise AllTrialsFailedError(f"every trial failed ({len(trials)} trials){why}")

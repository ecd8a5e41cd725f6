"""The Optuna objective of `MetaSearchCV`: one trial's configuration, scored by cross-validation,
with the cause of failed fits kept on the trial."""
from __future__ import annotations

import re
import warnings
from typing import Any, Mapping

import numpy as np
import optuna
from optuna.distributions import (BaseDistribution, CategoricalDistribution,
                                  FloatDistribution, IntDistribution)
from sklearn.base import BaseEstimator, clone

from .cv_scoring import FIT_FAILED_ATTR, cross_validate_scored, metric_to_optimise
from .fit_routing import routed_fit_params
from .grid import REPEAT_ATTR, claim, repeated_trial
from .resume import ERROR_ATTR
from .spaces import step_prefix
from .warm_start import FAMILY_PARAM, KEYS_ATTR


def suggest_param(trial: optuna.Trial, name: str, dist: BaseDistribution) -> Any:
    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, step=dist.step, log=dist.log)
    if isinstance(dist, FloatDistribution):
        return trial.suggest_float(name, dist.low, dist.high, step=dist.step, log=dist.log)
    raise ValueError(f"param_distributions[{name!r}]: unsupported distribution {dist!r}")


class TrialObjective:
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
        params = {name: suggest_param(trial, name, d) for name, d in space.items()
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
            warn_failed(trial.number, params, trial.user_attrs[ERROR_ATTR])
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
            warn_failed(trial.number, params, error or "a fold scored NaN")
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


def warn_failed(number: int, params: Mapping[str, Any], cause: str) -> None:
    """One warning per failed trial, with its cause (Optuna's own lines say only "nan")."""
    warnings.warn(f"MetaSearchCV: trial {number} failed ({dict(params)}): {cause}",
                  UserWarning, stacklevel=3)


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


def configured(base: BaseEstimator, params: Mapping[str, Any], prefix: str = ""
               ) -> BaseEstimator:
    """A clone of ``base`` with ``params`` set (under ``prefix`` when ``base`` wraps the model
    in a preprocessing pipeline)."""
    return clone(base).set_params(**{prefix + k: v for k, v in params.items()})

"""`MetaSearchCV`: Optuna hyper-parameter search, warm-started from the knowledge base.

The search's parts live beside it: the checks before any trial (:mod:`.input_checks`), one
trial's objective (:mod:`.objective`), running trials and workers (:mod:`.trial_runs`), fit
parameters' routing (:mod:`.fit_routing`) and ``cv_results_`` (:mod:`.results`).
"""
from __future__ import annotations

import copy
import shutil
import tempfile
import time
import uuid
import warnings
from pathlib import Path
from typing import Any, Mapping

import joblib
import numpy as np
import optuna
from sklearn import config_context
from sklearn.base import BaseEstimator, MetaEstimatorMixin, is_classifier, is_regressor
from sklearn.exceptions import DataConversionWarning
from sklearn.model_selection import check_cv
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import (MetadataRouter, MethodMapping, _routing_enabled,
                                            process_routing)
from sklearn.utils.metaestimators import available_if

from ..preprocessing.inputs import arrow_to_pandas, records_array
from .fit_routing import as_step_params, routed_fit_params, routed_params
from .grid import GridGuard, grid_size, n_distinct
from .input_checks import (beyond_float32_columns, check_classification_target,
                           check_positive_label_scoring, check_sample_weight,
                           check_search_data, int_seed, n_indexed, sparse_problem,
                           stored_choices_check, takes_sparse, unusable_families)
from .knowledge_base import KnowledgeBase
from .members import (check_members, check_readable, list_task_type, member_estimator,
                      warn_target_scale)
from .objective import TrialObjective, configured
from .resume import (SCORING_ATTR, check_resumable, finished_trials, metric_label,
                     retry_interrupted, search_fingerprint)
from .results import (AllTrialsFailedError, check_some_trial_ran,  # noqa: F401
                      cv_results_from_trials, warm_start_params_that_ran)
from .spaces import (FAMILIES, bound_to_rows, default_space, family_of, final_model,
                     implied_task_type, param_prefix, step_prefix, task_type_of,
                     to_optuna_space, with_prefix)
from .storage import is_sqlite, make_storage
from .suggest import (STRATEGIES, _n_rows, check_estimator_arg, default_families,
                      infer_task_type, refuse_unreadable_target)
from .trial_runs import TrialProgress, optuna_quiet, run_worker
from .warm_start import (FAMILY_PARAM, KEYS_ATTR, SOURCE_ATTR, adaptive_warm_start,
                         warm_start_study)

#: ``warm_start`` values: the static lists of :func:`suggest_configs`, and "adaptive" (what
#: "auto" does here): each warm-start trial chosen from the scores of those before it.
WARM_STARTS = (*STRATEGIES, "adaptive")


#: Attributes a fit sets (all removed when a new fit starts).
_FITTED = ("best_estimator_", "best_index_", "best_score_", "best_params_", "cv_results_",
           "refit_time_", "classes_", "n_features_in_", "feature_names_in_", "study_",
           "study_name_", "warm_start_params_", "similar_tasks_", "multimetric_", "n_splits_",
           "task_type_", "scorer_",
           "_best_family_params")


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
        with optuna_quiet():
            return self._fit(X, y, groups, **fit_params)

    def _fit(self, X: Any, y: Any = None, groups: Any = None, **fit_params: Any):
        self._check_params()
        for attr in _FITTED:  # nothing of an earlier fit may survive this one
            if attr in self.__dict__:
                delattr(self, attr)
        X, y = self._checked_data(X, y)
        fit_params, score_params, groups, routed = self._route(X, groups, fit_params)
        seed = int_seed(self.random_state)
        bases, spaces, multi, prefixes = self._bases_and_spaces(X, y, seed)
        family_fit = None if routed is None or isinstance(self.estimator, BaseEstimator) \
            else self._family_fit_params(routed, fit_params, bases)
        self._refuse_or_drop_unusable(X, bases, spaces, prefixes, multi, fit_params,
                                      family_fit)
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
        train_rows = min((n_indexed(tr) for tr, _ in splits), default=None) or None
        if multi or self.param_distributions is None:  # the default spaces, not the user's
            spaces = {f: bound_to_rows(s, train_rows) for f, s in spaces.items()}
        study, storage, storage_obj, tmpdir = self._open_study(
            X, y, bases, spaces, splits, scoring, main, multimetric)
        first_number = len(study.get_trials(deepcopy=False))  # this search's trials from here
        retry_interrupted(study)
        done = len(finished_trials(study))
        # a resumed study draws anew: the same seed would propose its first trials again
        sampler = (copy.deepcopy(self.sampler) if self.sampler is not None
                   else optuna.samplers.TPESampler(
                       seed=None if seed is None else seed + done))
        study.sampler = sampler
        n_jobs = self.n_jobs if self.n_jobs > 0 else max(1, joblib.cpu_count())
        callbacks: list = [TrialProgress(self.n_trials)] if self.verbose else []
        callbacks += self._warm_start(study, X, y, bases, multi, n_jobs, train_rows)
        objective = TrialObjective(bases, spaces, multi, X, y, splits, scoring, main,
                                   fit_params, prefixes, score_params,
                                   any_metric=self.refit is False or callable(self.refit),
                                   user_space=not multi and
                                   self.param_distributions is not None,
                                   error_score=self.error_score,
                                   return_train_score=bool(self.return_train_score),
                                   family_fit_params=family_fit)
        study = self._run_trials(study, objective, spaces, multi, sampler, seed, n_jobs,
                                 (storage, storage_obj), callbacks, first_number)
        if n_jobs != 1 and tmpdir is not None:  # the workers' scratch journal: keep the study
            memory = optuna.storages.InMemoryStorage()  # in memory
            optuna.copy_study(from_study_name=study.study_name, from_storage=storage_obj,
                              to_storage=memory)
            study = optuna.load_study(study_name=study.study_name, storage=memory,
                                      sampler=sampler)
            shutil.rmtree(tmpdir, ignore_errors=True)
        self.study_ = study
        self.study_name_ = study.study_name
        self.warm_start_params_ = warm_start_params_that_ran(
            study, multi, getattr(self, "task_type_", None))
        self.similar_tasks_ = next((cb.similar_tasks(study) for cb in callbacks
                                    if hasattr(cb, "similar_tasks")), [])
        self.multimetric_ = multimetric
        self._collect(study, main, multi, len(splits))
        self.n_splits_ = len(splits)
        if self.refit:
            self._refit_best(X, y, bases, prefixes, fit_params, family_fit)
        # as scikit-learn's searches: the scorer, or {metric: scorer} for several metrics
        best = getattr(self, "best_estimator_", None)
        if self.multimetric_ and not callable(self.scoring):
            from .cv_scoring import _named_scorers

            self.scorer_ = _named_scorers(best, self.scoring)
        else:
            self.scorer_ = self._scorer(best)
        return self

    def _checked_data(self, X: Any, y: Any) -> tuple[Any, Any]:
        """``(X, y)`` as the trials read them, after refusing, before any trial runs, what
        would make every trial fail."""
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
                          DataConversionWarning, stacklevel=4)
            y = y.iloc[:, 0] if hasattr(y, "iloc") else np.asarray(y).reshape(-1)
        if isinstance(est, BaseEstimator) and supervised:
            infer_task_type(y, task_type_of(est))  # y suits the estimator: labels, numbers
        return X, y

    def _route(self, X: Any, groups: Any, fit_params: dict[str, Any]
               ) -> tuple[dict[str, Any], dict[str, Any], Any, Any]:
        """``(fit parameters, scorer parameters, groups, routing or None)``: with metadata
        routing on, as the estimator, scorer and splitter request them; sample weights
        checked against ``X``."""
        est = self.estimator
        score_params: dict[str, Any] = {}
        routed = None
        if _routing_enabled():
            extra = {} if groups is None else {"groups": groups}
            routed = process_routing(self, "fit", **extra, **fit_params)
            if not isinstance(est, BaseEstimator):  # per family, once the families are known
                routed_fit = {k: v for k, v in fit_params.items() if k == "sample_weight"}
                for name, _ in self._routed_members():
                    routed_fit.update(routed_params(routed, name, "fit"))
                fit_params = routed_fit
            else:  # fits run with routing off (as the trials): a Pipeline's by step prefix
                fit_params = as_step_params(est, routed_params(routed, "estimator", "fit"))
            score_params = routed_params(routed, "scorer", "score")
            groups = routed_params(routed, "splitter", "split").get("groups")
        if fit_params.get("sample_weight") is not None:
            check_sample_weight(fit_params["sample_weight"], _n_rows(X), where="fit")
        if score_params.get("sample_weight") is not None:
            check_sample_weight(score_params["sample_weight"], _n_rows(X), where="the scorer")
        return fit_params, score_params, groups, routed

    def _refuse_or_drop_unusable(self, X: Any, bases: dict, spaces: dict, prefixes: dict,
                                 multi: bool, fit_params: Mapping[str, Any],
                                 family_fit: Mapping[str, Mapping[str, Any]] | None) -> None:
        """Models every trial of which would fail (sparse ``X`` they cannot read, no method
        the scorer needs, a fit parameter they do not take, values beyond float32): a single
        one is refused; across families they are left out (``bases``, ``spaces`` and
        ``prefixes`` are updated in place), with a warning naming why."""
        est = self.estimator
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
        if not multi:
            return
        unusable = unusable_families(bases, fit_params, self.scoring,
                                     sparse=tuple(X.shape) if hasattr(X, "tocsr") else False,
                                     family_fit_params=family_fit)
        big = beyond_float32_columns(X)
        for fam in ("random_forest", "extra_trees"):  # they cast X to float32
            if big and fam in bases and not step_prefix(bases[fam]) and fam not in unusable:
                unusable[fam] = (f"X holds values beyond the float32 range (columns "
                                 f"{big[:5]}), which its trees cannot read; rescale them "
                                 f"to keep it")
        if len(unusable) == len(bases):
            raise ValueError("no family can be searched: " + "; ".join(
                f"{f}: {why}" for f, why in unusable.items()))
        if unusable:
            warnings.warn("left out of the search: " + "; ".join(
                f"{f} ({why})" for f, why in unusable.items()), UserWarning, stacklevel=4)
            for f in unusable:
                bases.pop(f), spaces.pop(f), prefixes.pop(f, None)

    def _open_study(self, X: Any, y: Any, bases: Mapping, spaces: Mapping, splits: list,
                    scoring: Any, main: str, multimetric: bool
                    ) -> tuple[optuna.Study, Any, Any, str | None]:
        """``(study, storage as given, its storage object, scratch folder or None)``: a
        fresh study, or the named stored
        one when it was a search of the same data and space (else a clear error). Parallel
        workers without a storage share a journal in a scratch folder."""
        storage = self.storage
        tmpdir = None
        if self.n_jobs != 1 and storage is None:  # workers need a shared storage
            tmpdir = tempfile.mkdtemp(prefix="metasearchcv-")
            storage = str(Path(tmpdir) / "study.log")
        name = self.study_name or f"metasearchcv-{uuid.uuid4().hex[:12]}"
        storage_obj = make_storage(storage)
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
        return study, storage, storage_obj, tmpdir

    def _warm_start(self, study: optuna.Study, X: Any, y: Any, bases: Mapping, multi: bool,
                    n_jobs: int, train_rows: int | None) -> list:
        """Seed ``study`` from the knowledge base: a fixed list is enqueued now; the adaptive
        warm start is returned as the callback that enqueues each next trial. Best-effort: a
        knowledge base that cannot serve this task leaves a cold search, with a warning."""
        n_warm = int(min(self.n_warm_start, self.n_trials))
        if not self.warm_start or n_warm <= 0:
            return []
        target = list(bases) if multi else next(iter(bases.values()))
        kb = self.knowledge_base
        if isinstance(kb, (str, Path)):  # a file the user named must load: errors raise
            kb = KnowledgeBase.load(kb)
        space = None if multi else self.param_distributions
        adaptive = self.warm_start in ("auto", "adaptive")
        task_type = getattr(self, "task_type_", None)
        try:
            # a list's instances: their own settings first, as a single instance's (one
            # family by its key: its default, which a fixed list starts with anyway);
            # they count towards n_warm_start, and the adaptive rule waits for them
            k = self._enqueue_own_settings(study, X, y, bases, kb, n_warm,
                                           family_default=adaptive,
                                           train_rows=train_rows) if multi else 0
            if adaptive:
                return [adaptive_warm_start(
                    study, X, y, target, n=n_warm, search_space=space, knowledge_base=kb,
                    n_waiting=n_jobs, max_trials=self.n_trials, task_type=task_type,
                    train_rows=train_rows, warn_about_models=False)]
            if n_warm > k:
                warm_start_study(study, X, y, target, n=n_warm - k, strategy=self.warm_start,
                                 search_space=space, knowledge_base=kb, first_rank=k,
                                 task_type=task_type, train_rows=train_rows,
                                 warn_about_models=False)
        except (ValueError, TypeError, FileNotFoundError) as exc:
            # warm start is best-effort: a cold search is still a correct search
            warnings.warn(f"warm start skipped: {exc}", UserWarning, stacklevel=4)
        return []

    def _run_trials(self, study: optuna.Study, objective: TrialObjective, spaces: Mapping,
                    multi: bool, sampler: Any, seed: int | None, n_jobs: int,
                    storages: tuple[Any, Any], callbacks: list, first_number: int
                    ) -> optuna.Study:
        """Run the trials up to ``n_trials`` finished ones (a grid: each configuration once)
        or ``timeout``, in this process or in ``n_jobs`` worker processes sharing the
        storage (``storages``: as given, which workers open, and its object here); returns
        the study as it stands after them."""
        storage, storage_obj = storages
        # a grid (every parameter a list): each configuration once, at most the grid's size
        grid = grid_size(spaces[next(iter(spaces))]) if not multi else None
        target = self.n_trials
        if grid is not None:
            if grid < self.n_trials:
                many = "s" if grid > 1 else ""
                warnings.warn(f"param_distributions: its grid has {grid} configuration{many}, "
                              f"fewer than n_trials={self.n_trials}; each runs once ({grid} "
                              f"trial{many})", UserWarning, stacklevel=4)
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
            name = study.study_name
            joblib.Parallel(n_jobs=n_jobs, backend="loky")(
                joblib.delayed(run_worker)(storage, name, samplers[i], objective, shares[i],
                                           wall_deadline, callbacks,
                                           first=i == 0 and not finished_trials(study))
                for i in range(n_jobs) if shares[i])
            study = optuna.load_study(study_name=name, storage=storage_obj, sampler=sampler)
        return study

    def _refit_best(self, X: Any, y: Any, bases: Mapping, prefixes: Mapping,
                    fit_params: Mapping[str, Any],
                    family_fit: Mapping[str, Mapping[str, Any]] | None) -> None:
        """Fit the best configuration on all of ``(X, y)`` as ``best_estimator_``."""
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
                self.best_estimator_.fit(X, y, **routed_fit_params(refit_params, fit_prefix))
        self.refit_time_ = time.perf_counter() - start
        for attr in ("classes_", "n_features_in_", "feature_names_in_"):
            if hasattr(self.best_estimator_, attr):
                setattr(self, attr, getattr(self.best_estimator_, attr))

    def _collect(self, study: optuna.Study, main: str, multi: bool, n_splits: int) -> None:
        """``cv_results_`` and the best trial (``best_index_``, ``best_score_``,
        ``best_params_``) from the finished trials; every trial failed: an error."""
        trials = finished_trials(study)
        trials.sort(key=lambda t: t.number)
        if not trials:
            raise RuntimeError("no trial finished (timeout too short?)")
        metrics = sorted({k[5:] for t in trials for k in t.user_attrs if k.startswith("test_")})
        if callable(self.scoring) and metrics:
            self.multimetric_ = metrics != ["score"]  # the callable returned a dict (or not)
            if f"test_{main}" not in {f"test_{m}" for m in metrics}:
                main = metrics[0]  # refit False or a callable: what the sampler optimised
        res = cv_results_from_trials(trials, metrics, n_splits,
                                     getattr(self, "task_type_", None) if multi else None,
                                     multi, bool(self.return_train_score))
        params_list = res["params"]
        self.cv_results_ = res
        mean = res.get(f"mean_test_{main}")
        check_some_trial_ran(trials, mean)
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
        own = {f: routed_params(routed, name, "fit")
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
                params = routed_params(routed, "scorer", "score")
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

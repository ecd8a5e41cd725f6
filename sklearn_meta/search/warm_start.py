"""Enqueue knowledge-base suggestions into any Optuna study: the fixed list of
:func:`warm_start_study`, or the adaptive one of :func:`adaptive_warm_start` (each trial
chosen from the scores of those before it)."""
from __future__ import annotations

import warnings
from typing import Any, Mapping

import numpy as np
import optuna

from .adaptive import BETA, MIN_OBSERVED, evidence_log_weights, next_candidate
from .knowledge_base import KnowledgeBase, resolve_kb
from .spaces import config_key, param_prefix
from .suggest import (_check_exclude, check_train_rows, fitted_config, resolve_spaces,
                      suggest_pairs)

#: User attribute listing the parameters a warm-start trial sets (others keep defaults).
KEYS_ATTR = "sklearn_meta_keys"
SOURCE_ATTR = "sklearn_meta_warm_start"
FAMILY_PARAM = "estimator"


def warm_start_study(study: optuna.Study, X: Any, y: Any, estimator: Any, n: int = 10,
                     strategy: str = "auto", *, search_space: Mapping[str, Any] | None = None,
                     first_rank: int = 0, **suggest_kwargs: Any) -> list[dict[str, Any]]:
    """Enqueue up to ``n`` suggestions (``skip_if_exists``) and return the enqueued params.

    For one estimator the parameter names are the estimator's (``set_params`` names). For
    several families (``estimator`` None or a list) each trial fixes ``"estimator"`` to the
    family key and names parameters ``"<family>__<param>"``; :class:`MetaSearchCV` uses the
    same convention. Each enqueued trial carries the user attribute ``sklearn_meta_keys``:
    the parameters it sets; an objective may leave the others at their defaults, and
    ``sklearn_meta_warm_start``: the suggestion's rank, counted from ``first_rank`` (for
    trials enqueued after others of the same warm start).
    """
    if not isinstance(study, optuna.Study):
        raise ValueError(f"study must be an optuna.Study, got {type(study).__name__}")
    if not isinstance(first_rank, (int, np.integer)) or isinstance(first_rank, bool) or \
            first_rank < 0:
        raise ValueError(f"first_rank: expected a non-negative int, got {first_rank!r}")
    pairs, details = suggest_pairs(X, y, estimator, n, strategy, search_space=search_space,
                                   **suggest_kwargs)
    single = estimator is not None and not isinstance(estimator, (list, tuple))
    prefix = ""
    if single and not isinstance(estimator, str):
        prefix = param_prefix(estimator)
    enqueued = []
    for rank, (fam, cfg) in enumerate(pairs):
        params = trial_params(fam, cfg, single, prefix)
        before = len(study.get_trials(deepcopy=False))
        study.enqueue_trial(params, user_attrs={KEYS_ATTR: sorted(params),
                                                SOURCE_ATTR: first_rank + rank},
                            skip_if_exists=True)
        if len(study.get_trials(deepcopy=False)) > before:  # not skipped as already there
            enqueued.append(params)
    return enqueued


def trial_params(family: str, config: Mapping[str, Any], single: bool, prefix: str = ""
                 ) -> dict[str, Any]:
    """Optuna parameter names of a configuration: the estimator's own (under ``prefix``) for a
    single estimator, ``"estimator"`` plus ``"<family>__<param>"`` across families."""
    if single:
        return {f"{prefix}{k}": v for k, v in config.items()}
    return {FAMILY_PARAM: family, **{f"{family}__{k}": v for k, v in config.items()}}


#: User attribute of an adaptive warm-start trial: the key (family and parameters) of the
#: knowledge-base candidate it runs.
CANDIDATE_ATTR = "sklearn_meta_candidate"


class AdaptiveWarmStart:
    """Optuna callback that enqueues warm-start trials one at a time, each chosen from the
    scores seen so far (:mod:`sklearn_meta.search.adaptive`).

    Made by :func:`adaptive_warm_start`, which also enqueues the first trial; pass it to
    ``study.optimize(..., callbacks=[callback])``, or with Optuna's ask-and-tell interface call
    ``callback.step(study)`` after each ``study.tell``. After every finished trial it tops the
    queue up to ``n_waiting`` trials until ``n`` warm-start trials exist; the sampler proposes
    the rest. Every finished trial whose parameters equal a candidate's is evidence, whoever
    proposed it. With several workers on one study each chooses from the trials it sees, so
    two workers choosing at the same moment may run one candidate twice or enqueue a trial
    or two more than ``n``, and trials still queued when the trial budget ends never run.
    ``max_trials`` (the study's trial budget, finished trials included) stops the queue from
    growing past it, so that no trial is left waiting after the last one (but for such a
    race between workers).
    """

    def __init__(self, candidates: list[tuple[str, dict[str, Any]]], M: Any, n: int, *,
                 single: bool, prefix: str = "", n_waiting: int = 1,
                 beta: float | None = None, min_observed: int | None = None,
                 task_names: list[str] | None = None, max_trials: int | None = None,
                 prior: np.ndarray | None = None):
        M = np.asarray(M, dtype=float)
        if M.ndim != 2 or M.shape[1] != len(candidates):
            raise ValueError(f"M: expected (tasks, {len(candidates)}) normalised scores, got "
                             f"shape {M.shape}")
        # candidates that the search space maps to the same parameters become one column
        groups: dict[str, list[int]] = {}
        for j, (fam, cfg) in enumerate(candidates):
            groups.setdefault(f"{fam}|{config_key(cfg)}", []).append(j)
        self.keys = list(groups)
        self.column = {k: j for j, k in enumerate(self.keys)}
        self.candidates = [candidates[g[0]] for g in groups.values()]
        with warnings.catch_warnings():  # all-NaN columns: candidates no task evaluated
            warnings.simplefilter("ignore", RuntimeWarning)
            cols = [np.nanmax(M[:, g], axis=1) if M.shape[0] else M[:, g[0]]
                    for g in groups.values()]
        self.M = np.stack(cols, axis=1) if cols else np.zeros((M.shape[0], 0))
        self.n, self.single, self.prefix = int(n), bool(single), prefix
        self.n_waiting = max(1, int(n_waiting))
        self.beta = BETA if beta is None else float(beta)
        self.min_observed = MIN_OBSERVED if min_observed is None else int(min_observed)
        self.family = self.candidates[0][0] if single and self.candidates else None
        self.task_names = list(task_names) if task_names is not None else [
            f"task {i}" for i in range(self.M.shape[0])]
        self.max_trials = None if max_trials is None else int(max_trials)
        # weights of the past tasks before any evidence (None: equal; a similarity prior
        # where the knowledge base chose one, kb.info["adaptive_prior"])
        self.prior = None if prior is None else np.asarray(prior, dtype=float)
        self._done = not self.candidates or self.n <= 0

    def params(self, j: int) -> dict[str, Any]:
        """Optuna parameters of candidate ``j`` (the naming of :func:`warm_start_study`)."""
        fam, cfg = self.candidates[j]
        return trial_params(fam, cfg, self.single, self.prefix)

    def key_of(self, params: Mapping[str, Any]) -> str | None:
        """Candidate key of a trial's parameters (None for other parameter sets)."""
        if self.single:
            n = len(self.prefix)
            cfg = {k[n:]: v for k, v in params.items() if k.startswith(self.prefix)}
            return f"{self.family}|{config_key(cfg)}"
        fam = params.get(FAMILY_PARAM)
        if fam is None:
            return None
        pre = f"{fam}__"
        return f"{fam}|{config_key({k[len(pre):]: v for k, v in params.items() if k.startswith(pre)})}"

    def step(self, study: optuna.Study) -> list[dict[str, Any]]:
        """Enqueue the next candidates (up to ``n_waiting`` waiting); return their params."""
        if self._done:
            return []
        TS = optuna.trial.TrialState
        enqueued: list[dict[str, Any]] = []
        refused: set[int] = set()  # enqueue_trial skipped them as duplicates
        while True:
            trials = study.get_trials(deepcopy=False)
            warm = sum(SOURCE_ATTR in t.user_attrs for t in trials)
            waiting = sum(t.state == TS.WAITING for t in trials)
            if warm >= self.n:
                self._done = True
                return enqueued
            if waiting >= self.n_waiting:
                return enqueued
            if self.max_trials is not None and len(trials) >= self.max_trials:
                return enqueued  # the budget is taken: a trial queued now would never run
            tried, observed, taken = self._evidence(study, trials)
            taken |= refused
            j = next_candidate(self.M, tried, observed, prior=self.prior, beta=self.beta,
                               min_observed=self.min_observed, exclude=sorted(taken))
            if j is None:
                self._done = True
                return enqueued
            params = self.params(j)
            study.enqueue_trial(params, user_attrs={KEYS_ATTR: sorted(params),
                                                    SOURCE_ATTR: warm,
                                                    CANDIDATE_ATTR: self.keys[j]},
                                skip_if_exists=True)
            if len(study.get_trials(deepcopy=False)) == len(trials):
                refused.add(j)  # an equal trial exists under other names or rounding
            else:
                enqueued.append(params)

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        self.step(study)

    def _evidence(self, study: optuna.Study, trials: list | None = None,
                  ) -> tuple[list[int], list[float], set[int]]:
        """(candidates with a finished score, their scores as maximised, candidates that any
        trial runs or ran)."""
        TS = optuna.trial.TrialState
        sign = 1.0 if study.direction == optuna.study.StudyDirection.MAXIMIZE else -1.0
        tried: list[int] = []
        observed: list[float] = []
        taken: set[int] = set()
        for t in study.get_trials(deepcopy=False) if trials is None else trials:
            # a waiting trial has no params yet: what it will run is in fixed_params
            params = t.params or t.system_attrs.get("fixed_params") or {}
            j = self.column.get(t.user_attrs.get(CANDIDATE_ATTR, ""))
            if j is None:  # untagged, or tagged by a warm start with other candidates
                j = self.column.get(self.key_of(params))
            if j is None:
                continue
            taken.add(j)
            if t.state == TS.COMPLETE and t.value is not None and np.isfinite(t.value):
                tried.append(j)
                observed.append(sign * float(t.value))
        return tried, observed, taken

    def similar_tasks(self, study: optuna.Study, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` past tasks the scores so far weight most, with their weights (summing to
        1 over all past tasks): the tasks this data set behaves like. Equal weights (no
        evidence yet) give an empty list."""
        if not self.candidates or self.M.shape[0] == 0:
            return []
        tried, observed, _ = self._evidence(study)
        logw = evidence_log_weights(self.M[:, tried], np.asarray(observed, dtype=float),
                                    self.beta, self.min_observed)
        if self.prior is not None:
            with np.errstate(divide="ignore"):
                logw = logw + np.log(self.prior / self.prior.sum())
        if not np.any(logw != logw[0]):
            return []
        w = np.exp(logw - logw.max())
        w /= w.sum()
        order = np.argsort(-w, kind="stable")[:k]
        return [(self.task_names[i], float(w[i])) for i in order]


def adaptive_prior(X: Any, y: Any, kb: KnowledgeBase, task_type: str, task_names: list[str],
                   exclude: set[str] | None = None) -> np.ndarray | None:
    """Prior weights of ``task_names`` for the adaptive rule: the meta-feature similarity of
    ``(X, y)`` to each, at the temperature the knowledge base chose by leave-one-task-out
    (``kb.info["adaptive_prior"]``, :func:`~sklearn_meta.search.composition.
    choose_adaptive_prior`); None (equal weights) where it chose none, or where the
    meta-features cannot be computed."""
    choice = kb.info.get("adaptive_prior") or {}
    if choice.get("kind") != "meta-features" or not choice.get("temperature") or \
            not task_names:
        return None
    from .adaptive import similarity_prior
    from .neighbours import task_space
    from .suggest import neighbours_for

    try:
        nb = neighbours_for(X, y, kb, "meta-features", task_type, exclude_tasks=exclude)
    except (ValueError, TypeError) as exc:  # best effort: equal weights still work
        warnings.warn(f"adaptive warm start: no similarity prior ({exc})", UserWarning,
                      stacklevel=3)
        return None
    dist = dict(zip(nb.names, nb.distances))
    d = np.array([dist.get(t, np.inf) for t in task_names], dtype=float)
    tau = task_space(kb, "meta-features", task_type).tau
    return similarity_prior(d, tau, float(choice["temperature"]))


def adaptive_warm_start(study: optuna.Study, X: Any, y: Any, estimator: Any, n: int = 10, *,
                        search_space: Mapping[str, Any] | None = None,
                        knowledge_base: Any = None, n_waiting: int = 1,
                        exclude_tasks: Any = None,
                        max_trials: int | None = None,
                        task_type: str | None = None,
                        train_rows: int | None = None,
                        warn_about_models: bool = True) -> AdaptiveWarmStart:
    """Start an adaptive warm start on ``study`` and return the callback that continues it.

    Enqueues the estimator's own default (single estimator) or the first knowledge-base
    candidate; pass the returned callback to ``study.optimize(objective,
    callbacks=[callback])`` so that each further warm-start trial (up to ``n`` in all) is
    chosen from the scores seen so far: past tasks whose results rank the tried
    configurations as this task does count more (:mod:`sklearn_meta.search.adaptive`).
    Parameter names as in :func:`warm_start_study`. The rule proposes the knowledge base's
    pool candidates; where the knowledge base has no pool for these families, or holds
    configurations from users' own studies (``KnowledgeBase.add_study``), the static
    ``strategy="auto"`` list of :func:`warm_start_study` is enqueued instead and the
    returned callback does nothing. ``max_trials``: the study's trial budget (finished trials
    included); nothing is queued beyond it. ``task_type`` and ``train_rows``: as in
    :func:`suggest_configs`; ``warn_about_models``: as in :func:`suggest_pairs`.
    """
    if not isinstance(study, optuna.Study):
        raise ValueError(f"study must be an optuna.Study, got {type(study).__name__}")
    if len(study.directions) != 1:
        raise ValueError("study: adaptive warm start needs a single-objective study")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    check_train_rows(train_rows)
    task_type, families, instance, spaces = resolve_spaces(X, y, estimator, search_space,
                                                           task_type, train_rows)
    kb = resolve_kb(knowledge_base, task_type)
    drop = _check_exclude(exclude_tasks, kb)
    tasks = [t for t in kb.task_names if kb.tasks[t]["task_type"] == task_type
             and t not in drop]
    single = estimator is not None and not isinstance(estimator, (list, tuple))
    prefix = param_prefix(instance) if instance is not None else ""
    cands, blocks, row_names = [], [], list(tasks)
    for fam in families:
        if fam not in kb.pool or not tasks:
            continue
        fam_cands, row_names, M = kb.pool_matrix(fam, tasks)  # same rows for every family
        for f, i in fam_cands:
            cands.append((f, fitted_config(f, kb.pool[f][i], spaces[f], task_type)))
        blocks.append(M)
    M = np.concatenate(blocks, axis=1) if blocks else np.zeros((0, 0))
    user_studies = any(r.family in families and r.task in set(tasks) for r in kb.extra)
    if not cands or M.shape[0] == 0 or not np.isfinite(M).any() or user_studies:
        warm_start_study(study, X, y, estimator, n, strategy="auto",
                         search_space=search_space, knowledge_base=kb,
                         exclude_tasks=exclude_tasks, task_type=task_type,
                         train_rows=train_rows, warn_about_models=warn_about_models)
        return AdaptiveWarmStart([], np.zeros((0, 0)), 0, single=single, prefix=prefix)
    cb = AdaptiveWarmStart(cands, M, n, single=single, prefix=prefix, n_waiting=n_waiting,
                           task_names=row_names, max_trials=max_trials,
                           prior=adaptive_prior(X, y, kb, task_type, row_names, drop))
    if single:  # the estimator's own default first, as in suggest_configs
        pairs, _ = suggest_pairs(X, y, estimator, 1, "portfolio", search_space=search_space,
                                 knowledge_base=kb, task_type=task_type,
                                 train_rows=train_rows, warn_about_models=warn_about_models)
        params = trial_params(*pairs[0], single=True, prefix=prefix)
        attrs: dict[str, Any] = {KEYS_ATTR: sorted(params), SOURCE_ATTR: 0}
        if cb.key_of(params) in cb.column:
            attrs[CANDIDATE_ATTR] = cb.key_of(params)
        study.enqueue_trial(params, user_attrs=attrs, skip_if_exists=True)
    cb.step(study)
    return cb

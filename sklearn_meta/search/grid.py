"""Finite search spaces (every parameter a list of choices): each configuration runs once.

A sampler such as TPE draws the choices of a grid independently, so it proposes configurations
it has already scored: with ``{"C": [0.1, 1, 10], "penalty": ["l1", "l2"]}`` and 12 trials,
half of them are typically repeats, and some of the 6 configurations are never tried.
scikit-learn's ``RandomizedSearchCV`` samples such grids without replacement and runs no more
iterations than there are configurations; so does :class:`~sklearn_meta.MetaSearchCV`:

* a repeated proposal is not fitted again: the trial is pruned (it is not one of the
  ``n_trials`` and not in ``cv_results_``) and a configuration not yet tried, drawn with the
  search's seed, is queued to run next;
* the search stops once ``n_trials`` configurations have finished or every configuration of
  the grid has.
"""
from __future__ import annotations

import itertools
import math
from typing import Any, Mapping

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution

from .resume import finished_trials

#: User attribute of a pruned trial: the number of the finished trial it repeated.
REPEAT_ATTR = "sklearn_meta:repeat_of"
#: User attribute of a trial of a grid that has checked in to fit its configuration.
CLAIM_ATTR = "sklearn_meta:claimed"
_FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL)


def _distinct(choices: Any) -> list:
    """The choices of a list once each (a value repeated in the list is one configuration)."""
    seen: dict[str, Any] = {}
    for c in choices:
        seen.setdefault(repr(c), c)
    return list(seen.values())


def grid_size(space: Mapping[str, BaseDistribution]) -> int | None:
    """Number of distinct configurations of ``space`` when every parameter is a list of
    choices, else None (a continuous or integer range: repeats are improbable and
    harmless)."""
    if not space or not all(isinstance(d, CategoricalDistribution) for d in space.values()):
        return None
    return math.prod(len(_distinct(d.choices)) for d in space.values())


def _key(params: Mapping[str, Any]) -> tuple:
    """A configuration's identity: values by ``repr`` (``1``, ``1.0`` and ``True`` are three
    choices of a list, as Optuna keeps them)."""
    return tuple(sorted((k, repr(v)) for k, v in params.items()))


def repeated_trial(trial: optuna.Trial, first_number: int = 0) -> int | None:
    """Number of another trial of the same study with exactly ``trial``'s parameters that
    finished (interrupted ones aside) or that this search runs now (another worker's).

    Call it after :func:`claim`: each trial writes its claim before it reads the others',
    so of two workers that drew one configuration at once at least one sees the other (the
    storage orders the writes) and never both fit it; both may step back, and the
    configuration is then queued again. Running trials numbered below ``first_number`` were
    cut off with an earlier process."""
    key = _key(trial.params)
    running = optuna.trial.TrialState.RUNNING
    finished = {t.number for t in finished_trials(trial.study)}
    for t in trial.study.get_trials(deepcopy=False, states=(*_FINISHED, running)):
        if t.number == trial.number or REPEAT_ATTR in t.user_attrs:
            continue
        if t.state == running:
            if t.number < first_number or CLAIM_ATTR not in t.user_attrs:
                continue
        elif t.number not in finished:  # interrupted: its configuration runs again
            continue
        if _key(t.params) == key:
            return t.number
    return None


def n_distinct(trials: list[optuna.trial.FrozenTrial]) -> int:
    """Number of distinct configurations among ``trials``."""
    return len({_key(t.params) for t in trials})


def claim(trial: optuna.Trial) -> None:
    """Record in the storage that ``trial`` is about to fit its configuration."""
    trial.set_user_attr(CLAIM_ATTR, True)


class GridGuard:
    """Optuna callback for a finite space: after a pruned repeat, queue a configuration not
    tried yet (drawn with ``seed``); stop the study once ``n_trials`` trials have finished,
    or the whole grid has, or (a safeguard) repeats outnumber the budget."""

    def __init__(self, space: Mapping[str, BaseDistribution], n_trials: int,
                 seed: int | None = None):
        self.names = list(space)
        self.choices = [_distinct(space[n].choices)  # type: ignore[attr-defined]
                        for n in self.names]
        self.size = math.prod(len(c) for c in self.choices)
        self.n_trials = int(n_trials)
        self.rng = np.random.default_rng(seed)

    def _untried(self, study: optuna.Study) -> dict[str, Any] | None:
        seen = {_key(t.params) for t in study.get_trials(deepcopy=False)
                if t.state in _FINISHED or t.state == optuna.trial.TrialState.RUNNING
                or t.state == optuna.trial.TrialState.WAITING}
        if self.size <= 100_000:  # enumerate: exact, seeded order
            points = [dict(zip(self.names, combo)) for combo in itertools.product(*self.choices)]
            left = [p for p in points if _key(p) not in seen]
            return left[int(self.rng.integers(len(left)))] if left else None
        for _ in range(1000):  # a huge grid: a random draw is almost surely new
            p = {n: c[int(self.rng.integers(len(c)))] for n, c in zip(self.names, self.choices)}
            if _key(p) not in seen:
                return p
        return None

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        done = finished_trials(study)
        repeats = sum(REPEAT_ATTR in t.user_attrs for t in study.get_trials(deepcopy=False))
        if len(done) >= self.n_trials or n_distinct(done) >= self.size or \
                repeats > 2 * self.n_trials + 10:
            study.stop()
            return
        if REPEAT_ATTR in trial.user_attrs:
            nxt = self._untried(study)
            if nxt is None:
                study.stop()
            else:
                study.enqueue_trial(nxt, skip_if_exists=True)

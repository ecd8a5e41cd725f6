"""Running a search's trials: Optuna's log level for the search, a progress line per trial, and
one worker process's share of a parallel search."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any

import optuna

from .grid import REPEAT_ATTR
from .objective import TrialObjective
from .resume import finished_trials
from .storage import make_storage
from .warm_start import SOURCE_ATTR


@contextmanager
def optuna_quiet():
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


class TrialProgress:
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


def run_worker(storage: Any, name: str, sampler: Any, objective: TrialObjective,
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

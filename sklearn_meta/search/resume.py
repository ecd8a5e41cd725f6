"""Resuming a named ``MetaSearchCV`` study safely.

A study stored under ``study_name`` continues where it stopped, so it must be the same search:
:func:`search_fingerprint` digests the data, the estimators, their spaces, the splits and the
scoring, and :func:`check_resumable` refuses a stored study made for anything else. A trial
interrupted by Ctrl-C (Optuna stores it as failed) is not a finished trial: it does not count
towards ``n_trials`` and :func:`retry_interrupted` enqueues its configuration again, once.
"""
from __future__ import annotations

import functools
import hashlib
from typing import Any, Mapping, Sequence

import joblib
import numpy as np
import optuna

from .warm_start import CANDIDATE_ATTR, KEYS_ATTR, SOURCE_ATTR

#: Study attribute holding the search's fingerprint.
FINGERPRINT_ATTR = "sklearn_meta_search_fingerprint"
#: Study attribute listing interrupted trials already enqueued again.
RETRIED_ATTR = "sklearn_meta_retried_trials"
#: Trial attribute with the cause of a failure (set by the objective).
ERROR_ATTR = "fit_error"
#: The metric a MetaSearchCV study maximised ("default": the estimator's score), so that a
#: study added to a knowledge base of another metric can be refused.
SCORING_ATTR = "sklearn_meta_scoring"


#: Study attribute holding a digest of each part of the search (since format 2 of resume).
PARTS_ATTR = "sklearn_meta_search_parts"


class SearchFingerprint(str):
    """The digest of a search (a ``str``, as stored on studies), with ``parts``: a digest
    per part a resumed search must share, to name the ones that differ."""

    parts: dict[str, str]


def _digest(obj: Any) -> str:
    return hashlib.sha256(repr(obj).encode()).hexdigest()[:16]


def _param_values(est: Any, searched: Any = ()) -> list:
    """An estimator's own parameters by name and value, but those ``searched`` (each trial
    sets them); estimators and functions among them described in words that stay the same
    across processes."""
    out = []
    for k, v in sorted(est.get_params(deep=False).items()):
        if k in searched:
            continue
        if hasattr(v, "get_params") and not isinstance(v, type):
            v = (type(v).__name__, _param_values(v))
        elif isinstance(v, (list, tuple)) and any(hasattr(e, "get_params") for e in v):
            v = [_param_values(e[1] if isinstance(e, tuple) else e) for e in v]
        else:
            try:
                described = _describe(v)
            except TypeError:  # nested lists it cannot sort: no stored study has them
                described = None
            # a repr holding a memory address (an object of the search's own preprocessing
            # inside Pipeline steps or ColumnTransformer tuples) differs in every process;
            # stable descriptions are kept as they were, so that stored studies still resume
            v = _stable_value(v) if described is None or " at 0x" in repr(described) \
                else described
        out.append((k, v))
    return out


def _stable_value(v: Any, depth: int = 0) -> Any:
    """A value in words that stay the same across processes: estimators by class and
    parameters, lists and tuples item by item, other objects whose ``repr`` holds a memory
    address by class and attributes."""
    if depth > 32:
        return type(v).__name__
    if hasattr(v, "get_params") and not isinstance(v, type):
        return (type(v).__name__, _param_values(v))
    if isinstance(v, (list, tuple)):
        return [_stable_value(e, depth + 1) for e in v]
    try:
        described = _describe(v)
    except TypeError:
        described = repr(v)
    if " at 0x" in repr(described):
        if isinstance(v, functools.partial):
            return ("partial", _stable_value(v.func, depth + 1),
                    _stable_value(list(v.args), depth + 1),
                    sorted((k, _stable_value(a, depth + 1)) for k, a in v.keywords.items()))
        if isinstance(v, np.random.RandomState):
            return ("RandomState", joblib.hash(v.get_state()))
        attrs = getattr(v, "__dict__", None)
        if not attrs:  # nothing to tell two of them apart: the repr, refused on resume (safe)
            return described
        return (type(v).__qualname__, sorted((str(k), _stable_value(a, depth + 1))
                                             for k, a in attrs.items()))
    return described


def search_fingerprint(X: Any, y: Any, bases: Mapping[str, Any], spaces: Mapping[str, Any],
                       splits: Sequence, scoring: Any, error_score: Any = float("nan"),
                       return_train_score: bool = False) -> SearchFingerprint:
    """A digest of what makes two searches the same search (the trials' records depend on
    ``error_score`` and ``return_train_score`` too; at their defaults they leave the digest
    of earlier versions unchanged), with the digest of each part in ``.parts``."""
    what = (joblib.hash(X), joblib.hash(y),
            sorted((fam, type(est).__name__, repr(sorted(est.get_params(deep=False))))
                   for fam, est in bases.items()),
            sorted((fam, sorted((k, repr(d)) for k, d in sp.items()))
                   for fam, sp in spaces.items()),
            joblib.hash([(tr, te) for tr, te in splits]), _describe(scoring))
    if isinstance(error_score, str) or error_score == error_score or return_train_score:
        what = (*what, repr(error_score), bool(return_train_score))
    fp = SearchFingerprint(hashlib.sha256(repr(what).encode()).hexdigest()[:32])
    fp.parts = {
        "data (X, y)": _digest(what[:2]),
        "estimators": _digest(what[2]),
        # values too: the digest above has the parameters' names only
        "estimator parameters": _digest(sorted((fam, _param_values(est, spaces.get(fam, ())))
                                               for fam, est in bases.items())),
        "search space": _digest(what[3]),
        "folds (cv)": _digest(what[4]),
        "scoring": _digest(what[5]),
        "error_score / return_train_score": _digest(what[6:]),
    }
    return fp


def _describe(scoring: Any) -> Any:
    """``scoring`` in words that stay the same across processes (no memory addresses)."""
    if isinstance(scoring, Mapping):
        return sorted((str(k), _describe(v)) for k, v in scoring.items())
    if isinstance(scoring, (list, tuple, set)):
        return sorted(_describe(v) for v in scoring)
    if hasattr(scoring, "__qualname__"):  # a function
        return f"{getattr(scoring, '__module__', '')}.{scoring.__qualname__}"
    return scoring if isinstance(scoring, (str, type(None))) else repr(scoring)


def check_resumable(study: optuna.Study, fingerprint: str) -> None:
    """Record the fingerprint on a new study; refuse a stored one of another search, naming
    what differs where the study recorded its parts (studies of earlier versions did not)."""
    stored = study.user_attrs.get(FINGERPRINT_ATTR)
    parts = dict(getattr(fingerprint, "parts", None) or {})
    if stored is None:
        if not study.get_trials(deepcopy=False):
            study.set_user_attr(FINGERPRINT_ATTR, str(fingerprint))
            if parts:
                study.set_user_attr(PARTS_ATTR, parts)
        return  # a study from elsewhere with trials: taken as it is (warm start by hand)
    stored_parts = study.user_attrs.get(PARTS_ATTR) or {}
    differ = [k for k in parts if k in stored_parts and stored_parts[k] != parts[k]]
    if stored != fingerprint or differ:
        what = (" ".join(["differs in", ", ".join(differ)]) if differ else
                "was run on other data, estimators, search space, folds or scoring")
        hint = (" (a splitter that shuffles needs a fixed random_state to give the same "
                "folds again)" if "folds (cv)" in differ else "")
        raise ValueError(f"study_name: the stored study {study.study_name!r} {what}{hint}; "
                         f"resume it with the same ones, or give another study_name")


def _interrupted(t: optuna.trial.FrozenTrial) -> bool:
    """Failed without a recorded cause or score: stopped from outside (Ctrl-C)."""
    return (t.state == optuna.trial.TrialState.FAIL and ERROR_ATTR not in t.user_attrs
            and not any(k.startswith("test_") for k in t.user_attrs))


def finished_trials(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    """Completed and failed trials, by number; interrupted ones left out."""
    keep = [t for t in study.get_trials(deepcopy=False)
            if t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL)
            and not _interrupted(t)]
    return sorted(keep, key=lambda t: t.number)


def retry_interrupted(study: optuna.Study) -> None:
    """Enqueue each interrupted trial's configuration again (once)."""
    done = set(study.user_attrs.get(RETRIED_ATTR, []))
    again = [t for t in study.get_trials(deepcopy=False) if _interrupted(t)
             and t.number not in done]
    for t in again:
        attrs = {k: t.user_attrs[k] for k in (KEYS_ATTR, SOURCE_ATTR, CANDIDATE_ATTR)
                 if k in t.user_attrs}
        study.enqueue_trial(t.params, user_attrs=attrs)
    if again:
        study.set_user_attr(RETRIED_ATTR, sorted(done | {t.number for t in again}))


def metric_label(scoring: Any, main: str, multimetric: bool) -> str:
    """The metric a search maximises, in words: a scorer's name, "default" (the estimator's
    ``score``) or "callable"."""
    if multimetric:
        if isinstance(scoring, Mapping):
            scorer = scoring.get(main)
            return scorer if isinstance(scorer, str) else "callable"
        if isinstance(scoring, (list, tuple, set)):
            return str(main)
        return "callable"  # a callable returning a dict of metrics
    if scoring is None:
        return "default"
    return scoring if isinstance(scoring, str) else "callable"

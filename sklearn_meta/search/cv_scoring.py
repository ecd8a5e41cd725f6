"""Cross-validated scores of one configuration, as ``MetaSearchCV`` records them.

scikit-learn's ``cross_validate`` scores every fold, but with metadata routing disabled it
cannot pass per-row scoring metadata (e.g. ``sample_weight`` for a weighted accuracy) to the
scorer. :func:`cross_validate_scored` does what scikit-learn's searches do with routed score
parameters: each fold's scorer gets the parameters indexed to that fold's test rows.
:func:`metric_to_optimise` names the metric a trial reports, also for a callable ``scoring``
that returns several metrics (a dict), as scikit-learn accepts.
"""
from __future__ import annotations

import time
import warnings
from typing import Any, Mapping, Sequence

import numpy as np
from sklearn import config_context
from sklearn.metrics import check_scoring
from sklearn.model_selection import cross_validate
from sklearn.utils import _safe_indexing, indexable
from sklearn.utils.metadata_routing import get_routing_for_object
from sklearn.utils.metaestimators import _safe_split
from sklearn.utils.validation import _num_samples

Splits = Sequence[tuple[np.ndarray, np.ndarray]]


def _fold_rows(value: Any, rows: np.ndarray, n: int) -> Any:
    """``value`` restricted to ``rows`` when it has one entry per sample, else unchanged (as
    scikit-learn indexes fit and score parameters)."""
    if value is None or np.isscalar(value) or not hasattr(value, "__len__") or len(value) != n:
        return value
    return _safe_indexing(value, rows)


def cross_validate_scored(estimator: Any, X: Any, y: Any, splits: Splits, scoring: Any,
                          fit_params: Mapping[str, Any],
                          score_params: Mapping[str, Any] | None = None,
                          error_score: Any = np.nan,
                          return_train_score: bool = False) -> dict[str, Any]:
    """``cross_validate``'s result dict (``test_<metric>``, ``train_<metric>`` with
    ``return_train_score``, ``fit_time``, ``score_time``) plus ``fit_failed`` (1.0 for a fold
    whose fit failed, else 0.0).

    ``error_score`` as in scikit-learn's searches: ``"raise"`` raises the first fit or scoring
    error; a number is the score of a failed fit or metric (NaN: the trial fails). Every fold
    failing raises scikit-learn's ``ValueError`` ("All the ... fits failed"), which the
    search turns into a failed trial (or, with a numeric ``error_score``, that score).
    Without ``score_params`` the folds are run by ``cross_validate`` itself. With them
    (routed by metadata routing), the folds are fitted by ``cross_validate`` and scored here
    as scikit-learn's searches score them: each scorer gets the parameters it requested,
    indexed to the fold's test (or train) rows; a metric that fails scores ``error_score``
    (with scikit-learn's "Scoring failed" warning), the others stand.
    """
    raise_ = isinstance(error_score, str) and error_score == "raise"
    # failed fits and metrics are found by a marker value, then given error_score: a metric
    # that is NaN by itself (R^2 on one row) stays NaN and is no failed fit
    inner = "raise" if raise_ else _FAILED
    with config_context(enable_metadata_routing=False):
        if not score_params:
            out = cross_validate(estimator, X, y, cv=splits, scoring=scoring, n_jobs=1,
                                 error_score=inner, params=dict(fit_params),
                                 return_train_score=return_train_score)
            return _fill_failed(out, error_score)
        fitted = cross_validate(estimator, X, y, cv=splits, scoring=_fitted_marker, n_jobs=1,
                                error_score=inner, params=dict(fit_params),
                                return_estimator=True)
    fitted["test_score"] = np.where(fitted["test_score"] == _FAILED, np.nan, 0.0)
    X, y = indexable(X, y)
    scorers = _named_scorers(estimator, scoring)
    n = _num_samples(X)
    per_fold: dict[str, list[dict[str, float]]] = {"test": [], "train": []}
    times = []
    parts = ("test", "train") if return_train_score else ("test",)
    failed = []
    for (train, test), est, ok in zip(splits, fitted["estimator"], fitted["test_score"]):
        start = time.perf_counter()
        failed.append(not np.isfinite(ok))  # the fit failed (warned by cross_validate)
        for part in parts:
            rows = test if part == "test" else train
            scores: dict[str, float] = {}
            if np.isfinite(ok):
                X_part, y_part = _safe_split(est, X, y, rows, train)
                params = {k: _fold_rows(v, rows, n) for k, v in score_params.items()}
                for name, scorer in scorers.items():
                    try:
                        with config_context(enable_metadata_routing=False):
                            res = scorer(est, X_part, y_part, **_requested(scorer, params))
                    except Exception as exc:  # noqa: BLE001 - as scikit-learn's _score
                        if raise_:
                            raise
                        warnings.warn(f"Scoring failed. The score on this train-test "
                                      f"partition for these parameters will be set to "
                                      f"{error_score}. Details: \n{type(exc).__name__}: "
                                      f"{exc}", UserWarning, stacklevel=2)
                        continue  # scored _FAILED below
                    if isinstance(res, Mapping):  # a callable returning several metrics
                        scores.update({k: float(v) for k, v in res.items()})
                    else:
                        scores[name] = float(res)
            per_fold[part].append(scores)
        times.append(time.perf_counter() - start)
    all_scores = per_fold["test"] + per_fold["train"]
    names = sorted({k for s in all_scores for k in s} | (set(scorers) - {"score"})) or ["score"]
    out_: dict[str, Any] = {"fit_time": fitted["fit_time"], "score_time": np.array(times)}
    for part in parts:
        for name in names:
            out_[f"{part}_{name}"] = np.array([s.get(name, _FAILED) for s in per_fold[part]])
    out_[FIT_FAILED_ATTR] = np.array(failed, dtype=float)
    return _fill_failed(out_, error_score)


#: Key of the per-fold flags of failed fits in the result (a trial attribute in the search).
FIT_FAILED_ATTR = "fit_failed"
#: What a failed fit or metric scores inside :func:`cross_validate_scored` before it is given
#: ``error_score`` (no metric returns it: the most negative float).
_FAILED = float(np.finfo(np.float64).min)


def _fill_failed(result: dict[str, Any], error_score: Any) -> dict[str, Any]:
    """Mark the folds whose fit failed (every test metric at the ``_FAILED`` marker) in
    ``fit_failed`` and give the failed fits and metrics ``error_score``."""
    keys = [k for k in result if k.startswith(("test_", "train_"))]
    if FIT_FAILED_ATTR not in result:
        tests = [np.asarray(result[k], dtype=float) for k in keys if k.startswith("test_")]
        result[FIT_FAILED_ATTR] = (np.all(np.equal(tests, _FAILED), axis=0).astype(float)
                                if tests else np.zeros(len(result["fit_time"])))
    fill = np.nan if isinstance(error_score, str) else float(error_score)
    for k in keys:
        v = np.asarray(result[k], dtype=float)
        result[k] = np.where(v == _FAILED, fill, v)
    return result


def _named_scorers(estimator: Any, scoring: Any) -> dict[str, Any]:
    """``{metric name: scorer}``; one metric (a name, None or a callable) is ``"score"``."""
    if isinstance(scoring, Mapping):
        return {k: check_scoring(estimator, scoring=v) for k, v in scoring.items()}
    if isinstance(scoring, (list, tuple, set)):
        return {k: check_scoring(estimator, scoring=k) for k in scoring}
    return {"score": scoring if callable(scoring) else check_scoring(estimator, scoring=scoring)}


def _requested(scorer: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of ``params`` a scorer asked for with ``set_score_request`` (aliases
    resolved); a plain callable gets them all, as scikit-learn passes them."""
    try:
        requests = get_routing_for_object(scorer).score.requests
    except (AttributeError, TypeError):
        return dict(params)
    out = {}
    for name, alias in requests.items():
        if alias is True and name in params:
            out[name] = params[name]
        elif isinstance(alias, str) and alias in params:
            out[name] = params[alias]
    return out


def _fitted_marker(estimator: Any, X: Any, y: Any = None) -> float:
    """A scorer that only says the fold was fitted (scores are computed afterwards)."""
    return 0.0


def metric_to_optimise(result: Mapping[str, Any], main: str, any_metric: bool) -> str:
    """The ``test_<metric>`` key of ``result`` whose mean a trial reports.

    ``main`` is the refit metric (``"score"`` for a single one). A callable ``scoring`` may
    return a dict: with ``refit`` False or a callable (``any_metric``) the first metric by name
    is optimised; with ``refit=True`` scikit-learn's rule applies: name the metric.
    """
    key = f"test_{main}"
    if key in result:
        return key
    names = sorted(k[5:] for k in result if k.startswith("test_"))
    if main != "score":
        raise ValueError(f"refit={main!r}: the scoring returned the metrics {names}, not "
                         f"{main!r}; refit must name one of them")
    if not any_metric:
        raise ValueError(f"scoring: the callable returned several metrics {names}; as in "
                         f"scikit-learn, refit must then name the metric to optimise and "
                         f"refit on (one of {names}), be a callable, or be False")
    return f"test_{names[0]}"

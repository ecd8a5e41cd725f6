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
from sklearn.utils import _safe_indexing

Splits = Sequence[tuple[np.ndarray, np.ndarray]]


def _fold_rows(value: Any, rows: np.ndarray, n: int) -> Any:
    """``value`` restricted to ``rows`` when it has one entry per sample, else unchanged (as
    scikit-learn indexes fit and score parameters)."""
    if value is None or np.isscalar(value) or not hasattr(value, "__len__") or len(value) != n:
        return value
    return _safe_indexing(value, rows)


def cross_validate_scored(estimator: Any, X: Any, y: Any, splits: Splits, scoring: Any,
                          fit_params: Mapping[str, Any],
                          score_params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``cross_validate``'s result dict (``test_<metric>``, ``fit_time``, ``score_time``).

    Without ``score_params`` it is ``cross_validate`` itself (fit failures scored NaN; every
    fold failing raises its ``ValueError``). With them, the folds are fitted by
    ``cross_validate`` and scored here, the parameters indexed to each fold's test rows.
    """
    with config_context(enable_metadata_routing=False):
        if not score_params:
            return cross_validate(estimator, X, y, cv=splits, scoring=scoring, n_jobs=1,
                                  error_score=np.nan, params=dict(fit_params))
        fitted = cross_validate(estimator, X, y, cv=splits, scoring=_fitted_marker, n_jobs=1,
                                error_score=np.nan, params=dict(fit_params),
                                return_estimator=True)
        scorer = check_scoring(estimator, scoring=scoring)
        n = len(y) if y is not None else _n_samples(X)
        per_fold: list[dict[str, float] | float] = []
        times = []
        for (_, test), est, ok in zip(splits, fitted["estimator"], fitted["test_score"]):
            start = time.perf_counter()
            if not np.isfinite(ok):  # the fit failed (warned by cross_validate)
                per_fold.append(np.nan)
            else:
                params = {k: _fold_rows(v, test, n) for k, v in score_params.items()}
                y_test = None if y is None else _safe_indexing(y, test)
                try:
                    per_fold.append(scorer(est, _safe_indexing(X, test), y_test, **params))
                except Exception as exc:  # noqa: BLE001 - as error_score=np.nan: warn, NaN
                    warnings.warn(f"Scoring failed; the fold's score is NaN. Details: "
                                  f"{type(exc).__name__}: {exc}", UserWarning, stacklevel=2)
                    per_fold.append(np.nan)
            times.append(time.perf_counter() - start)
    names = sorted({k for s in per_fold if isinstance(s, Mapping) for k in s}) or ["score"]
    out: dict[str, Any] = {"fit_time": fitted["fit_time"], "score_time": np.array(times)}
    for name in names:
        out[f"test_{name}"] = np.array([
            float(s[name]) if isinstance(s, Mapping) else
            (float(s) if name == "score" else np.nan) for s in per_fold])
    return out


def _fitted_marker(estimator: Any, X: Any, y: Any = None) -> float:
    """A scorer that only says the fold was fitted (scores are computed afterwards)."""
    return 0.0


def _n_samples(X: Any) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)


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

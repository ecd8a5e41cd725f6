"""Summary functions that turn a per-attribute (or per-fold) array into numbers.

Definitions mirror pymfe 0.4.4 (``pymfe/_summary.py``) exactly, including its
choice of ``ddof=1`` for ``sd``/``var`` and the "method 3" (e1071 type 3)
skewness/kurtosis, so summarised values can be compared line by line.
"""
from __future__ import annotations

from typing import Callable, Sequence, Union

import numpy as np
import scipy.stats

SummaryValue = Union[float, np.ndarray]


def _drop_nan(values: np.ndarray) -> np.ndarray:
    return values[~np.isnan(values)]


def _sd(values: np.ndarray, ddof: int = 1) -> float:
    return float(np.std(values, ddof=ddof)) if len(values) > ddof else np.nan


def _var(values: np.ndarray, ddof: int = 1) -> float:
    return float(np.var(values, ddof=ddof)) if len(values) > ddof else np.nan


def _histogram(values: np.ndarray, bins: int = 10) -> np.ndarray:
    if len(values) == 0:
        return np.full(bins, np.nan)
    try:
        freqs, _ = np.histogram(values, bins=bins)
    except (ValueError, IndexError):
        return np.full(bins, np.nan)
    return freqs / freqs.sum()


def _quantiles(values: np.ndarray) -> np.ndarray:
    if len(values) == 0:
        return np.full(5, np.nan)
    return np.quantile(values, (0.0, 0.25, 0.5, 0.75, 1.0))


def _skewness(values: np.ndarray) -> float:
    n = len(values)
    if n == 0:
        return np.nan
    return float(scipy.stats.skew(values, bias=True) * ((n - 1.0) / n) ** 1.5)


def _kurtosis(values: np.ndarray) -> float:
    n = len(values)
    if n == 0:
        return np.nan
    k = scipy.stats.kurtosis(values, bias=True)
    return float((k + 3.0) * (1.0 - 1.0 / n) ** 2.0 - 3.0)


def _safe(func: Callable[[np.ndarray], SummaryValue]) -> Callable[[np.ndarray], SummaryValue]:
    def wrapped(values: np.ndarray) -> SummaryValue:
        if len(values) == 0:
            return np.nan
        return func(values)

    return wrapped


def _nan(func: Callable[[np.ndarray], SummaryValue]) -> Callable[[np.ndarray], SummaryValue]:
    def wrapped(values: np.ndarray) -> SummaryValue:
        return func(_drop_nan(values))

    return wrapped


def _sum(values: np.ndarray) -> float:
    return float(np.sum(values)) if len(values) else np.nan


def _powersum(values: np.ndarray, p: float = 2) -> float:
    if len(values) == 0 or np.any(np.isnan(values)):
        return np.nan
    return float(np.sum(np.power(values, p)))


def _pnorm(values: np.ndarray, p: float = 2) -> float:
    if len(values) == 0 or np.any(np.isnan(values)):
        return np.nan
    return float(np.linalg.norm(values, ord=p))


SUMMARIES: dict[str, Callable[[np.ndarray], SummaryValue]] = {
    "mean": _safe(np.mean),
    "nanmean": _nan(_safe(np.mean)),
    "sd": _sd,
    "nansd": _nan(_sd),
    "var": _var,
    "nanvar": _nan(_var),
    "count": lambda v: float(len(v)),
    "nancount": lambda v: float(np.count_nonzero(~np.isnan(v))),
    "histogram": _histogram,
    "nanhistogram": _nan(_histogram),
    "iq_range": _safe(scipy.stats.iqr),
    "naniq_range": _nan(_safe(scipy.stats.iqr)),
    "kurtosis": _kurtosis,
    "nankurtosis": _nan(_kurtosis),
    "max": _safe(np.max),
    "nanmax": _nan(_safe(np.max)),
    "median": _safe(np.median),
    "nanmedian": _nan(_safe(np.median)),
    "min": _safe(np.min),
    "nanmin": _nan(_safe(np.min)),
    "quantiles": _quantiles,
    "nanquantiles": _nan(_quantiles),
    "range": _safe(np.ptp),
    "nanrange": _nan(_safe(np.ptp)),
    "skewness": _skewness,
    "nanskewness": _nan(_skewness),
    "sum": _sum,
    "nansum": _nan(_sum),
    "powersum": _powersum,
    "nanpowersum": _nan(_powersum),
    "pnorm": _pnorm,
    "nanpnorm": _nan(_pnorm),
}


def check_summary(summary: Union[str, Sequence[str], None]) -> tuple[str, ...]:
    """Validate the ``summary`` argument and return it as a tuple of names."""
    if summary is None:
        return ()
    if isinstance(summary, str):
        summary = ("mean", "sd") if summary == "default" else (
            tuple(SUMMARIES) if summary == "all" else (summary,)
        )
    names = tuple(summary)
    unknown = [s for s in names if s not in SUMMARIES]
    if unknown:
        raise ValueError(
            f"summary: unknown summary function(s) {unknown}; expected names from "
            f"{sorted(SUMMARIES)}."
        )
    return names


def summarize(name: str, values: np.ndarray, summaries: Sequence[str]) -> dict[str, float]:
    """Summarise ``values`` of feature ``name``; multi-valued summaries get ``.i`` suffixes.

    With no summaries the raw values are returned as ``name.i`` (pymfe's
    behaviour with ``summary=None`` keeps the arrays).
    """
    values = np.asarray(values, dtype=float).ravel()
    out: dict[str, float] = {}
    if not summaries:
        for i, v in enumerate(values):
            out[f"{name}.{i}"] = float(v)
        return out
    with np.errstate(all="ignore"):
        for s in summaries:
            try:
                res = SUMMARIES[s](values)
            except (ValueError, TypeError, ZeroDivisionError, FloatingPointError, IndexError):
                res = np.nan
            if np.ndim(res) == 0:
                out[f"{name}.{s}"] = float(res)
            else:
                for i, v in enumerate(np.asarray(res, dtype=float).ravel()):
                    out[f"{name}.{s}.{i}"] = float(v)
    return out

"""Date-time, time-delta and time-of-day columns as seconds, refusing a column whose kind of
time changed since fit."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .column_kinds import arrow_temporal, arrow_to_numpy_time, time_kind


def object_times(col: pd.Series) -> pd.Series:
    """An object column of dates/date-times (naive ones read as UTC), time-deltas or times of
    day (as the time-delta since midnight) as a datetime64/timedelta64 column; a value of
    another kind than the first is a ValueError naming the column."""
    present = col[col.notna()].to_numpy()
    kind = time_kind(present[0]) if len(present) else None
    bad = [v for v in present if time_kind(v) != kind]
    if bad or (len(present) and kind is None):
        v = bad[0] if bad else present[0]
        raise ValueError(f"X[{col.name!r}]: was a date-time column at fit, got the value "
                         f"{v!r}; pass dates, date-times, time-deltas or times of day (one "
                         f"kind per column), or missing values, in it")
    if kind == "delta":
        return pd.to_timedelta(col)
    if kind == "clock":
        seconds = [np.nan if pd.isna(v) else v.hour * 3600 + v.minute * 60 + v.second
                   + v.microsecond / 1e6 for v in col.to_numpy()]
        return pd.Series(pd.to_timedelta(seconds, unit="s"), index=col.index, name=col.name)
    return pd.to_datetime(col, utc=True)


def to_seconds(X: pd.DataFrame) -> np.ndarray:
    """Date-times as seconds since the epoch, time-deltas as seconds; NaT -> NaN."""
    out = np.empty(X.shape, dtype=float)
    for j, c in enumerate(X.columns):
        col = X.iloc[:, j]
        if not (pd.api.types.is_datetime64_any_dtype(col) or
                pd.api.types.is_timedelta64_dtype(col)) and col.isna().all():
            out[:, j] = np.nan  # a column of None / NaN only, passed for a date-time one
            continue
        if arrow_temporal(col.dtype):
            col = arrow_to_numpy_time(col)
        if col.dtype == object:
            col = object_times(col)
        if pd.api.types.is_datetime64_any_dtype(col):
            if getattr(col.dt, "tz", None) is not None:
                col = col.dt.tz_convert("UTC").dt.tz_localize(None)
            col = col - pd.Timestamp("1970-01-01")
        out[:, j] = col.dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
    return out


def time_unit(col: pd.Series) -> str | None:
    """"date" (date-times, dates), "delta" (time-deltas) or "clock" (times of day) for a
    temporal column; None when it holds nothing but missing values."""
    dt = col.dtype
    if pd.api.types.is_datetime64_any_dtype(dt):
        return "date"
    if pd.api.types.is_timedelta64_dtype(dt):
        return "delta"
    if arrow_temporal(dt):
        import pyarrow as pa

        t = dt.pyarrow_dtype
        return "delta" if pa.types.is_duration(t) else "clock" if pa.types.is_time(t) \
            else "date"
    present = col[col.notna()]
    return time_kind(present.iloc[0]) if len(present) else None


_UNIT_WORDS = {"date": "dates or date-times", "delta": "time-deltas",
               "clock": "times of day"}


class TimeToSeconds(TransformerMixin, BaseEstimator):
    """Date-times as seconds since the epoch, time-deltas as seconds, times of day as seconds
    since midnight (:func:`to_seconds`); a column that held one of these at fit and another
    now (times of day at fit, dates now: seconds since 1970 read as seconds since midnight)
    is refused with the column named, instead of silently giving values far outside fit's."""

    def fit(self, X, y=None):
        X = pd.DataFrame(X)
        self.units_ = [time_unit(X.iloc[:, j]) for j in range(X.shape[1])]
        self.n_features_in_ = X.shape[1]
        self.names_ = [str(c) for c in X.columns]
        return self

    def transform(self, X):
        check_is_fitted(self, "units_")
        X = pd.DataFrame(X)
        for j, fitted in enumerate(self.units_):
            now = time_unit(X.iloc[:, j])
            if fitted is not None and now is not None and now != fitted:
                raise ValueError(f"X[{X.columns[j]!r}]: held {_UNIT_WORDS[fitted]} at fit, "
                                 f"got {_UNIT_WORDS[now]}; pass the kind of values it had at "
                                 f"fit")
        return to_seconds(X)

    def get_feature_names_out(self, input_features=None):
        if input_features is None:
            input_features = getattr(self, "names_", None) or \
                [f"x{j}" for j in range(self.n_features_in_)]
        return np.asarray(input_features, dtype=object)

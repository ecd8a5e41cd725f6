"""How each column of a table is read: numeric, categorical (text, booleans, categories) or
temporal (dates, date-times, time-deltas, times of day), with pyarrow and object columns
included, and the checks that a frame at predict has the columns and kinds it had at fit."""
from __future__ import annotations

import datetime
import decimal
import numbers

import numpy as np
import pandas as pd


def arrow_temporal(dt) -> bool:
    """A pyarrow-backed date, time-stamp or duration dtype (``read_parquet(...,
    dtype_backend="pyarrow")``); read through Python objects (:func:`object_times`)."""
    if not isinstance(dt, pd.ArrowDtype):
        return False
    import pyarrow as pa

    t = dt.pyarrow_dtype
    return pa.types.is_timestamp(t) or pa.types.is_date(t) or pa.types.is_duration(t) or \
        pa.types.is_time(t)


def arrow_to_numpy_time(col: pd.Series) -> pd.Series:
    """A pyarrow time-stamp / duration column as datetime64 / timedelta64 (fast); dates and
    times of day through Python objects (:func:`object_times`)."""
    import pyarrow as pa

    t = col.dtype.pyarrow_dtype
    if pa.types.is_timestamp(t):
        return col.astype("datetime64[ns, UTC]" if t.tz else "datetime64[ns]")
    if pa.types.is_duration(t):
        return col.astype("timedelta64[ns]")
    return col.astype(object)


def _kind(dt) -> str:
    """"temporal", "categorical" or "numeric" for a column dtype (no checks)."""
    if pd.api.types.is_datetime64_any_dtype(dt) or pd.api.types.is_timedelta64_dtype(dt) or \
            arrow_temporal(dt):
        return "temporal"
    if isinstance(dt, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dt) or \
            pd.api.types.is_object_dtype(dt) or pd.api.types.is_string_dtype(dt) or \
            _arrow_non_numeric(dt):
        return "categorical"
    return "numeric"


def _arrow_non_numeric(dt) -> bool:
    """A pyarrow-backed dtype that holds neither numbers nor times: dictionary-encoded columns
    (a pandas categorical written to parquet, read with ``dtype_backend="pyarrow"``), binary
    and other types; their values are levels, not numbers."""
    if not isinstance(dt, pd.ArrowDtype):
        return False
    import pyarrow as pa

    t = dt.pyarrow_dtype
    return not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
                or pa.types.is_boolean(t) or arrow_temporal(dt))


def _is_real_number(v) -> bool:
    # Decimal (database drivers, JSON with parse_float=Decimal) and Fraction are numbers too;
    # np.timedelta64 is an np.integer; booleans are ints in Python
    return isinstance(v, (numbers.Real, decimal.Decimal)) and \
        not isinstance(v, (bool, np.bool_, np.timedelta64))


def time_kind(v) -> str | None:
    """"date" (dates, date-times: ``datetime``, ``pd.Timestamp``, ``.dt.date``), "delta"
    (time-deltas), "clock" (times of day: ``datetime.time``, ``.dt.time``) or None."""
    if isinstance(v, (datetime.timedelta, np.timedelta64)):
        return "delta"
    if isinstance(v, (datetime.date, np.datetime64)):
        return "date"
    return "clock" if isinstance(v, datetime.time) else None


def is_time_value(v) -> bool:
    """A date, date-time, time-delta or time-of-day object."""
    return time_kind(v) is not None


def holds_times(col: pd.Series) -> bool:
    """An ``object`` column whose present values are all dates/date-times, all time-deltas or
    all times of day (``df.ts.dt.date``, ``df.ts.dt.time``, records of ``datetime`` objects):
    read as seconds, like date-time columns. One-hot coding them would silently throw their
    order away."""
    if col.dtype != object:
        return False
    kinds = {time_kind(v) for v in col[col.notna()].to_numpy()}
    return len(kinds) == 1 and None not in kinds


def holds_numbers(col: pd.Series) -> bool:
    """An ``object`` column whose present values are all real numbers (not booleans), as
    ``df.astype(object)``, JSON records or object arrays give: read as numeric, like
    scikit-learn's ``check_array`` and :func:`meta_features.extract` do. One-hot coding its
    values would silently throw the order of the numbers away."""
    if col.dtype != object:
        return False
    present = col[col.notna()].to_numpy()
    return len(present) > 0 and all(_is_real_number(v) for v in present)


def object_numbers(col: pd.Series) -> np.ndarray:
    """An object column of numbers as float64 (None, pd.NA, NaT -> NaN); a value that is no
    number is a ValueError naming the column (it held only numbers at fit)."""
    values = col.to_numpy()
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if _is_real_number(v):
            try:
                out[i] = float(v)
            except OverflowError:  # a Python int beyond the float range: infinite, as
                out[i] = np.inf if v > 0 else -np.inf  # Decimal("1e400") is (named later)
        elif not pd.isna(v):
            raise ValueError(f"X[{col.name!r}]: was a numeric column at fit, got the value "
                             f"{v!r}; pass numbers or missing values in it")
    return out


def as_float(X) -> np.ndarray:
    """Numeric columns (object columns of numbers and nullable dtypes included) as float64,
    missing values (None, pd.NA, NaN) as NaN."""
    if isinstance(X, np.ndarray) and X.dtype.kind in "fiu":
        return X.astype(np.float64, copy=False)
    frame = pd.DataFrame(X)
    objects = [j for j, dt in enumerate(frame.dtypes) if dt == object]
    if not objects:
        return frame.to_numpy(dtype=np.float64, na_value=np.nan)
    others = [j for j in range(frame.shape[1]) if j not in set(objects)]
    out = np.empty(frame.shape, dtype=np.float64)
    if others:
        out[:, others] = frame.iloc[:, others].to_numpy(dtype=np.float64, na_value=np.nan)
    for j in objects:
        out[:, j] = object_numbers(frame.iloc[:, j])
    return out


def infinite_columns(X: pd.DataFrame) -> list:
    """Names of the numeric columns of ``X`` (object columns of numbers included) that hold
    an infinite value."""
    dtypes = list(X.dtypes)
    numeric = [j for j, dt in enumerate(dtypes) if pd.api.types.is_numeric_dtype(dt) and
               not pd.api.types.is_bool_dtype(dt)]
    bad = set()
    if numeric:
        values = X.iloc[:, numeric].to_numpy(dtype=np.float64, na_value=np.nan)
        bad.update(np.asarray(numeric)[np.isinf(values).any(axis=0)].tolist())
    for j, dt in enumerate(dtypes):
        if dt == object and holds_numbers(X.iloc[:, j]):
            if np.isinf(object_numbers(X.iloc[:, j])).any():
                bad.add(j)
    return [X.columns[j] for j in sorted(bad)]


def categorical_columns(X: pd.DataFrame) -> list:
    """Columns of ``X`` treated as categorical: object, string, category and (nullable) bool
    dtypes, except object columns that hold only numbers (:func:`holds_numbers`)."""
    return [c for c, kind in zip(X.columns, frame_kinds(X)) if kind == "categorical"]


def temporal_columns(X: pd.DataFrame) -> list:
    """Date-time (time-zone aware or not) and time-delta columns of ``X`` (object columns of
    date or time-delta objects included)."""
    return [c for c, kind in zip(X.columns, frame_kinds(X)) if kind == "temporal"]


def _dtype_kind(name, dt) -> str:
    """``_kind`` of a column's dtype; a ValueError naming the column for dtypes that have no
    meaningful encoding here (complex, period, interval, sparse)."""
    if isinstance(dt, (pd.PeriodDtype, pd.IntervalDtype, pd.SparseDtype)) or \
            pd.api.types.is_complex_dtype(dt):
        raise ValueError(f"X[{name!r}]: unsupported dtype {dt}; expected numeric, boolean, "
                         "categorical, string, date-time or time-delta columns")
    return _kind(dt)


def column_kind(col: pd.Series) -> str:
    """How a DataFrame column is preprocessed: "numeric", "temporal" or "categorical"."""
    kind = _dtype_kind(col.name, col.dtype)
    if kind == "categorical" and holds_numbers(col):
        return "numeric"
    if kind == "categorical" and holds_times(col):
        return "temporal"
    return kind


def frame_kinds(X: pd.DataFrame) -> list:
    """:func:`column_kind` of every column by position. Only object columns are read value
    by value (wide numeric frames stay fast)."""
    return [column_kind(X.iloc[:, j]) if dt == object else _dtype_kind(c, dt)
            for j, (c, dt) in enumerate(zip(X.columns, X.dtypes))]


def column_kinds(X: pd.DataFrame) -> dict:
    """``{column: kind}`` for a DataFrame; duplicated column names are refused."""
    dup = X.columns[X.columns.duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"X: duplicated column names {dup}; every column needs its own name")
    return dict(zip(X.columns, frame_kinds(X)))


def check_column_kinds(X: pd.DataFrame, fitted: dict, now: dict | None = None) -> None:
    """Refuse a DataFrame whose columns changed kind since fit (e.g. a date-time column passed
    as strings), with the column named, instead of a failure deep inside the preprocessing.
    ``now``: ``column_kinds(X)`` if already computed."""
    now = column_kinds(X) if now is None else now
    changed = [c for c, kind in fitted.items() if c in now and now[c] != kind]
    for c in changed:
        kind = fitted[c]
        if X[c].isna().all():
            continue  # nothing but missing values (e.g. one record with a None): any kind
        # a categorical column (text at fit) that now holds only numbers or dates: its
        # fitted one-hot coding reads them (models fitted before dates were read as dates)
        if not (now[c] in ("numeric", "temporal") and kind == "categorical"):
            raise ValueError(f"X[{c!r}]: was a {kind} column at fit, got dtype {X[c].dtype} "
                             f"({now[c]}); pass the column with the dtype it had at fit")


def check_same_columns(columns, fitted: list) -> None:
    """Refuse ``columns`` (a DataFrame's, at predict) unless they are ``fitted``, in order.
    Compared as a pandas Index, so that a NaN name equals itself."""
    now, then = pd.Index(columns), pd.Index(fitted)
    if now.equals(then):
        return
    same_names = len(now) == len(then) and now.isin(then).all() and then.isin(now).all()
    what = "in another order than" if same_names else "other than"
    hint = ""
    if not same_names and sorted(map(str, now)) == sorted(map(str, then)):
        hint = (f" (the names differ in type: {type(now[0]).__name__} now, "
                f"{type(then[0]).__name__} at fit)")
    if not same_names and not hint:  # name what is missing and what is new, not two lists
        # that may look alike when cut short
        missing, new = list(then[~then.isin(now)]), list(now[~now.isin(then)])
        parts = ([f"missing {missing[:10]}{' ...' if len(missing) > 10 else ''}"]
                 if missing else []) + \
            ([f"not seen at fit {new[:10]}{' ...' if len(new) > 10 else ''}"] if new else [])
        if not parts:  # the same names, some repeated another number of times
            parts = [f"{len(now)} columns now, {len(then)} at fit"]
        raise ValueError(f"X: columns differ from those seen at fit: {'; '.join(parts)}; "
                         f"pass the columns of fit, in their order")
    raise ValueError(f"X: columns {list(now)[:10]} are {what} those seen at fit "
                     f"{list(then)[:10]}{hint}; pass the columns of fit, in their order")


def holds_text_objects(X) -> bool:
    """A 2-D numpy ``object`` array with text or dates in it (``df.to_numpy()`` of a mixed
    frame), or a numpy string array (``np.loadtxt(..., dtype=str)``): read column by column
    as a DataFrame (:func:`object_array_frame`), not refused."""
    if not (isinstance(X, np.ndarray) and X.ndim == 2):
        return False
    if X.dtype.kind in "US":
        return True
    return X.dtype == object and any(isinstance(v, str) or is_time_value(v)
                                     for v in X.ravel())

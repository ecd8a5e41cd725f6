"""Input checking and encoding: turns (X, y) into the views every group needs.

Views (mirroring pymfe's ``fit`` preprocessing with its defaults
``transform_num=True, transform_cat="gray"``):

* ``N`` - numeric attributes followed by the "gray" (patsy model-matrix)
  encoding of categorical attributes: the first categorical attribute gets one
  indicator column per level, every later one drops its first level (levels in
  sorted string order). Missing cells stay NaN.
* ``C`` - integer codes of categorical attributes followed by numeric
  attributes discretised into ``int(n ** (1/3))`` equal-frequency bins
  (pymfe's ``_equal_freq_discretization``). Missing cells are ``-1``.

Deviations from pymfe, needed for robustness: infinities are treated as
missing; all-missing columns are dropped from ``N``/``C`` (still counted by
``nr_attr``); categorical attributes with more than ``MAX_DUMMY_LEVELS`` levels
are not expanded into ``N``. Each such change is reported in the one warning
that ``extract`` emits. Date-time and time-delta columns (which pymfe does not take) are
numeric: seconds since the epoch / seconds, as the MetaMLP estimators read them.
"""
from __future__ import annotations

import datetime
import decimal
import numbers
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Optional, Sequence, Union

import numpy as np
import pandas as pd

MAX_DUMMY_LEVELS = 100

ArrayLike = Union[np.ndarray, pd.DataFrame, Sequence[Sequence[Any]]]


@dataclass
class TaskData:
    """Encoded data set plus lazily computed quantities shared between groups."""

    X_cols: list[np.ndarray]  # raw columns (numeric as float, categorical as int codes)
    is_cat: np.ndarray  # bool mask over original columns
    N: np.ndarray
    C: np.ndarray
    C_levels: np.ndarray  # number of levels per C column
    y: Optional[np.ndarray]  # class codes 0..k-1 (classification) or float (regression)
    classes: Optional[np.ndarray]
    class_freqs: Optional[np.ndarray]
    task: Optional[str]  # "classification", "regression" or None
    random_state: int
    notes: list[str] = field(default_factory=list)
    constant_columns: list[str] = field(default_factory=list)  # one value (NaN aside)
    n_jobs: int = 1  # threads a group may use (landmarking folds)
    # Work shared between groups or started early (e.g. landmarking's trees, run in the
    # background while other groups compute): keys are "<group>.<what>".
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.N.shape[0]) if self.N.ndim == 2 else len(self.y)

    @property
    def nr_attr(self) -> int:
        return len(self.X_cols)

    @property
    def is_classif(self) -> bool:
        return self.task == "classification"

    @cached_property
    def N_imputed(self) -> np.ndarray:
        """``N`` with missing cells replaced by the column median (for learners and
        multivariate statistics); equal to ``N`` when nothing is missing."""
        N = self.N
        if not np.isnan(N).any():
            return N
        med = np.nanmedian(N, axis=0) if N.shape[0] else np.zeros(N.shape[1])
        med = np.where(np.isnan(med), 0.0, med)
        out = N.copy()
        r, c = np.nonzero(np.isnan(out))
        out[r, c] = med[c]
        return out

    @cached_property
    def N_has_nan(self) -> bool:
        return bool(np.isnan(self.N).any())


def _is_numeric_object_column(col: np.ndarray) -> bool:
    # Decimal (database drivers, JSON with parse_float=Decimal) and Fraction are numbers too
    vals = [v for v in col if not _is_missing(v)]
    return len(vals) > 0 and all(
        isinstance(v, (numbers.Real, decimal.Decimal, np.number))
        and not isinstance(v, (bool, np.bool_, np.timedelta64)) for v in vals
    )


def _time_kind(v: Any) -> str | None:
    """"date" (dates, date-times), "delta" (time-deltas), "clock" (times of day) or None."""
    if isinstance(v, (datetime.timedelta, np.timedelta64)):
        return "delta"
    if isinstance(v, (datetime.date, np.datetime64)):
        return "date"
    return "clock" if isinstance(v, datetime.time) else None


def _is_time_object_column(col: np.ndarray) -> bool:
    """Object values that are all dates/date-times, all time-deltas or all times of day
    (``.dt.date``, ``.dt.time``, ``datetime`` records): read as seconds, like datetime64
    columns."""
    kinds = {_time_kind(v) for v in col if not _is_missing(v)}
    return len(kinds) == 1 and None not in kinds


def _clock_seconds(col: pd.Series) -> np.ndarray:
    """Times of day (``datetime.time``) as seconds since midnight; missing -> NaN."""
    return np.array([np.nan if _is_missing(v) else
                     v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
                     for v in col.to_numpy()], dtype=float)


def _is_missing(v: Any) -> bool:
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def arrow_to_pandas(X: Any) -> Any:
    """A pyarrow Table / RecordBatch or a polars DataFrame as a pandas DataFrame, each
    column's type kept (``np.asarray`` of one gives a single dtype for all columns: text,
    dates and numbers mixed in one object array); any other input unchanged."""
    if type(X).__module__.split(".")[0] in ("pyarrow", "polars") and hasattr(X, "to_pandas"):
        return X.to_pandas()
    return X


def _to_frame(X: ArrayLike) -> pd.DataFrame:
    X = arrow_to_pandas(X)
    if isinstance(X, pd.DataFrame):
        return X
    if isinstance(X, pd.Series):
        raise ValueError("X: expected a 2-D array or DataFrame, got a pandas Series (1-D).")
    if hasattr(X, "toarray"):
        X = X.toarray()
    arr = np.asarray(X) if isinstance(X, np.ndarray) else np.asarray(X, dtype=object)
    if arr.ndim != 2:
        raise ValueError(f"X: expected a 2-D array (n_samples, n_features), got shape {arr.shape}.")
    return pd.DataFrame(arr)


def _check_not_complex(df: pd.DataFrame) -> None:
    """Refuse complex columns (casting them to float would silently drop the imaginary part)."""
    for j in range(df.shape[1]):
        col = df.iloc[:, j]
        if pd.api.types.is_complex_dtype(col.dtype) or (
                col.dtype == object
                and any(isinstance(v, (complex, np.complexfloating)) for v in col.to_numpy())):
            raise ValueError(f"X: complex values are not supported (column {df.columns[j]!r}).")


def _is_temporal(dt: Any) -> bool:
    if isinstance(dt, pd.ArrowDtype):  # pyarrow-backed dates, time stamps, durations
        import pyarrow as pa

        t = dt.pyarrow_dtype
        return pa.types.is_timestamp(t) or pa.types.is_date(t) or \
            pa.types.is_duration(t) or pa.types.is_time(t)
    return pd.api.types.is_datetime64_any_dtype(dt) or pd.api.types.is_timedelta64_dtype(dt)


def _seconds(col: pd.Series) -> np.ndarray:
    """Date-times as seconds since the epoch (UTC), time-deltas as seconds, times of day as
    seconds since midnight; NaT -> NaN."""
    if isinstance(col.dtype, pd.ArrowDtype):  # time stamps, durations: numpy (fast); dates
        import pyarrow as pa

        t = col.dtype.pyarrow_dtype
        col = col.astype("datetime64[ns, UTC]" if pa.types.is_timestamp(t) and t.tz else
                         "datetime64[ns]" if pa.types.is_timestamp(t) else
                         "timedelta64[ns]" if pa.types.is_duration(t) else object)
    if col.dtype == object:  # date/time-delta/time objects (_is_time_object_column)
        present = col[col.notna()]
        if len(present) and _time_kind(present.iloc[0]) == "clock":
            return _clock_seconds(col)
        delta = len(present) and isinstance(present.iloc[0], (datetime.timedelta, np.timedelta64))
        col = pd.to_timedelta(col) if delta else pd.to_datetime(col, utc=True)
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        if getattr(col.dt, "tz", None) is not None:
            col = col.dt.tz_convert("UTC").dt.tz_localize(None)
        col = col - pd.Timestamp("1970-01-01")
    return col.dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)


def _categorical_mask(df: pd.DataFrame, categorical: Any) -> np.ndarray:
    p = df.shape[1]
    if categorical is None or (isinstance(categorical, str) and categorical == "auto"):
        mask = np.zeros(p, dtype=bool)
        for j in range(p):
            col = df.iloc[:, j]
            dt = col.dtype
            if dt == object and (_is_numeric_object_column(col.to_numpy())
                                 or _is_time_object_column(col.to_numpy())):
                mask[j] = False  # numbers, or dates (seconds), stored as Python objects
            elif pd.api.types.is_bool_dtype(dt):
                mask[j] = True
            elif _is_temporal(dt):
                mask[j] = False  # seconds (since the epoch), as the MetaMLP estimators read them
            elif pd.api.types.is_numeric_dtype(dt):
                mask[j] = False
            elif isinstance(dt, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dt):
                mask[j] = not (dt == object and _is_numeric_object_column(col.to_numpy()))
            else:
                mask[j] = dt == object and not _is_numeric_object_column(col.to_numpy()) \
                    and not _is_time_object_column(col.to_numpy())
                if dt != object:
                    mask[j] = True  # periods, intervals etc.: treated as categorical
        return mask
    arr = np.asarray(categorical)
    if arr.dtype == bool:
        if arr.shape != (p,):
            raise ValueError(
                f"categorical: a boolean mask must have one entry per column ({p}), got shape {arr.shape}."
            )
        return arr.copy()
    mask = np.zeros(p, dtype=bool)
    cols = list(df.columns)
    for item in np.atleast_1d(arr).tolist():
        if item in cols:
            mask[cols.index(item)] = True
        elif isinstance(item, (int, np.integer)) and -p <= item < p:
            mask[item] = True
        else:
            raise ValueError(
                f"categorical: {item!r} is neither a column name nor a column index of X "
                f"(X has {p} columns)."
            )
    return mask


def _encode_categorical(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (levels in sorted string order, missing = -1) and level names."""
    missing = col.isna().to_numpy()
    codes = np.full(len(col), -1, dtype=np.int64)
    if (~missing).any():
        vals = col[~missing].astype(str).to_numpy()
        c, uniq = pd.factorize(vals, sort=True)
        codes[~missing] = c
        return codes, np.asarray(uniq)
    return codes, np.array([], dtype=object)


#: Quantile cut points closer than this (times the column's range when that is below 1) are
#: merged. pymfe's absolute 1e-8 merged every cut of a column measured in small units
#: (metres as 1e-9 km), so its entropies depended on the unit; relative to the range below
#: 1 the binning is unit-free, and columns of range >= 1 bin exactly as before.
MERGE_TOL = 1e-8


def _merge_tol(divs: np.ndarray) -> float:
    """Merge tolerance of one column's cut points (see :data:`MERGE_TOL`)."""
    span = float(divs[-1] - divs[0]) if divs.size else 0.0
    return MERGE_TOL * min(1.0, span) if span > 0 else MERGE_TOL


def _discretize(col: np.ndarray, num_bins: int) -> np.ndarray:
    """pymfe's equal-frequency discretisation of one numeric column (missing -> -1)."""
    obs = ~np.isnan(col)
    out = np.full(col.shape[0], -1, dtype=np.int64)
    if not obs.any():
        return out
    v = col[obs]
    divs = np.quantile(v, np.linspace(0, 1, num_bins + 1)[1:])
    divs = np.unique(divs[np.append(True, np.diff(divs) > _merge_tol(divs))])
    out[obs] = np.searchsorted(divs, v, side="left")  # == np.digitize(right=True)
    return out


def _numeric_values(col: pd.Series) -> np.ndarray:
    """A numeric column as float64 (missing -> NaN). Numeric extension dtypes that
    ``pd.to_numeric`` cannot handle (pyarrow's half floats) are cast directly."""
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        try:
            return col.to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            pass
    return pd.to_numeric(col, errors="raise").to_numpy(dtype=float, na_value=np.nan)


def _discretize_columns(cols: list[np.ndarray], num_bins: int) -> list[np.ndarray]:
    """:func:`_discretize` of each column; the quantiles of the columns without missing values
    come from one call (the same numbers, a fraction of the time on wide data)."""
    out: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * len(cols)
    full = [j for j, c in enumerate(cols) if not np.isnan(c).any()]
    if full:
        q = np.linspace(0, 1, num_bins + 1)[1:]
        all_divs = np.quantile(np.column_stack([cols[j] for j in full]), q, axis=0)
        for divs, j in zip(all_divs.T, full):
            divs = np.unique(divs[np.append(True, np.diff(divs) > _merge_tol(divs))])
            out[j] = np.searchsorted(divs, cols[j], side="left").astype(np.int64)
    for j in sorted(set(range(len(cols))) - set(full)):
        out[j] = _discretize(cols[j], num_bins)
    return out


#: A float target of whole numbers is a regression target when it has more distinct values
#: than this (and than a tenth of the rows): e.g. scikit-learn's diabetes (214 values in 442
#: rows), whereas class codes stored as floats (0.0, 1.0, ...) stay classification.
MAX_FLOAT_CLASSES = 20
#: An integer target is read as regression when it takes more distinct values than this and
#: than a tenth of the rows (e.g. a 2000-row price in whole units); fewer stay class codes
#: (letter's 26 classes, a 100-class problem of 1600 rows).
MAX_INT_CLASSES = 50


def infer_target_type(y: Any) -> str:
    """``"regression"`` or ``"classification"`` for a 1-D target, as ``extract`` reads it.

    Floats with fractional values are regression; whole-number floats are class codes unless
    they take many distinct values (``MAX_FLOAT_CLASSES``); integers are classes unless they
    take more than ``MAX_INT_CLASSES`` distinct values and more than one per ten rows (a
    price or a count in whole units is not hundreds of classes); strings, booleans and
    categories are classes (a pandas categorical whatever its categories are).
    """
    if isinstance(getattr(y, "dtype", None), pd.CategoricalDtype):
        return "classification"
    y_arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    y_arr = y_arr.ravel()
    if y_arr.dtype == object and y_arr.size and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in y_arr):
        try:  # integers stored as objects (after a merge, astype(object)): read as integers
            y_arr = y_arr.astype(np.int64)
        except OverflowError:
            pass
    if y_arr.dtype.kind in "iu":
        n_values = np.unique(y_arr).size
        return "regression" if n_values > max(MAX_INT_CLASSES, y_arr.size / 10) else "classification"
    if not (y_arr.dtype.kind == "f" or (y_arr.dtype == object and _is_numeric_object_column(y_arr))):
        return "classification"
    yf = y_arr.astype(float)
    yf = yf[np.isfinite(yf)]
    if not np.all(yf == np.round(yf)):
        return "regression"
    n_values = np.unique(yf).size
    return "regression" if n_values > max(MAX_FLOAT_CLASSES, yf.size / 10) else "classification"


def _integer_target(y: Any) -> bool:
    """Whether ``y`` holds integers (an integer dtype, or Python/numpy integers as objects)."""
    y_arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    if y_arr.dtype.kind in "iu":
        return True
    return y_arr.dtype == object and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
        for v in y_arr.ravel())


def _refuse_temporal_target(y: Any, y_arr: np.ndarray) -> None:
    """Dates and durations are neither classes nor a numeric target as they stand: read as
    they are, every distinct timestamp would count as a class."""
    dtypes = (y.dtypes.tolist() if isinstance(y, pd.DataFrame)
              else [getattr(y, "dtype", None), y_arr.dtype])
    for dt in dtypes:
        if dt is not None and (pd.api.types.is_datetime64_any_dtype(dt)
                               or pd.api.types.is_timedelta64_dtype(dt)):
            raise ValueError(f"y: a {dt} target; convert it to numbers first (e.g. "
                             f"y.dt.total_seconds() for durations) or to labels.")


def _encode_target(y: Any, n: int, target_type: str) -> tuple[np.ndarray, Optional[np.ndarray], Optional[np.ndarray], str]:
    y_arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    _refuse_temporal_target(y, y_arr)
    if y_arr.ndim == 2 and 1 in y_arr.shape:
        y_arr = y_arr.ravel()
    if y_arr.ndim != 1:
        raise ValueError(f"y: expected a 1-D array of length {n}, got shape {y_arr.shape}.")
    if y_arr.shape[0] != n:
        raise ValueError(f"y: expected {n} values (one per row of X), got {y_arr.shape[0]}.")
    miss = pd.isna(pd.Series(y_arr)).to_numpy()
    if miss.any():
        raise ValueError(f"y: contains {int(miss.sum())} missing value(s); drop those rows first.")
    if target_type not in ("auto", "classification", "regression"):
        raise ValueError(
            f"target_type: expected 'auto', 'classification' or 'regression', got {target_type!r}."
        )
    numeric = y_arr.dtype.kind in "fiu" or (
        y_arr.dtype == object and _is_numeric_object_column(y_arr)
    )
    if target_type == "auto":
        if (y_arr.dtype.kind == "f" or (y_arr.dtype == object and numeric)) and not np.all(
                np.isfinite(y_arr.astype(float))):
            raise ValueError("y: contains infinite values.")
        target_type = infer_target_type(y if isinstance(getattr(y, "dtype", None),
                                                        pd.CategoricalDtype) else y_arr)
    if target_type == "regression":
        if not numeric:
            raise ValueError("y: a regression target must be numeric.")
        yf = y_arr.astype(float)
        if not np.all(np.isfinite(yf)):
            raise ValueError("y: contains infinite values.")
        return yf, None, None, "regression"
    try:
        classes, codes, freqs = np.unique(y_arr, return_inverse=True, return_counts=True)
    except TypeError:  # mixed types: compare as strings
        classes, codes, freqs = np.unique(y_arr.astype(str), return_inverse=True, return_counts=True)
    return codes.astype(np.int64), classes, freqs, "classification"


def prepare(
    X: ArrayLike,
    y: Any = None,
    *,
    categorical: Any = None,
    random_state: Optional[int] = 0,
    target_type: str = "auto",
) -> TaskData:
    """Validate ``X``/``y`` and build the encoded :class:`TaskData`."""
    df = _to_frame(X)
    _check_not_complex(df)
    n, p = df.shape
    if n == 0 or p == 0:
        raise ValueError(f"X: expected at least one row and one column, got shape {(n, p)}.")
    if random_state is None:
        random_state = 0
    if not isinstance(random_state, (int, np.integer)):
        raise ValueError(f"random_state: expected an int or None, got {random_state!r}.")
    notes: list[str] = []
    auto = categorical is None or (isinstance(categorical, str) and categorical == "auto")
    plain = auto and all(isinstance(dt, np.dtype) and dt.kind in "iuf" for dt in df.dtypes)
    is_cat = np.zeros(p, dtype=bool) if plain else _categorical_mask(df, categorical)

    X_cols: list[np.ndarray] = []
    num_cols: list[np.ndarray] = []
    cat_codes: list[np.ndarray] = []
    cat_levels: list[np.ndarray] = []
    cat_names: list[str] = []
    n_inf = 0
    dropped: list[str] = []
    if plain:  # numbers only: the column loop below, vectorised (wide data has thousands)
        M = df.to_numpy(dtype=float, copy=True)
        inf = np.isinf(M)
        n_inf = int(inf.sum())
        if n_inf:
            M[inf] = np.nan
        empty = np.isnan(M).all(axis=0)
        X_cols = list(M.T)
        num_cols = [M[:, j] for j in np.flatnonzero(~empty)]
        dropped = [str(df.columns[j]) for j in np.flatnonzero(empty)]
    for j in range(0 if plain else p):
        col = df.iloc[:, j]
        if is_cat[j]:
            codes, levels = _encode_categorical(col)
            X_cols.append(codes)
            if levels.size == 0:
                dropped.append(str(df.columns[j]))
                continue
            cat_codes.append(codes)
            cat_levels.append(levels)
            cat_names.append(str(df.columns[j]))
        else:
            try:
                v = _seconds(col) if _is_temporal(col.dtype) or (
                    col.dtype == object and _is_time_object_column(col.to_numpy())) else \
                    _numeric_values(col)
            except (ValueError, TypeError) as exc:
                raise ValueError(
                    f"X: column {df.columns[j]!r} is marked numeric but holds non-numeric values "
                    f"({exc}); pass it in `categorical=`."
                ) from None
            inf = np.isinf(v)
            if inf.any():
                n_inf += int(inf.sum())
                v = np.where(inf, np.nan, v)
            X_cols.append(v)
            if np.isnan(v).all():
                dropped.append(str(df.columns[j]))
                continue
            num_cols.append(v)
    if n_inf:
        notes.append(f"{n_inf} infinite value(s) in X treated as missing")
    if dropped:
        notes.append(f"all-missing column(s) {dropped} ignored by data-dependent features")

    # N: numeric columns + gray-encoded categoricals (pymfe transform_cat="gray").
    blocks = [np.column_stack(num_cols)] if num_cols else [np.empty((n, 0))]
    first = True
    skipped_hc: list[str] = []
    for codes, levels, name in zip(cat_codes, cat_levels, cat_names):
        k = levels.size
        if k > MAX_DUMMY_LEVELS:
            skipped_hc.append(name)
            continue
        onehot = np.zeros((n, k))
        obs = codes >= 0
        onehot[np.nonzero(obs)[0], codes[obs]] = 1.0
        onehot[~obs] = np.nan
        blocks.append(onehot if first else onehot[:, 1:])
        first = False
    if skipped_hc:
        notes.append(
            f"categorical column(s) {skipped_hc} with more than {MAX_DUMMY_LEVELS} levels not "
            "one-hot encoded into the numeric view (statistical, landmarking, model-based, "
            "clustering, complexity and concept features leave them out; pymfe expands them)"
        )
    N = np.hstack(blocks).astype(float) if blocks else np.empty((n, 0))

    # C: categorical codes + discretised numeric columns (pymfe transform_num=True).
    num_bins = max(int(n ** (1 / 3)), 1)
    disc = _discretize_columns(num_cols, num_bins)
    C_list = cat_codes + disc
    C = np.column_stack(C_list) if C_list else np.empty((n, 0), dtype=np.int64)
    C_levels = np.array([int(c.max()) + 1 if c.size else 0 for c in C_list], dtype=np.int64)

    task = None
    yc = classes = freqs = None
    if y is not None:
        yc, classes, freqs, task = _encode_target(y, n, target_type)
        if target_type == "auto" and task == "regression" and classes is None and \
                _integer_target(y):
            notes.append(f"y: an integer target with {np.unique(yc).size} distinct values is "
                         f"read as regression; pass target_type='classification' to describe "
                         f"it as classes")

    constant = []  # named where they leave features undefined (correlation, skewness, ...)
    for j, v in enumerate(X_cols):
        seen = v[v >= 0] if is_cat[j] else v[~np.isnan(v)]
        if seen.size and np.all(seen == seen[0]):
            constant.append(str(df.columns[j]))
    return TaskData(
        constant_columns=constant,
        X_cols=X_cols,
        is_cat=is_cat,
        N=N,
        C=C,
        C_levels=C_levels,
        y=yc,
        classes=classes,
        class_freqs=freqs,
        task=task,
        random_state=int(random_state),
        notes=notes,
    )

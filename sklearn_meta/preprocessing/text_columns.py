"""Categorical (text) columns: their one-hot levels (canonical strings, rare levels grouped,
a level budget per table), and the warning for text columns that hold numbers or dates."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

#: A text column whose present values are at least this share numbers (and that has more
#: than :data:`NUMBER_TEXT_MIN_LEVELS` of them) is flagged by :func:`warn_number_text_columns`.
NUMBER_TEXT_SHARE = 0.9


NUMBER_TEXT_MIN_LEVELS = 20


#: Levels a categorical column keeps in its one-hot coding (the others are grouped into one
#: "infrequent" column): up to :data:`MAX_TEXT_LEVELS` per column while the table's
#: categorical columns together keep at most :data:`TOTAL_TEXT_LEVELS`, never fewer than
#: :data:`MIN_TEXT_LEVELS` (a 50-level state column that drives the target lost most of
#: its information when every column kept 20), and only levels seen at least
#: :data:`MIN_LEVEL_ROWS` times at fit (a level seen once can only memorise its row).
MAX_TEXT_LEVELS = 100


MIN_TEXT_LEVELS = 20


TOTAL_TEXT_LEVELS = 2000


MIN_LEVEL_ROWS = 2


def text_levels_per_column(n_categorical: int) -> int:
    """One-hot levels kept per categorical column of a table with ``n_categorical`` such
    columns (see :data:`MAX_TEXT_LEVELS`): wide text tables keep the width they had."""
    share = TOTAL_TEXT_LEVELS // max(int(n_categorical), 1)
    return int(min(MAX_TEXT_LEVELS, max(MIN_TEXT_LEVELS, share)))


_DATE_TEXT = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}:\d{2}")


#: A time of day alone, no date: ``'13:30'``, ``'7:45 PM'``, ``'23:59:10.5'``.
_CLOCK_TEXT = re.compile(r"\s*\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp]\.?[Mm]\.?)?\s*")


def _text_time_kind(col: pd.Series) -> str | None:
    """``"date"`` for a text column whose first values (up to 200) are dates or date-times
    written as text (``'2012-01-01T06:16:41Z'``, ``'03/15/2021'``, ``'2021-03-15 14:02'``),
    ``"clock"`` where they are times of day alone (``'13:30'``), with more than
    :data:`NUMBER_TEXT_MIN_LEVELS` distinct values (one-hot coding throws their order away);
    else None."""
    first = [v for v in col.iloc[:20].tolist() if isinstance(v, str)]
    if len(first) < 5 or sum(bool(_DATE_TEXT.search(v)) for v in first) < \
            NUMBER_TEXT_SHARE * len(first):  # a cheap look first: wide text tables stay fast
        return None
    head = col.iloc[:200].dropna()
    if any(not isinstance(v, str) for v in head.iloc[:50]) or \
            head.nunique() <= NUMBER_TEXT_MIN_LEVELS:
        return None
    if head.str.contains(_DATE_TEXT).mean() < NUMBER_TEXT_SHARE:
        return None
    if head.str.fullmatch(_CLOCK_TEXT).mean() >= NUMBER_TEXT_SHARE:
        # pd.to_datetime would stamp the day it runs on each value: a model fitted one day
        # and applied the next would see every value shifted by 86,400 s
        return "clock"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(head, errors="coerce", format="mixed", utc=True)
        except (ValueError, TypeError, OverflowError):
            return None
    return "date" if parsed.notna().mean() >= NUMBER_TEXT_SHARE else None


def warn_number_text_columns(X, where: str = "X") -> None:
    """Warn (once, naming every such column) about text columns that hold numbers with a
    few markers (``'?'``, ``'n/a'``: a CSV read without ``na_values``), or numbers as
    strings: they are one-hot coded as text (their order lost, rare values grouped); the
    warning says how to read them as numbers."""
    if not isinstance(X, pd.DataFrame):
        return
    flagged, markers = [], set()
    for j, dt in enumerate(X.dtypes):
        if not (dt == object or pd.api.types.is_string_dtype(dt)) or \
                isinstance(dt, pd.CategoricalDtype):
            continue
        col = X.iloc[:, j]
        head = col.iloc[:200].dropna()
        if not len(head) or any(not isinstance(v, str) for v in head.iloc[:50]) or \
                pd.to_numeric(head, errors="coerce").notna().mean() < NUMBER_TEXT_SHARE:
            continue  # a cheap look at the first values: wide text tables stay fast
        present = col[col.notna()]
        numbers = pd.to_numeric(present, errors="coerce")
        ok = numbers.notna().to_numpy()
        if ok.mean() < NUMBER_TEXT_SHARE or numbers[ok].nunique() <= NUMBER_TEXT_MIN_LEVELS:
            continue
        others = sorted(set(present[~ok].astype(str)))[:3]
        markers.update(others)
        flagged.append(f"{X.columns[j]!r}" + (f" (but {others})" if others else ""))
    from .._warnings import warn_user

    kinds = {X.columns[j]: _text_time_kind(X.iloc[:, j]) for j, dt in enumerate(X.dtypes)
             if (dt == object or pd.api.types.is_string_dtype(dt)) and
             not isinstance(dt, pd.CategoricalDtype)}
    dates = [c for c, k in kinds.items() if k == "date"]
    clocks = [c for c, k in kinds.items() if k == "clock"]
    if dates:
        warn_user(f"{where}: text columns of dates or date-times are one-hot coded as text "
                  f"(each date its own level; all but the most frequent grouped): "
                  f"{_shown(dates)}; to read one as a date-time (seconds since 1970) pass "
                  f"pd.to_datetime(X[name])")
    if clocks:
        warn_user(f"{where}: text columns of times of day are one-hot coded as text (each "
                  f"time its own level; all but the most frequent grouped): "
                  f"{_shown(clocks)}; to read one as seconds since midnight pass "
                  f"pd.to_datetime(X[name], format='mixed').dt.time (not pd.to_datetime "
                  f"alone: it adds the day it runs on, so the same time reads differently "
                  f"on another day)")
    if not flagged:
        return
    hint = (f" or read_csv(..., na_values={sorted(markers)[:5]})" if markers else "")

    warn_user(f"{where}: text columns of numbers are one-hot coded as text (their order lost): "
              f"{', '.join(flagged[:10])}{' ...' if len(flagged) > 10 else ''}; to read one "
              f"as numbers pass pd.to_numeric(X[name], errors='coerce'){hint}; codes that "
              f"only look like numbers (zip codes, identifiers) are categories: "
              f"X[name].astype('category') says so and silences this warning")


def _shown(columns: list) -> str:
    return ", ".join(repr(c) for c in columns[:10]) + (" ..." if len(columns) > 10 else "")


def level_str(v) -> str:
    """The one-hot level of a categorical value, the same whatever numeric dtype carries it:
    1, 1.0 and "1" give "1" (an object column of integer codes arrives as floats once a batch
    holds a missing value). Booleans stay "True"/"False"."""
    if isinstance(v, (np.datetime64, np.timedelta64)):  # np.timedelta64 is an np.integer
        return str(v)
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)) and np.isfinite(v) and float(v).is_integer():
        return str(int(v))
    return str(v)


_BOOL_LEVELS = {0: "False", 1: "True", "0": "False", "1": "True"}


def _levels(values: np.ndarray, to_level=level_str) -> np.ndarray:
    """An object array's values as level strings (``to_level``), every missing value (None,
    NaN of any origin, ``pd.NA``, ``NaT``) as ``np.nan`` so that the imputer after this sees
    it: a missing value must never become the text ``"nan"``. Each distinct value is converted
    once (text columns of many rows stay fast)."""
    out = np.empty(len(values), dtype=object)
    missing = np.asarray(pd.isna(values), dtype=bool)
    out[missing] = np.nan
    present = np.flatnonzero(~missing)
    if not len(present):
        return out
    vals = values[present]
    if pd.api.types.infer_dtype(vals, skipna=False) == "string":  # text: already its level
        out[present] = vals if to_level is level_str else [to_level(v) for v in vals]
        return out
    cache: dict = {}
    conv = []
    for v in vals:
        try:
            key = (type(v), v)  # 1, 1.0 and True are equal keys without the type
            s = cache.get(key)
            if s is None:
                s = cache[key] = to_level(v)
        except TypeError:  # unhashable (a list in an object column)
            s = to_level(v)
        conv.append(s)
    out[present] = conv
    return out


class ToStr:
    """Casts categorical columns to object strings (:func:`level_str`), keeping missing values
    as NaN. A column of booleans at fit reads 0/1 as False/True later."""

    def __init__(self):
        self.canonical = True  # unpickled instances of older versions lack it: plain str()

    def fit(self, X, y=None):
        X = pd.DataFrame(X)
        self.bool_columns_ = [bool(len(col.dropna())) and all(
            isinstance(v, (bool, np.bool_)) for v in col.dropna()) for _, col in X.items()]
        return self

    def transform(self, X):
        X = pd.DataFrame(X)
        to_level = level_str if getattr(self, "canonical", False) else str
        bools = getattr(self, "bool_columns_", [])
        out = {}
        for j in range(X.shape[1]):
            col = _levels(X.iloc[:, j].to_numpy(dtype=object), to_level)
            if j < len(bools) and bools[j]:
                col = np.array([_BOOL_LEVELS.get(v, v) if isinstance(v, str) else v
                                for v in col], dtype=object)
            out[j] = col
        return pd.DataFrame(out, index=X.index).set_axis(X.columns, axis=1)

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self

    def set_output(self, *, transform=None):
        return self  # always object DataFrames, for the imputer and encoder after it

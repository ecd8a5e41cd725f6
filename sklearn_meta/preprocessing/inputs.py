"""Inputs as the preprocessing reads them: records, object arrays and pyarrow tables to
numpy/pandas with their numbers kept numbers and missing values as NaN."""
from __future__ import annotations

import numpy as np
import pandas as pd

from meta_features._validation import arrow_to_pandas  # noqa: F401  (shared input rule)


def mixed_labels_message(y) -> str:
    """The error for class labels of types that cannot be ordered together (``["a", 1]``)."""
    kinds = sorted({type(v).__name__ for v in np.asarray(y, dtype=object).ravel()})
    return (f"y: class labels of mixed types {kinds} cannot be sorted; give them one type, "
            f"e.g. y.astype(str)")


def missing_as_nan(X):
    """A numpy ``object`` array with its missing values (``pd.NA``, ``None``, ``NaT``: what
    ``df.to_numpy()`` gives for nullable columns) as NaN, so that it reads as numbers; any
    other input unchanged."""
    if isinstance(X, np.ndarray) and X.dtype == object:
        missing = np.asarray(pd.isna(X), dtype=bool)
        if missing.any():
            X = X.copy()
            X[missing] = np.nan
    return X


def records_array(X):
    """A list of rows (records) mixing numbers and text as a numpy ``object`` array, so its
    numbers stay numbers (``np.asarray`` would turn every field into a string); any other
    input unchanged."""
    if not isinstance(X, (list, tuple)):
        return X
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError):  # ragged rows: left to the estimator's own check
        return X
    return np.asarray(X, dtype=object) if arr.ndim == 2 and arr.dtype.kind in "US" else X


def object_array_frame(X) -> pd.DataFrame:
    """An object array as a DataFrame with each column's own dtype (columns 0, 1, ...)."""
    if isinstance(X, pd.DataFrame):
        return X
    return pd.DataFrame(np.asarray(X, dtype=object)).infer_objects()

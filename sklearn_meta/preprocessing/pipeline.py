"""The preprocessing pipeline: the unfitted transformer suited to a table, and whether a table
needs one at all."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MaxAbsScaler, OneHotEncoder

from .column_kinds import (
    as_float,
    categorical_columns,
    frame_kinds,
    holds_text_objects,
    temporal_columns,
)
from .inputs import object_array_frame
from .text_columns import MIN_LEVEL_ROWS, ToStr, text_levels_per_column
from .time_columns import TimeToSeconds
from .transformers import (
    TAIL_RATIO,
    ColumnGuard,
    ConstantToZero,
    MedianImputer,
    TailRobustScaler,
)


def needs_preprocessing(X) -> bool:
    """True when ``X`` is not a plain finite-or-missing numeric table that every scikit-learn
    estimator accepts: non-numeric columns, or missing values."""
    if isinstance(X, pd.DataFrame):
        if len(categorical_columns(X)) or len(temporal_columns(X)):
            return True
        if any(dt == object for dt in X.dtypes):  # numbers in object columns: read by
            return True  # the preprocessing, which names a column that later holds text
        return bool(X.isna().to_numpy().any())
    if hasattr(X, "tocsr"):  # scipy sparse: passed through, as scikit-learn's models take it
        return False
    try:
        return bool(np.isnan(np.asarray(X, dtype=float)).any())
    except (TypeError, ValueError):
        return True


def make_preprocessor(X) -> ColumnTransformer | object:
    """An unfitted transformer suited to ``X`` (a DataFrame, a numeric array, or an object
    array with text, read as a DataFrame)."""
    # numpy arrays between the steps whatever ``sklearn.set_config(transform_output=...)``
    # says: the steps pass their own column names, not the user's
    if holds_text_objects(X):
        return make_pipeline(FunctionTransformer(object_array_frame),
                             make_preprocessor(object_array_frame(X))
                             ).set_output(transform="default")
    numeric = make_pipeline(MedianImputer(), MaxAbsScaler(), TailRobustScaler(TAIL_RATIO))
    if not isinstance(X, pd.DataFrame):
        return numeric.set_output(transform="default")
    numeric.steps.insert(0, ("functiontransformer", FunctionTransformer(
        as_float, feature_names_out="one-to-one")))
    # columns by position: scikit-learn reads integer column names as positions, so names
    # such as [1, 0] would swap the numeric and categorical columns
    kinds = frame_kinds(X)
    cats = [i for i, k in enumerate(kinds) if k == "categorical"]
    dates = [i for i, k in enumerate(kinds) if k == "temporal"]
    nums = [i for i, k in enumerate(kinds) if k == "numeric"]
    to_str = ToStr()
    # missing values: the most frequent level, plus an indicator for columns with gaps at fit
    # (as the numeric columns' median and indicator: missingness can carry information)
    categorical = make_pipeline(to_str, SimpleImputer(strategy="most_frequent",
                                                      keep_empty_features=True,
                                                      add_indicator=True),
                                OneHotEncoder(handle_unknown="infrequent_if_exist",
                                              max_categories=text_levels_per_column(len(cats)),
                                              min_frequency=MIN_LEVEL_ROWS,
                                              sparse_output=False),
                                ConstantToZero())
    temporal = make_pipeline(TimeToSeconds(), MedianImputer(), MaxAbsScaler(),
                             TailRobustScaler(TAIL_RATIO))
    columns = ColumnTransformer([("num", numeric, nums), ("time", temporal, dates),
                                 ("cat", categorical, cats)], sparse_threshold=0.0)
    return make_pipeline(ColumnGuard(), columns).set_output(transform="default")

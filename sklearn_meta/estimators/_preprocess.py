"""Internal preprocessing: numpy or pandas (numeric, categorical, boolean, missing) -> floats.

Numeric columns: median imputation + missing indicator where needed + standardisation.
Categorical/boolean/string columns: most-frequent imputation + one-hot (rare levels grouped).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def categorical_columns(X: pd.DataFrame) -> list:
    """Columns of ``X`` treated as categorical: object, string, category and bool dtypes."""
    return [c for c in X.columns
            if isinstance(X[c].dtype, pd.CategoricalDtype) or X[c].dtype == bool
            or pd.api.types.is_object_dtype(X[c]) or pd.api.types.is_string_dtype(X[c])]


def make_preprocessor(X) -> ColumnTransformer | object:
    """An unfitted transformer suited to ``X`` (a DataFrame or a numeric array)."""
    numeric = make_pipeline(SimpleImputer(strategy="median", add_indicator=True,
                                          keep_empty_features=True), StandardScaler())
    if not isinstance(X, pd.DataFrame):
        return numeric
    cats = categorical_columns(X)
    nums = [c for c in X.columns if c not in cats]
    to_str = _ToStr()
    categorical = make_pipeline(to_str, SimpleImputer(strategy="most_frequent",
                                                      keep_empty_features=True),
                                OneHotEncoder(handle_unknown="infrequent_if_exist",
                                              max_categories=20, sparse_output=False))
    return ColumnTransformer([("num", numeric, nums), ("cat", categorical, cats)],
                             sparse_threshold=0.0)


class _ToStr:
    """Casts categorical columns to object strings, keeping missing values as NaN."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        X = pd.DataFrame(X).astype(object)
        return X.where(pd.notna(X), np.nan).map(lambda v: v if v is np.nan else str(v))

    def fit_transform(self, X, y=None):
        return self.transform(X)

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self

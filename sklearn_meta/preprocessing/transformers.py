"""The numeric steps of the preprocessing: a guard on the columns, median imputation with
missing indicators, a standardisation robust to heavy tails, and zero for columns constant at
fit."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .column_kinds import check_same_columns
from .inputs import missing_as_nan


class ColumnGuard(TransformerMixin, BaseEstimator):
    """Passes a DataFrame through unchanged, refusing one whose columns are not those of fit
    in their order. The column transformer after it selects columns by position; scikit-learn
    checks the names only when all are strings, so a frame with integer names
    (``read_csv(header=None)``) in another order was silently read column for column."""

    def fit(self, X, y=None):
        self.columns_ = list(X.columns) if isinstance(X, pd.DataFrame) else None
        return self

    def transform(self, X):
        check_is_fitted(self, "columns_")
        if isinstance(X, pd.DataFrame) and self.columns_ is not None:
            check_same_columns(X.columns, self.columns_)
        return X

    def get_feature_names_out(self, input_features=None):
        return np.asarray(self.columns_ if input_features is None else input_features,
                          dtype=object)


class ConstantToZero(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Columns constant at fit give 0 whatever they hold later; the others pass unchanged.
    A text column with one level at fit is a one-hot column of ones; an unseen level later
    would turn it to 0 and move the predictions by a weight the model never learned (numeric
    columns get the same treatment in :class:`TailRobustScaler`)."""

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        self.constant_ = np.ptp(X, axis=0) == 0 if len(X) else np.zeros(X.shape[1], bool)
        return self

    def transform(self, X):
        check_is_fitted(self, "constant_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if self.constant_.any():
            X = X.copy()
            X[:, self.constant_] = 0.0
        return X


class MedianImputer(TransformerMixin, BaseEstimator):
    """Missing values -> the column's median at fit, plus a 0/1 indicator column for each
    column that had missing values at fit: what ``SimpleImputer(strategy="median",
    add_indicator=True, keep_empty_features=True)`` gives (columns missing at fit are filled
    with 0), with the medians from ``np.median``/``np.nanmedian`` (partial sorts) instead of
    a masked-array sort: 2.3 s -> 0.4 s on 2000 x 6000 numbers.
    """

    def fit(self, X, y=None):
        X = self._check(X, reset=True)
        missing = np.isnan(X)
        self.indicator_features_ = np.flatnonzero(missing.any(axis=0))
        stats = np.zeros(X.shape[1])
        full = ~missing.any(axis=0)
        if full.any():
            stats[full] = np.median(X[:, full], axis=0)
        some = ~full & ~missing.all(axis=0)
        if some.any():
            stats[some] = np.nanmedian(X[:, some], axis=0)
        self.statistics_ = stats
        return self

    def _check(self, X, reset: bool) -> np.ndarray:
        X = validate_data(self, missing_as_nan(X), dtype=np.float64, ensure_all_finite="allow-nan",
                          accept_sparse=("csr", "csc"), reset=reset)
        return X.toarray() if hasattr(X, "toarray") else X

    def transform(self, X):
        check_is_fitted(self, "statistics_")
        X = self._check(X, reset=False)
        missing = np.isnan(X)
        out = np.where(missing, self.statistics_, X)
        if len(self.indicator_features_):
            out = np.hstack([out, missing[:, self.indicator_features_].astype(np.float64)])
        return out

    def get_feature_names_out(self, input_features=None):
        from sklearn.utils.validation import _check_feature_names_in

        names = _check_feature_names_in(self, input_features)
        return np.concatenate([names, np.array([f"missingindicator_{n}" for n in
                                                 names[self.indicator_features_]],
                                                dtype=object)])


def _spread_off_the_mode(x: np.ndarray, median: float) -> tuple[float, float]:
    """Robust scale and standard deviation of the values of a column that differ from its median.

    Meant for a column whose interquartile range is 0 (over half its values equal): a
    zero-inflated count or amount (80 % zeros, the rest from 1 to 10^4) has no interquartile
    range, and its many zeros shrink its standard deviation, so its tail is judged on the
    other values instead: their interquartile range / 1.349 (1.4826 x their median absolute
    deviation when that is 0 too) and their standard deviation. (0, 0) when every value is
    the median.
    """
    off = x[x != median]
    if off.size < 2:
        return 0.0, 0.0
    q25, q75 = np.percentile(off, [25, 75])
    robust = (q75 - q25) / 1.349
    if robust == 0:
        robust = 1.4826 * float(np.median(np.abs(off - np.median(off))))
    return float(robust), float(off.std())


#: ``TailRobustScaler.ratio`` of the preprocessing (``inf``: plain standardisation).
TAIL_RATIO = 3.0


class TailRobustScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardises columns; heavy-tailed ones are made robust first.

    A column is heavy-tailed when its standard deviation exceeds ``ratio`` times its robust
    scale (interquartile range / 1.349; equal for a normal column, 2x for a log-normal one of
    unit log-scale); when over half the values are equal (a zero-inflated amount), the
    test and the robust scale use the other values. Such a column becomes
    ``asinh((x - median) / robust scale)``: linear near the bulk of the values, logarithmic
    in the tails. Every column is then centred and scaled to unit variance. Columns that are not heavy-tailed are plainly standardised. Columns
    constant at fit (a missing-value indicator of a column never missing or always missing,
    a level absent from the training rows) give 0 whatever they hold later: the model never
    saw them vary, so a weight it never learned must not act on them.
    """

    def __init__(self, ratio: float = 3.0):
        self.ratio = ratio

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        q25, med, q75 = np.percentile(X, [25, 50, 75], axis=0)
        robust = (q75 - q25) / 1.349
        sd = X.std(axis=0)
        for j in np.flatnonzero(robust == 0):
            robust[j], sd[j] = _spread_off_the_mode(X[:, j], med[j])
        self.heavy_ = (robust > 0) & (sd > self.ratio * robust)
        self.center_ = med
        self.robust_scale_ = np.where(robust > 0, robust, 1.0)
        Z = self._compress(X)
        self.mean_ = Z.mean(axis=0)
        sd = Z.std(axis=0)
        mag = np.abs(Z).max(axis=0, initial=0.0)
        # a column of magnitude below ~1e-154 has a variance below the smallest float: its
        # standard deviation is taken on the column divided by its magnitude instead
        under = (sd <= 1e-12 * mag) & (mag > 0)
        if under.any():
            sd[under] = (Z[:, under] / mag[under]).std(axis=0) * mag[under]
        # relative to the column's own magnitude (a column of values near 1e-16 varies;
        # one value repeated, up to rounding, does not)
        self.constant_ = ~(sd > 1e-12 * mag)
        self.scale_ = np.where(self.constant_, 1.0, sd)
        return self

    def _compress(self, X: np.ndarray) -> np.ndarray:
        if not self.heavy_.any():
            return X
        Z = X.copy()
        h = self.heavy_
        Z[:, h] = np.arcsinh((X[:, h] - self.center_[h]) / self.robust_scale_[h])
        return Z

    def transform(self, X):
        check_is_fitted(self, "scale_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        Z = (self._compress(X) - self.mean_) / self.scale_
        constant = getattr(self, "constant_", None)  # absent from older pickles
        if constant is not None and constant.any():
            Z[:, constant] = 0.0
        return Z

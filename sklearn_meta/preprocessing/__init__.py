"""Preprocessing of raw tables for the models this package builds: numpy or pandas (numeric,
categorical, boolean, date-time, missing values) -> floats.

Numeric columns: median imputation + missing indicator where needed + standardisation (after a
division by the column's largest magnitude, so that values near the float limit cannot
overflow the variance and wipe out a column). Heavy-tailed columns (a sentinel such as 999999,
log-normal amounts) are first centred on the median, scaled by the interquartile range and
compressed with ``asinh`` (:class:`~.transformers.TailRobustScaler`): standardised as they
are, a few extreme values would squash every other value of the column to the same number. A
zero-inflated amount (most values 0) is judged and scaled on its non-zero values.
Date-time and time-delta columns: seconds (since the epoch), then as numeric columns.
Categorical/boolean/string columns: most-frequent imputation (+ missing indicator where the
column had gaps at fit) + one-hot (rare levels grouped).

Modules: ``column_kinds`` (how each column is read), ``text_columns``, ``time_columns``,
``transformers`` (the numeric steps), ``inputs`` (records, object arrays, pyarrow) and
``pipeline`` (:func:`make_preprocessor`).
"""
from .pipeline import make_preprocessor, needs_preprocessing

__all__ = ["make_preprocessor", "needs_preprocessing"]

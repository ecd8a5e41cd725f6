"""scikit-learn style transformer: a list of (X, y) data sets -> meta-feature matrix."""
from __future__ import annotations

import warnings
from typing import Any, Iterable, Optional, Sequence, Union

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._extract import extract


def _as_pair(task: Any) -> tuple[Any, Any]:
    """Accept (X, y) tuples or objects with ``.X`` and ``.y`` (e.g. sklearn_meta Task)."""
    if hasattr(task, "X") and hasattr(task, "y"):
        return task.X, task.y
    if isinstance(task, (tuple, list)) and len(task) == 2:
        return task[0], task[1]
    raise ValueError(
        f"datasets: expected (X, y) pairs or objects with .X and .y, got {type(task).__name__}."
    )


class MetaFeatureExtractor(TransformerMixin, BaseEstimator):
    """Map a list of data sets to a DataFrame of meta-features (one row per data set).

    ``fit`` extracts the features of the given data sets and fixes the column
    order (the sorted union of their names); ``transform`` returns exactly
    those columns, NaN where a data set lacks a feature, so rows from
    different calls are comparable (task encoder, knowledge base).
    """

    def __init__(
        self,
        groups: Union[str, Sequence[str]] = "default",
        summary: Union[str, Sequence[str], None] = ("mean", "sd"),
        random_state: Optional[int] = 0,
        categorical: Any = None,
        n_jobs: Optional[int] = -1,
    ) -> None:
        self.groups = groups
        self.summary = summary
        self.random_state = random_state
        self.categorical = categorical
        self.n_jobs = n_jobs

    def _extract_all(self, datasets: Iterable[Any]) -> list[pd.Series]:
        rows = []
        for task in datasets:
            X, y = _as_pair(task)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rows.append(
                    extract(
                        X,
                        y,
                        groups=self.groups,
                        summary=self.summary,
                        categorical=self.categorical,
                        random_state=self.random_state,
                        warn=False,
                        n_jobs=self.n_jobs,
                    )
                )
        return rows

    def fit(self, datasets: Iterable[Any], y: Any = None) -> "MetaFeatureExtractor":
        rows = self._extract_all(datasets)
        if not rows:
            raise ValueError("datasets: expected at least one (X, y) data set.")
        names = sorted(set().union(*(r.index for r in rows)))
        self.feature_names_out_ = np.array(names, dtype=object)
        self.n_features_out_ = len(names)
        self._fit_rows = rows
        return self

    def transform(self, datasets: Iterable[Any]) -> pd.DataFrame:
        check_is_fitted(self, "feature_names_out_")
        return self._frame(self._extract_all(datasets))

    def fit_transform(self, datasets: Iterable[Any], y: Any = None, **fit_params: Any) -> pd.DataFrame:
        self.fit(datasets)
        return self._frame(self._fit_rows)

    def _frame(self, rows: list[pd.Series]) -> pd.DataFrame:
        cols = list(self.feature_names_out_)
        return pd.DataFrame([r.reindex(cols) for r in rows], columns=cols).reset_index(drop=True).astype(float)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()

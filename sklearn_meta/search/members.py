"""The estimators a search across families builds or takes, one per family.

``MetaSearchCV(estimator=None | list)`` and ``suggest_configs(estimator=None | list)`` share
these rules: one member per family (two members of one family cannot be told apart by the
knowledge base's candidates); classifiers and regressors are not mixed; a member given as an
instance keeps its own settings and Pipeline steps (configurations are set under its last
step's prefix); a member given as a family key is built by the library and put behind the
MetaMLP estimators' preprocessing when ``X`` needs it (non-numeric columns, missing values) or
when the family is scale-sensitive — the knowledge base scored SVC, kNN and logistic
regression on standardised columns, so its configurations mean nothing on raw ones.

A library-built regressor (MetaMLP aside, which does it itself) also learns a standardised
target, through a ``TransformedTargetRegressor``: the knowledge base's regression tasks have
standardised targets (SVR's ``epsilon`` and ``C`` are in units of the target), and
scikit-learn's tree ensembles lose all precision on targets far from zero (their impurity sums
cancel: a RandomForest gets R² ≈ 0 on a target offset by 1e9).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from sklearn.base import BaseEstimator, clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ..preprocessing.column_kinds import frame_kinds
from ..preprocessing.pipeline import make_preprocessor, needs_preprocessing
from .._warnings import warn_user
from .spaces import (FAMILIES, family_label, family_of, final_model, param_prefix,
                     task_type_of)

#: Families whose knowledge-base scores assume standardised columns.
SCALE_SENSITIVE = frozenset({"svc", "knn", "logistic_regression"})
#: Prefix of the model's parameters behind the added preprocessing.
MODEL_PREFIX = "model__"
#: Prefix of a library-built regressor's parameters inside its target standardisation.
TARGET_PREFIX = "regressor__"


def members_task_type(members: Sequence[Any], inferred: str) -> str:
    """The task type of a family list: its instances' (all classifiers or all regressors,
    else a clear error), or ``inferred`` from ``y`` when it holds family keys only."""
    kinds = {task_type_of(m): m for m in members if isinstance(m, BaseEstimator)}
    if len(kinds) > 1:
        raise ValueError(f"estimator: mixes a classifier ({kinds['classification']!r}) and a "
                         f"regressor ({kinds['regression']!r}); give one kind")
    return next(iter(kinds)) if kinds else inferred


def list_task_type(members: Sequence[Any], y: Any, task_type: str | None, infer) -> str:
    """The task type of a search over ``members``: its instances' (a contradicting
    ``task_type`` is an error), else ``infer(y, task_type)``."""
    own = members_task_type(members, None)
    if own is None:
        return infer(y, task_type)
    if task_type is not None and task_type != own:
        raise ValueError(f"task_type={task_type!r} contradicts the estimator instances in the "
                         f"list, {own} models")
    return infer(y, own)  # checks y suits the instances' type (class labels, numbers)


def check_members(members: Sequence[Any]) -> list[str]:
    """The family of every member, after checking that each family appears once."""
    fams: dict[str, Any] = {}
    for m in members:
        fam = family_of(m)
        if fam in fams:
            raise ValueError(f"estimator: {fams[fam]!r} and {m!r} are both of the family "
                             f"{fam!r}; give one estimator per family (to compare variants "
                             f"of one family, search it alone with param_distributions)")
        fams[fam] = m
    return list(fams)


def wants_preprocessing(family: str, X: Any) -> bool:
    """Whether a library-built ``family`` model goes behind the added preprocessing."""
    if family == "metamlp":  # preprocesses its input itself
        return False
    if needs_preprocessing(X):
        return True
    return family in SCALE_SENSITIVE and not hasattr(X, "tocsr")  # sparse: passed as is


def member_estimator(member: Any, family: str, task_type: str, X: Any,
                     params: Mapping[str, Any] | None = None,
                     random_state: int | None = 0) -> tuple[BaseEstimator, str]:
    """(estimator to clone and configure, prefix of the family's parameters in it).

    ``params`` (bare parameter names of the family) are set on the returned estimator."""
    params = dict(params or {})
    if isinstance(member, BaseEstimator):
        prefix = param_prefix(member)
        est = clone(member).set_params(**{prefix + k: v for k, v in params.items()})
        return est, prefix
    est = FAMILIES[family].make(task_type, params, random_state=random_state)
    prefix = ""
    if task_type == "regression" and family != "metamlp":
        est, prefix = standardised_target(est), TARGET_PREFIX
    if wants_preprocessing(family, X):
        return (Pipeline([("preprocess", make_preprocessor(X)), ("model", est)]),
                MODEL_PREFIX + prefix)
    return est, prefix


class WeightedTargetRegressor(TransformedTargetRegressor):
    """A ``TransformedTargetRegressor`` whose target transformer is fitted with the
    ``sample_weight`` the regressor gets: scikit-learn's fits it unweighted, so rows of
    weight 0 (or tiny weight) in other units moved the standardisation and, with it, every
    prediction (and SVR's ``epsilon``, which is in standardised units)."""

    def fit(self, X: Any, y: Any, sample_weight: Any = None, **fit_params: Any):
        if sample_weight is not None:
            fit_params["sample_weight"] = sample_weight
        self._target_weights = sample_weight
        try:
            return super().fit(X, y, **fit_params)
        finally:
            del self._target_weights

    def _fit_transformer(self, y: np.ndarray) -> None:
        super()._fit_transformer(y)
        w = getattr(self, "_target_weights", None)
        if w is not None:
            self.transformer_.fit(y, sample_weight=np.asarray(w, dtype=np.float64))


def standardised_target(regressor: BaseEstimator) -> TransformedTargetRegressor:
    """``regressor`` fitted on the (weighted) standardised target, its predictions mapped
    back."""
    return WeightedTargetRegressor(regressor=regressor, transformer=StandardScaler(),
                                   check_inverse=False)


def unreadable_columns(estimator: BaseEstimator, X: Any) -> tuple[list, bool]:
    """``(columns, missing)``: the columns of ``X`` a bare scikit-learn model of a known
    family cannot read (text, non-numeric categories, dates, time-deltas) and whether ``X``
    has missing values it does not accept. Empty for Pipelines, MetaMLP (which preprocesses
    its input) and estimators from other libraries, whose input rules are theirs."""
    model = final_model(estimator) if isinstance(estimator, BaseEstimator) else None
    if (model is None or isinstance(estimator, Pipeline) or isinstance(model, Pipeline)
            or not type(model).__module__.startswith("sklearn.")):
        return [], False
    try:
        if family_of(model) == "metamlp":
            return [], False
    except ValueError:  # not a family the search knows
        return [], False
    try:
        allow_nan = bool(model.__sklearn_tags__().input_tags.allow_nan)
    except AttributeError:
        allow_nan = True
    if not isinstance(X, pd.DataFrame):
        if hasattr(X, "tocsr") or not hasattr(X, "dtype"):
            return [], False
        if X.dtype != object:
            try:
                has_nan = bool(np.isnan(np.asarray(X, dtype=float)).any())
            except (TypeError, ValueError):
                return [], False
            return [], not allow_nan and has_nan
        X = pd.DataFrame(X)
    native_categories = getattr(model, "categorical_features", None) == "from_dtype"
    cols = []
    for (name, col), kind in zip(X.items(), frame_kinds(X)):
        if kind == "temporal":
            cols.append(name)
        elif kind == "categorical" and not pd.api.types.is_bool_dtype(col.dtype):
            if isinstance(col.dtype, pd.CategoricalDtype):
                if native_categories:  # HistGradientBoosting reads category columns
                    continue
                values = pd.Series(col.cat.categories)
            else:
                values = col.dropna()
            if pd.to_numeric(values.astype(object), errors="coerce").isna().any():
                cols.append(name)
    missing = not allow_nan and bool(X.isna().to_numpy().any()) if not cols else False
    return cols, missing


def readable_problem(estimator: BaseEstimator, X: Any, consequence: str = "") -> str | None:
    """What keeps a bare scikit-learn model from reading ``X`` (text or date columns named,
    or missing values it does not accept), ``consequence``, and the two ways out; None when
    nothing does."""
    cols, missing = unreadable_columns(estimator, X)
    if not cols and not missing:
        return None
    label = family_label(family_of(estimator), task_type_of(estimator))
    key = f"the family key {label!r} (the search adds the preprocessing MetaMLP uses)"
    if cols:
        what = (f"X: the column(s) {cols[:5]}{' ...' if len(cols) > 5 else ''} hold text, "
                f"categories or dates, which {estimator!r} cannot read")
        fix = "a Pipeline that encodes them (e.g. a ColumnTransformer with a OneHotEncoder)"
    else:
        what = f"X: has missing values, which {estimator!r} does not accept"
        fix = "a Pipeline that imputes them (e.g. with a SimpleImputer)"
    return f"{what}{consequence}; pass {key}, or {fix}"


def check_readable(estimator: BaseEstimator, X: Any) -> None:
    """Refuse, before any trial, a bare scikit-learn model that cannot read ``X``: every
    trial would fail (all of them, after the whole budget)."""
    problem = readable_problem(estimator, X, ", so every trial would fail")
    if problem is not None:
        raise ValueError(problem)


#: A target whose standard deviation lies outside this range is far, in the units SVR's
#: ``epsilon`` and ``C`` are read in, from the standardised targets the knowledge base's SVR
#: configurations were scored on.
UNIT_TARGET_STD = (0.1, 10.0)


def _standardises_target(estimator: Any) -> bool:
    """Whether a ``TransformedTargetRegressor`` wraps the model, at any level of nesting."""
    from .spaces import _inner

    for _ in range(16):
        if isinstance(estimator, TransformedTargetRegressor):
            return True
        down = _inner(estimator)
        if down is None:
            return False
        estimator = down[2]
    return False


def target_scale_problem(estimator: Any, y: Any) -> str | None:
    """A hint when a user's own SVR (bare, or last in a Pipeline) learns a target far from unit
    scale: its ``epsilon`` and ``C`` are in units of the target, so the knowledge base's SVR
    configurations (scored on standardised targets) and SVR's own default ``epsilon=0.1``
    mean little; None otherwise."""
    if not isinstance(estimator, BaseEstimator) or task_type_of(estimator) != "regression":
        return None
    try:
        if family_of(final_model(estimator)) != "svc" or _standardises_target(estimator):
            return None
        values = np.asarray(y, dtype=float).ravel()
    except (ValueError, TypeError):
        return None
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return None
    std = float(np.std(values))
    low, high = UNIT_TARGET_STD
    if low <= std <= high:
        return None
    name = type(final_model(estimator)).__name__
    return (f"y: its standard deviation is {std:.3g}, and {name}'s epsilon and C are in units "
            f"of the target, while the knowledge base's {name} configurations were scored on "
            f"standardised targets; wrap the model in TransformedTargetRegressor(regressor="
            f"..., transformer=StandardScaler()), or pass the family key 'svr' (the search "
            f"standardises the target itself)")


def warn_target_scale(estimator: Any, y: Any) -> None:
    """Warn where a user's own SVR is to learn a target far from unit scale."""
    problem = target_scale_problem(estimator, y)
    if problem is not None:
        warn_user(problem)

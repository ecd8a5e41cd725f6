"""Estimator families, their default search spaces, and fitting configurations into a space.

A *family* is a short key (``"hgb"``, ``"random_forest"``, ...) naming one scikit-learn
estimator class per task type. A *configuration* is a plain ``dict`` of constructor
parameters; ``{}`` is the estimator's default.
"""
from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
from optuna.distributions import (BaseDistribution, CategoricalDistribution,
                                  FloatDistribution, IntDistribution)
from sklearn.base import BaseEstimator, clone, is_regressor
from sklearn.compose import TransformedTargetRegressor

Space = dict[str, BaseDistribution]
Config = dict[str, Any]

F = FloatDistribution
I = IntDistribution  # noqa: E741
C = CategoricalDistribution


@dataclass(frozen=True)
class Family:
    """One estimator family: its classes, fixed keyword arguments and search space."""

    key: str
    classifier: str | None  # "module:Class"
    regressor: str | None
    space: Mapping[str, BaseDistribution]
    fixed: Mapping[str, Any]
    regressor_space: Mapping[str, BaseDistribution] | None = None
    regressor_fixed: Mapping[str, Any] | None = None  # added to ``fixed`` for regressors

    def fixed_for(self, task_type: str) -> dict[str, Any]:
        """The fixed keyword arguments of the family's estimator for ``task_type``."""
        extra = self.regressor_fixed if task_type == "regression" else None
        return {**self.fixed, **(extra or {})}

    def space_for(self, task_type: str) -> Space:
        if task_type == "regression" and self.regressor_space is not None:
            return dict(self.regressor_space)
        return dict(self.space)

    def estimator_class(self, task_type: str) -> type:
        path = self.classifier if task_type == "classification" else self.regressor
        if path is None:
            raise ValueError(f"family {self.key!r} has no estimator for task_type={task_type!r}")
        module, name = path.split(":")
        return getattr(importlib.import_module(module), name)

    def make(self, task_type: str, params: Mapping[str, Any] | None = None,
             random_state: int | None = 0) -> BaseEstimator:
        """A new estimator with the family's fixed arguments and ``params``."""
        cls = self.estimator_class(task_type)
        est = cls(**self.fixed_for(task_type))
        if random_state is not None and "random_state" in est.get_params():
            est.set_params(random_state=random_state)
        if params:
            est.set_params(**params)
        return est

    def available(self, task_type: str) -> bool:
        try:
            self.estimator_class(task_type)
        except (ImportError, AttributeError, ValueError):
            return False
        return True


_TREES: Space = {
    "n_estimators": I(16, 128, log=True),
    "max_features": F(0.05, 1.0),
    "min_samples_leaf": I(1, 20, log=True),
    "bootstrap": C([True, False]),
}

FAMILIES: dict[str, Family] = {f.key: f for f in [
    Family("hgb", "sklearn.ensemble:HistGradientBoostingClassifier",
           "sklearn.ensemble:HistGradientBoostingRegressor",
           {"learning_rate": F(0.01, 0.5, log=True), "max_iter": I(16, 128, log=True),
            "max_leaf_nodes": I(4, 64, log=True), "min_samples_leaf": I(2, 64, log=True),
            "l2_regularization": F(1e-6, 10.0, log=True)}, {}),
    Family("random_forest", "sklearn.ensemble:RandomForestClassifier",
           "sklearn.ensemble:RandomForestRegressor", _TREES, {}),
    Family("extra_trees", "sklearn.ensemble:ExtraTreesClassifier",
           "sklearn.ensemble:ExtraTreesRegressor", _TREES, {}),
    Family("logistic_regression", "sklearn.linear_model:LogisticRegression",
           "sklearn.linear_model:Ridge",
           {"C": F(1e-4, 1e3, log=True), "class_weight": C([None, "balanced"])},
           {"max_iter": 1000},
           regressor_space={"alpha": F(1e-4, 1e3, log=True)}),
    Family("svc", "sklearn.svm:SVC", "sklearn.svm:SVR",
           {"C": F(1e-2, 1e3, log=True), "gamma": F(1e-4, 10.0, log=True)}, {}),
    Family("knn", "sklearn.neighbors:KNeighborsClassifier",
           "sklearn.neighbors:KNeighborsRegressor",
           {"n_neighbors": I(1, 50, log=True), "weights": C(["uniform", "distance"]),
            "p": C([1, 2])}, {}),
    Family("metamlp", "sklearn_meta.estimators:MetaMLPClassifier",
           "sklearn_meta.estimators:MetaMLPRegressor",
           {"learning_rate": F(3e-4, 3e-2, log=True), "l2_init": F(1e-5, 1e-1, log=True)},
           # 3 members, as the shipped knowledge bases scored the family (the estimator's
           # default then; its default is now n_ensemble="auto", up to 10 members on small
           # data): the searched models are the ones whose scores the warm start reads
           {"n_ensemble": 3},
           # the regressors' target standardised, as the shipped knowledge base scored them:
           # "auto" (the estimator's default) would cross-validate each heavy-tailed trial
           # again inside the search's own cross-validation
           regressor_fixed={"target_transform": "standardize"}),
]}


#: Other names users write for a family (the regression members, short forms).
FAMILY_ALIASES: dict[str, str] = {
    "ridge": "logistic_regression", "linear": "logistic_regression",
    "logistic": "logistic_regression", "svr": "svc", "svm": "svc", "rf": "random_forest",
    "et": "extra_trees", "kneighbors": "knn", "hist_gradient_boosting": "hgb",
}


#: What a regression search calls the families whose keys name their classifier.
REGRESSION_LABELS: dict[str, str] = {"logistic_regression": "ridge", "svc": "svr"}


def family_label(key: str, task_type: str | None) -> str:
    """The family as results show it: ``"ridge"`` and ``"svr"`` for the regression members
    of ``"logistic_regression"`` and ``"svc"`` (``family_of`` reads both back)."""
    return REGRESSION_LABELS.get(key, key) if task_type == "regression" else key


def family_of(estimator: BaseEstimator | type | str) -> str:
    """The family key of an estimator (instance, class, key or alias such as ``"ridge"``);
    ``ValueError`` if unknown."""
    if isinstance(estimator, str):
        key = estimator.strip().lower().replace("-", "_")
        if key in FAMILIES:
            return key
        if key in FAMILY_ALIASES:
            return FAMILY_ALIASES[key]
        raise ValueError(f"estimator: unknown family {estimator!r}; known: {sorted(FAMILIES)} "
                         f"(also accepted: {sorted(FAMILY_ALIASES)})")
    final = final_model(estimator)
    cls = final if isinstance(final, type) else type(final)
    name = cls.__name__
    for fam in FAMILIES.values():
        for path in (fam.classifier, fam.regressor):
            if path is not None and path.split(":")[1] == name:
                return fam.key
    raise ValueError(f"estimator: no knowledge for {name}; supported families: "
                     f"{sorted(FAMILIES)} (MetaSearchCV: pass param_distributions to search it without a warm start)")


#: Family keys that name a regressor (``"ridge"``, ``"svr"``): a search or suggestion for
#: them is a regression one whatever the target looks like (integer prices included).
REGRESSOR_NAMES = frozenset({"ridge", "svr"})


def implied_task_type(estimator: Any) -> str | None:
    """``"regression"`` when ``estimator`` is a regressor name or a list of only such
    names (besides instances); else None (read from the target)."""
    est = [estimator] if isinstance(estimator, str) else estimator
    if not isinstance(est, (list, tuple)):
        return None
    keys = [e for e in est if isinstance(e, str)]
    if keys and all(k.strip().lower() in REGRESSOR_NAMES for k in keys):
        return "regression"
    return None


def task_type_of(estimator: BaseEstimator) -> str:
    final = getattr(estimator, "_final_estimator", estimator)
    return "regression" if is_regressor(final) else "classification"


def _inner(estimator: Any) -> tuple[str, str, Any] | None:
    """One level down to the model that learns: ``(param prefix, fit prefix, inner)`` for a
    Pipeline (its last step) or a ``TransformedTargetRegressor`` (its ``regressor``, which
    gets the fit parameters unprefixed); None for a model."""
    steps = getattr(estimator, "steps", None)
    if steps and isinstance(steps, list) and hasattr(steps[-1][1], "fit"):
        return f"{steps[-1][0]}__", f"{steps[-1][0]}__", steps[-1][1]
    if isinstance(estimator, TransformedTargetRegressor) and estimator.regressor is not None:
        return "regressor__", "", estimator.regressor
    return None


def _descend(estimator: Any) -> tuple[str, str, Any]:
    prefix = fit_prefix = ""
    for _ in range(16):  # nesting such as TransformedTargetRegressor(Pipeline([..., SVR()]))
        down = _inner(estimator)
        if down is None:
            break
        prefix, fit_prefix, estimator = prefix + down[0], fit_prefix + down[1], down[2]
    return prefix, fit_prefix, estimator


def final_model(estimator: Any) -> Any:
    """The model that learns: a Pipeline's last step, and inside a
    ``TransformedTargetRegressor`` its ``regressor``, however nested."""
    return _descend(estimator)[2]


def step_prefix(estimator: BaseEstimator) -> str:
    """``"<last step>__"`` for a Pipeline (nested ones: each step's), else ``""``: the prefix
    of fit parameters (a ``TransformedTargetRegressor`` hands its own to its regressor
    unprefixed)."""
    return _descend(estimator)[1]


def param_prefix(estimator: BaseEstimator) -> str:
    """Prefix of the model's parameters: ``"<last step>__"`` for a Pipeline and
    ``"regressor__"`` for a ``TransformedTargetRegressor``, for each level of nesting."""
    return _descend(estimator)[0]


def default_space(estimator: BaseEstimator | str, task_type: str = "classification") -> Space:
    """The default Optuna search space of an estimator (or family key)."""
    if not isinstance(estimator, str):
        task_type = task_type_of(estimator)
    return FAMILIES[family_of(estimator)].space_for(task_type)


def sample_configs(space: Mapping[str, BaseDistribution], n: int,
                   random_state: int = 0) -> list[Config]:
    """``n`` configurations drawn uniformly (log-uniformly where ``log``) from ``space``."""
    rng = np.random.default_rng(random_state)
    out = []
    for _ in range(n):
        cfg: Config = {}
        for name, dist in space.items():
            if isinstance(dist, CategoricalDistribution):
                cfg[name] = dist.choices[int(rng.integers(len(dist.choices)))]
            elif isinstance(dist, (FloatDistribution, IntDistribution)):
                lo, hi = dist.low, dist.high
                if dist.log:
                    v = math.exp(rng.uniform(math.log(lo), math.log(hi)))
                else:
                    v = rng.uniform(lo, hi)
                cfg[name] = _clip(v, dist)
        out.append(cfg)
    return out


def _clip(value: float, dist: FloatDistribution | IntDistribution) -> float | int:
    v = min(max(float(value), dist.low), dist.high)
    step = dist.step
    if step is not None:
        v = dist.low + round((v - dist.low) / step) * step
        v = min(v, dist.high)
    if isinstance(dist, IntDistribution):
        return int(round(v))
    return float(v)


def to_optuna_space(param_distributions: Mapping[str, Any],
                    arg: str = "param_distributions") -> Space:
    """Convert scikit-learn style ``param_distributions`` (lists, scipy distributions or
    Optuna distributions) to Optuna distributions."""
    if not isinstance(param_distributions, Mapping):
        raise ValueError(f"{arg} must be a dict of parameter name -> "
                         f"distribution, got {type(param_distributions).__name__}")
    space: Space = {}
    for name, d in param_distributions.items():
        if isinstance(d, BaseDistribution):
            space[name] = d
        elif isinstance(d, (list, tuple, np.ndarray)):
            # numpy scalars -> Python values: Optuna stores choices as JSON
            choices = np.asarray(d, dtype=object).tolist() if isinstance(d, np.ndarray) \
                else [v.item() if isinstance(v, np.generic) else v for v in d]
            if not choices:
                raise ValueError(f"{arg}[{name!r}]: an empty list of choices")
            space[name] = CategoricalDistribution(choices)
        elif hasattr(d, "dist") and hasattr(d, "support"):  # scipy frozen distribution
            lo, hi = (float(v) for v in d.support())
            dname = d.dist.name
            import scipy.stats

            if isinstance(d.dist, scipy.stats.rv_discrete):  # randint, binom, poisson, ...
                if not (math.isfinite(lo) and math.isfinite(hi)):
                    raise ValueError(f"{arg}[{name!r}]: unbounded discrete "
                                     f"scipy distribution {dname!r}; give bounds or an "
                                     f"Optuna distribution")
                space[name] = IntDistribution(int(lo), int(hi))
            elif dname in ("loguniform", "reciprocal"):
                space[name] = FloatDistribution(lo, hi, log=True)
            elif math.isfinite(lo) and math.isfinite(hi):
                space[name] = FloatDistribution(lo, hi)
            else:
                raise ValueError(f"{arg}[{name!r}]: unbounded scipy "
                                 f"distribution {dname!r}; give bounds or an Optuna "
                                 "distribution")
        else:
            raise ValueError(f"{arg}[{name!r}]: expected a list, a scipy "
                             f"distribution or an Optuna distribution, got {d!r}")
    return space


#: Parameters counted in training rows, with the largest share of a model's training rows
#: each may take: kNN cannot ask for more neighbours than it has rows, and a leaf of more
#: than half the rows leaves no split. Configurations transfer from past tasks in absolute
#: rows (31 rows per leaf suits 3,000 rows, not 30), so on a small table they are capped.
ROW_COUNT_PARAMS: dict[str, float] = {"n_neighbors": 1.0, "min_samples_leaf": 0.5}


def cv_train_rows(n_rows: int, n_splits: int = 5) -> int:
    """The fewest rows a model of an ``n_splits``-fold cross-validation of ``n_rows`` rows
    is trained on."""
    return int(n_rows) - math.ceil(int(n_rows) / n_splits)


def bound_to_rows(space: Mapping[str, BaseDistribution], train_rows: int | None) -> Space:
    """``space`` with its row-count parameters (:data:`ROW_COUNT_PARAMS`, under any step
    prefix) capped for models trained on ``train_rows`` rows; None: unchanged."""
    out = dict(space)
    if train_rows is None:
        return out
    for name, dist in space.items():
        share = ROW_COUNT_PARAMS.get(name.rsplit("__", 1)[-1])
        if share is None or not isinstance(dist, IntDistribution):
            continue
        step = dist.step or 1
        cap = max(dist.low, int(share * train_rows))
        cap = dist.low + (cap - dist.low) // step * step
        if cap < dist.high:
            out[name] = IntDistribution(dist.low, cap, log=dist.log, step=dist.step)
    return out


def row_capped(space: Mapping[str, BaseDistribution],
               default: Mapping[str, BaseDistribution]) -> list[str]:
    """Names whose bound :func:`bound_to_rows` lowered below ``default``'s."""
    return [k for k, d in space.items() if isinstance(d, IntDistribution)
            and isinstance(default.get(k), IntDistribution) and d.high < default[k].high]


def fit_to_space(config: Mapping[str, Any], space: Mapping[str, BaseDistribution]) -> Config:
    """Fit a configuration into ``space``: unknown keys dropped, numbers clipped to the
    bounds and snapped to the step/integer grid, categorical values kept only if allowed
    (numeric ones snapped to the nearest numeric choice)."""
    out: Config = {}
    for name, value in config.items():
        dist = space.get(name)
        if dist is None:
            continue
        if isinstance(dist, CategoricalDistribution):
            if any(_same(value, c) for c in dist.choices):
                out[name] = next(c for c in dist.choices if _same(value, c))
            elif _is_number(value):
                nums = [c for c in dist.choices if _is_number(c)]
                if nums:
                    out[name] = min(nums, key=lambda c: abs(float(c) - float(value)))
        elif isinstance(dist, (FloatDistribution, IntDistribution)):
            if _is_number(value) and math.isfinite(float(value)):
                out[name] = _clip(float(value), dist)
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - arrays and odd types compare unequal
        return False


def config_key(config: Mapping[str, Any]) -> str:
    """A canonical string for deduplication (floats rounded to 4 significant digits)."""
    parts = []
    for k in sorted(config):
        v = config[k]
        if isinstance(v, float):
            v = float(f"{v:.4g}")
        parts.append(f"{k}={v!r}")
    return ",".join(parts)


def with_prefix(config: Mapping[str, Any], prefix: str) -> Config:
    return {f"{prefix}{k}": v for k, v in config.items()}


def build_estimator(estimator: BaseEstimator, params: Mapping[str, Any]) -> BaseEstimator:
    """``clone(estimator).set_params(**params)``."""
    return clone(estimator).set_params(**dict(params))


Embedder = Callable[[Any, Any], np.ndarray]

"""Named estimators the benchmark can run, each with a small hyper-parameter grid.

Grids (of the model's own parameters; the runner adds the pipeline prefixes) are chosen on a
task's validation split (the uci121 protocol) before the folds are scored; a task without one
runs the defaults. Meta-learned estimators are flagged so the runner can enforce leave-data-sets-out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from sklearn.base import BaseEstimator
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

Factory = Callable[[str, int, dict[str, Any]], BaseEstimator]


@dataclass(frozen=True)
class EstimatorSpec:
    """How to build one named estimator for a task type, and its grid."""

    name: str
    build: Factory  # (task_type, random_state, meta) -> estimator
    # parameters of the model itself (the last step of a pipeline), by bare name
    grid: dict[str, list[Any]] = field(default_factory=dict)
    meta_learned: bool = False
    task_types: tuple[str, ...] = ("classification", "regression")
    regression_grid: dict[str, list[Any]] | None = None  # where the regressor differs

    def grid_for(self, task_type: str) -> dict[str, list[Any]]:
        if task_type == "regression" and self.regression_grid is not None:
            return dict(self.regression_grid)
        return dict(self.grid)


def _scaled(est: BaseEstimator) -> BaseEstimator:
    return make_pipeline(SimpleImputer(), StandardScaler(), est)


def _logreg(task_type: str, seed: int, meta: dict) -> BaseEstimator:
    from sklearn.linear_model import LogisticRegression, Ridge

    if task_type == "regression":
        return _scaled(Ridge())
    return _scaled(LogisticRegression(max_iter=3000))


def _rf(task_type: str, seed: int, meta: dict) -> BaseEstimator:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    cls = RandomForestRegressor if task_type == "regression" else RandomForestClassifier
    return cls(n_estimators=300, random_state=seed, n_jobs=1)


def _hgb(task_type: str, seed: int, meta: dict) -> BaseEstimator:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    cls = (HistGradientBoostingRegressor if task_type == "regression"
           else HistGradientBoostingClassifier)
    return cls(random_state=seed)


def _svc(task_type: str, seed: int, meta: dict) -> BaseEstimator:
    from sklearn.svm import SVC, SVR

    return _scaled(SVR() if task_type == "regression" else SVC(random_state=seed))


def _mlp(task_type: str, seed: int, meta: dict) -> BaseEstimator:
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = MLPRegressor if task_type == "regression" else MLPClassifier
    return _scaled(cls(hidden_layer_sizes=(256, 256), max_iter=300, early_stopping=True,
                       random_state=seed))


def _knn(task_type: str, seed: int, meta: dict) -> BaseEstimator:
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    cls = KNeighborsRegressor if task_type == "regression" else KNeighborsClassifier
    return _scaled(cls())


def _metamlp(init: str) -> Factory:
    def build(task_type: str, seed: int, meta: dict) -> BaseEstimator:
        from sklearn_meta import estimators as sm_est

        cls = (sm_est.MetaMLPRegressor if task_type == "regression"
               else sm_est.MetaMLPClassifier)
        chosen = meta.get("artifact", init) if init == "pretrained" else init
        return cls(init=chosen, random_state=seed)

    return build


ESTIMATORS: dict[str, EstimatorSpec] = {
    s.name: s for s in [
        EstimatorSpec("logreg", _logreg, {"C": [0.01, 0.1, 1.0, 10.0, 100.0]},
                      regression_grid={"alpha": [0.01, 0.1, 1.0, 10.0, 100.0]}),
        EstimatorSpec("rf", _rf, {"max_features": ["sqrt", 0.5]}),
        EstimatorSpec("hgb", _hgb, {"learning_rate": [0.05, 0.1],
                                    "max_leaf_nodes": [15, 31]}),
        EstimatorSpec("svc", _svc, {"C": [0.1, 1.0, 10.0, 100.0]},
                      task_types=("classification",)),
        EstimatorSpec("mlp", _mlp, {"alpha": [1e-4, 1e-2, 1.0]},
                      task_types=("classification",)),
        EstimatorSpec("knn", _knn, {"n_neighbors": [1, 5, 15]},
                      task_types=("classification",)),
        EstimatorSpec("metamlp", _metamlp("pretrained"), meta_learned=True),
        EstimatorSpec("metamlp-random", _metamlp("random")),
    ]
}


def get_spec(name: str) -> EstimatorSpec:
    """The spec of a named estimator, with a clear error listing the known names."""
    try:
        return ESTIMATORS[name]
    except KeyError:
        raise ValueError(f"unknown estimator {name!r}; known: {', '.join(ESTIMATORS)}") from None

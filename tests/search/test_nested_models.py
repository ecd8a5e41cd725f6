"""A model nested in both a TransformedTargetRegressor and a Pipeline is found and tuned
(the search stopped at the inner Pipeline: "no knowledge for Pipeline")."""
from __future__ import annotations

from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

from sklearn_meta.search.search_cv import MetaSearchCV
from sklearn_meta.search.spaces import family_of, final_model, param_prefix, step_prefix


def test_a_pipeline_inside_a_target_transform_is_searched():
    est = TransformedTargetRegressor(make_pipeline(StandardScaler(), SVR()),
                                     transformer=StandardScaler())
    assert isinstance(final_model(est), SVR) and family_of(est) == "svc"
    assert param_prefix(est) == "regressor__svr__" and step_prefix(est) == "svr__"
    outer = make_pipeline(StandardScaler(), TransformedTargetRegressor(SVR()))
    assert param_prefix(outer) == "transformedtargetregressor__regressor__"
    assert step_prefix(outer) == "transformedtargetregressor__"
    X, y = load_diabetes(return_X_y=True)
    search = MetaSearchCV(est, n_trials=3, cv=2, random_state=0).fit(X[:200], y[:200])
    assert set(search.best_params_) <= {"regressor__svr__C", "regressor__svr__gamma"}
    assert search.best_estimator_.regressor_.steps[-1][1].C == \
        search.best_params_.get("regressor__svr__C", 1.0)

"""Regression targets in the search and MetaMLPRegressor: weights, shapes, units, keys."""
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes
from sklearn.exceptions import DataConversionWarning
from sklearn.svm import SVR

from sklearn_meta import MetaMLPRegressor, MetaSearchCV, suggest_configs
from sklearn_meta.search.members import standardised_target


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X.iloc[:300], y.iloc[:300].to_numpy(), X.iloc[300:], y.iloc[300:].to_numpy()


def _with_zero_weight_rows(X, y, n=60):
    """``n`` extra rows of weight 0 whose target is in other units (x 1000)."""
    rng = np.random.default_rng(0)
    extra = rng.choice(len(y), n, replace=False)
    X2 = pd.concat([X, X.iloc[extra]], ignore_index=True)
    y2 = np.r_[y, y[extra] * 1000.0]
    return X2, y2, np.r_[np.ones(len(y)), np.zeros(n)]


def test_zero_weight_rows_do_not_move_the_target_standardisation(diabetes):
    X, y, Xt, yt = diabetes
    X2, y2, w = _with_zero_weight_rows(X, y)
    clean = standardised_target(SVR()).fit(X, y)
    weighted = standardised_target(SVR()).fit(X2, y2, sample_weight=w)
    np.testing.assert_allclose(weighted.transformer_.mean_, clean.transformer_.mean_)
    np.testing.assert_allclose(weighted.transformer_.scale_, clean.transformer_.scale_)
    # (SVR's gamma="scale" reads the variance of every row of X: close, not equal)
    np.testing.assert_allclose(weighted.predict(Xt), clean.predict(Xt), rtol=1e-2)
    m_clean = MetaMLPRegressor(random_state=0, max_iter=5).fit(X, y)
    m_w = MetaMLPRegressor(random_state=0, max_iter=5).fit(X2, y2, sample_weight=w)
    assert m_w.y_mean_ == pytest.approx(m_clean.y_mean_, rel=1e-9)
    assert m_w.y_scale_ == pytest.approx(m_clean.y_scale_, rel=1e-9)
    assert m_w.score(Xt, yt) > 0.3


def test_regressor_keys_mean_regression_everywhere(diabetes):
    X, y, _, _ = diabetes
    y_int = np.round(y).astype(int)  # integer target with few values: read as classes alone
    for key, param in (("ridge", "alpha"), ("svr", "C")):
        configs = suggest_configs(X, y_int, key, n=3, strategy="portfolio")
        assert all(set(c) <= {"alpha", "C", "gamma", "epsilon", "kernel"} for c in configs)
        assert param in configs[0] and "class_weight" not in configs[0]
    unfitted = MetaSearchCV("ridge")
    assert not hasattr(unfitted, "predict_proba") and not hasattr(unfitted, "transform")
    assert hasattr(MetaSearchCV("hgb"), "predict_proba")
    assert not hasattr(MetaSearchCV("hgb"), "transform")


def test_one_column_target_gives_one_dimensional_predictions(diabetes):
    X, y, Xt, _ = diabetes
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        search = MetaSearchCV("rf", n_trials=1, cv=2, random_state=0, warm_start=False,
                              task_type="regression").fit(X, pd.DataFrame({"target": y}))
    assert search.predict(Xt).shape == (len(Xt),)


@pytest.mark.parametrize("y_of", [
    lambda y: y * 1e-200,
    lambda y: pd.Series(pd.to_timedelta(y, unit="s")),
])
def test_targets_no_model_reads_are_refused_before_any_trial(diabetes, y_of):
    X, y, _, _ = diabetes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="underflow|timedelta64"):
            MetaSearchCV("hgb", n_trials=1, cv=2).fit(X, y_of(y))


def test_searches_bound_to_fail_are_refused_before_any_trial():
    """Classification counterparts: choices a stored study cannot hold as they are (a
    class_weight dict over integer labels came back with string keys and failed the refit
    after every trial), and "f1" on labels without a 1."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    X, y = load_breast_cancer(return_X_y=True)
    space = {"class_weight": [None, {0: 1, 1: 20}]}
    with pytest.raises(ValueError, match=r"param_distributions\['class_weight'\].*JSON"):
        MetaSearchCV(LogisticRegression(max_iter=200), space, n_trials=2, n_jobs=2).fit(X, y)
    labels = np.where(y == 1, "yes", "no")
    with pytest.raises(ValueError, match=r"pos_label='yes'"):
        MetaSearchCV("logistic_regression", n_trials=2, scoring="f1").fit(X, labels)


def test_integers_stored_as_objects_are_read_as_integers():
    from sklearn_meta.search.suggest import infer_task_type

    codes = np.arange(400) % 60
    with pytest.warns(UserWarning, match="integer target with 60 distinct values"):
        assert infer_task_type(codes.astype(object)) == "regression"
    assert infer_task_type((np.arange(400) % 3).astype(object)) == "classification"


def test_an_instance_without_the_method_its_scorer_needs_is_refused_up_front():
    from sklearn.datasets import load_breast_cancer
    from sklearn.svm import SVC

    X, y = load_breast_cancer(return_X_y=True)
    with pytest.raises(ValueError, match="SVC has no predict_proba.*every trial would fail"):
        MetaSearchCV(SVC(), n_trials=2, scoring="neg_log_loss").fit(X, y)
    # also with a space of its own that cannot switch it on (it ran every trial, then failed)
    with pytest.raises(ValueError, match="SVC has no predict_proba.*every trial would fail"):
        MetaSearchCV(SVC(), {"C": [0.5, 1.0]}, n_trials=2, scoring="neg_log_loss").fit(X, y)
    # a space that can switch it on is searched
    search = MetaSearchCV(SVC(), {"probability": [True], "C": [0.5, 1.0]}, n_trials=2, cv=2,
                          scoring="neg_log_loss", random_state=0).fit(X[:200], y[:200])
    assert np.isfinite(search.best_score_)


def test_score_takes_sample_weight_under_metadata_routing():
    """With routing on and no scorer, the models the search builds score with their own
    score method, which takes sample_weight (it used to be refused as routed nowhere)."""
    import sklearn
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    w = np.where(y == 1, 1.0, 3.0)
    with sklearn.config_context(enable_metadata_routing=True):
        search = MetaSearchCV("logistic_regression", n_trials=2, cv=2, random_state=0,
                              warm_start=False).fit(X, y, sample_weight=w)
        got = search.score(X, y, sample_weight=w)
        unweighted = search.score(X, y)
    assert got == pytest.approx(search.best_estimator_.score(X, y, sample_weight=w))
    assert got != pytest.approx(unweighted)

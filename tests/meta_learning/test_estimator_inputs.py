"""Bad or unusual input to the MetaMLP estimators: clear errors, never silent corruption."""
import warnings

import numpy as np
import pandas as pd
import pytest

from sklearn_meta.estimators import MetaMLPClassifier, MetaMLPRegressor

KW = dict(init="random", max_iter=5, n_ensemble=1, random_state=0)


@pytest.fixture
def data():
    X = np.random.RandomState(0).randn(60, 4)
    return X, (X[:, 0] > 0).astype(int)


@pytest.mark.parametrize("Est", [MetaMLPClassifier, MetaMLPRegressor])
def test_negative_sample_weight_is_refused(Est, data):
    X, y = data
    with pytest.raises(ValueError, match="sample_weight"):
        Est(**KW).fit(X, y, sample_weight=np.r_[-1.0, np.ones(59)])


def test_huge_targets_give_finite_predictions(data):
    X, _ = data
    y = X[:, 0] * 1e155  # its variance overflows float64
    pred = MetaMLPRegressor(**KW).fit(X, y).predict(X)
    assert np.all(np.isfinite(pred)) and np.corrcoef(pred / 1e155, y / 1e155)[0, 1] > 0.5


def test_huge_feature_values_keep_their_information(data):
    X, y = data
    clf = MetaMLPClassifier(**KW).fit(X * 1e300, y)
    proba = clf.predict_proba(X * 1e300)
    assert np.all(np.isfinite(proba)) and clf.score(X * 1e300, y) > 0.8


def test_array_after_dataframe_fit_is_read_by_position(data):
    X, y = data
    df = pd.DataFrame(X, columns=list("abcd"))
    clf = MetaMLPClassifier(**KW).fit(df, y)
    with pytest.warns(UserWarning, match="feature names"):
        from_array = clf.predict_proba(X)
    np.testing.assert_allclose(from_array, clf.predict_proba(df))


def test_column_changing_kind_between_fit_and_predict_is_named(data):
    X, y = data
    df = pd.DataFrame(X, columns=list("abcd"))
    df["when"] = pd.date_range("2020-01-01", periods=len(df))
    clf = MetaMLPClassifier(**KW).fit(df, y)
    bad = df.assign(when=df["when"].astype(str))
    with pytest.raises(ValueError, match=r"X\['when'\]: was a temporal column"):
        clf.predict(bad)


@pytest.mark.parametrize("frame, match", [
    (pd.DataFrame({"p": pd.period_range("2020", periods=60)}), r"X\['p'\]: unsupported dtype"),
    (pd.DataFrame({"c": np.arange(60) + 1j}), r"X\['c'\]: unsupported dtype complex"),
    (pd.DataFrame(np.zeros((60, 2)), columns=["a", "a"]), "duplicated column names"),
])
def test_unsupported_columns_are_named(frame, match, data):
    with pytest.raises(ValueError, match=match):
        MetaMLPClassifier(**KW).fit(frame, data[1])


def test_n_iter_counts_steps_run_and_best_iter_the_kept_step(data):
    X, y = data
    clf = MetaMLPClassifier(init="random", max_iter=30, n_ensemble=2, random_state=0).fit(X, y)
    assert all(1 <= n <= 30 for n in clf.n_iter_)
    assert all(0 <= b <= n for b, n in zip(clf.best_iter_, clf.n_iter_))


def test_nullable_integers_as_array_after_dataframe_fit(data):
    X, y = data
    df = pd.DataFrame({"i": pd.array(np.arange(60) % 5, dtype="Int64"), "x": X[:, 0]})
    df.loc[::7, "i"] = pd.NA
    clf = MetaMLPClassifier(**KW).fit(df, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # no feature names
        np.testing.assert_allclose(clf.predict_proba(df.to_numpy()), clf.predict_proba(df))

"""A user's own SVR on a target far from unit scale gets a hint: its epsilon and C are in units
of the target, and the knowledge base's SVR configurations were scored on standardised
targets (on diabetes x 1000 a search of Pipeline(StandardScaler, SVR) reaches R^2 0.09, the
same search inside a target standardisation 0.50)."""
from __future__ import annotations

import warnings

import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.ensemble import RandomForestRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

from sklearn_meta.search import MetaSearchCV
from sklearn_meta.search.members import target_scale_problem
from sklearn_meta.search.suggest import suggest_configs


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


def _hints(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught if "standard deviation" in str(w.message)]


def test_the_hint_names_the_scale_and_the_ways_out(diabetes):
    X, y = diabetes
    svr = make_pipeline(StandardScaler(), SVR())
    said = target_scale_problem(svr, y * 1000)
    assert "7.7e+04" in said and "TransformedTargetRegressor" in said and "'svr'" in said
    assert target_scale_problem(svr, y / 1000) is not None  # too small a scale as well
    assert target_scale_problem(svr, (y - y.mean()) / y.std()) is None
    wrapped = TransformedTargetRegressor(svr, transformer=StandardScaler())
    assert target_scale_problem(wrapped, y * 1000) is None
    assert target_scale_problem(RandomForestRegressor(), y * 1000) is None  # scale-free


def test_searches_and_suggestions_give_it_once(diabetes):
    X, y = diabetes
    svr = make_pipeline(StandardScaler(), SVR())
    assert len(_hints(lambda: MetaSearchCV(svr, n_trials=3, cv=3, random_state=0)
                      .fit(X, y * 1000))) == 1
    assert len(_hints(lambda: MetaSearchCV([svr, "hgb"], n_trials=3, cv=3, random_state=0)
                      .fit(X, y * 1000))) == 1
    assert len(_hints(lambda: suggest_configs(X, y * 1000, svr, n=3))) == 1
    assert _hints(lambda: MetaSearchCV("svr", n_trials=3, cv=3, random_state=0)
                  .fit(X, y * 1000)) == []  # the family key standardises the target itself

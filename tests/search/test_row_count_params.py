"""Parameters counted in rows (kNN's neighbours, trees' leaf sizes) are capped on small tables:
configurations transfer from past tasks in absolute rows, and on 30 rows a kNN with 37
neighbours cannot be fitted, a leaf of 31 rows leaves no split."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from optuna.distributions import FloatDistribution, IntDistribution
from sklearn.datasets import load_iris
from sklearn.neighbors import KNeighborsClassifier

from sklearn_meta.search import MetaSearchCV
from sklearn_meta.search.spaces import FAMILIES, bound_to_rows, cv_train_rows
from sklearn_meta.search.suggest import suggest_configs


@pytest.fixture(scope="module")
def small_iris():
    X, y = load_iris(return_X_y=True)
    idx = np.random.RandomState(0).choice(len(y), 30, replace=False)
    return X[idx], y[idx]


def test_bound_to_rows_caps_only_row_count_parameters():
    space = {"n_neighbors": IntDistribution(1, 50, log=True),
             "model__min_samples_leaf": IntDistribution(2, 64, log=True),
             "max_leaf_nodes": IntDistribution(4, 64, log=True),
             "learning_rate": FloatDistribution(0.01, 0.5, log=True)}
    capped = bound_to_rows(space, 24)
    assert capped["n_neighbors"] == IntDistribution(1, 24, log=True)
    assert capped["model__min_samples_leaf"] == IntDistribution(2, 12, log=True)
    assert capped["max_leaf_nodes"] == space["max_leaf_nodes"]
    assert capped["learning_rate"] == space["learning_rate"]
    assert bound_to_rows(space, None) == space and bound_to_rows(space, 1000) == space
    tiny = bound_to_rows(space, 1)  # never below the space's own lower bound
    assert tiny["n_neighbors"].high == 1 and tiny["model__min_samples_leaf"].high == 2
    stepped = bound_to_rows({"n_neighbors": IntDistribution(1, 49, step=4)}, 24)
    assert stepped["n_neighbors"] == IntDistribution(1, 21, step=4)
    assert cv_train_rows(30) == 24 and cv_train_rows(31) == 24


def test_suggestions_fit_the_rows_of_a_small_table(small_iris):
    X, y = small_iris
    roomy = suggest_configs(X, y, "knn", n=10, train_rows=1000)
    assert max(c["n_neighbors"] for c in roomy) > 24  # what a large table would be given
    knn = suggest_configs(X, y, "knn", n=10)  # 5-fold training rows of 30: 24
    assert max(c["n_neighbors"] for c in knn) <= 24
    hgb = suggest_configs(X, y, "hgb", n=10)
    assert max(c["min_samples_leaf"] for c in hgb) <= 12
    assert max(c["n_neighbors"] for c in suggest_configs(X, y, "knn", n=10,
                                                          train_rows=10)) <= 10


def test_a_users_own_space_is_not_capped(small_iris):
    X, y = small_iris
    configs = suggest_configs(X, y, KNeighborsClassifier(n_neighbors=40), n=3,
                              search_space={"n_neighbors": IntDistribution(1, 50)})
    assert configs[0]["n_neighbors"] == 40


def test_train_rows_is_checked(small_iris):
    X, y = small_iris
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="train_rows"):
            suggest_configs(X, y, "knn", train_rows=bad)


def test_search_on_a_small_table_fits_every_trial(small_iris):
    X, y = small_iris
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search = MetaSearchCV(KNeighborsClassifier(n_neighbors=40), n_trials=25, cv=5,
                              random_state=0).fit(X, y)
    said = " ".join(str(w.message) for w in caught)
    assert "n_neighbors=40" in said and "capped by the rows" in said
    params = search.cv_results_["params"]
    assert params[0]["n_neighbors"] == 24  # the user's 40, at the most 24 training rows allow
    assert max(p["n_neighbors"] for p in params) <= 24
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()  # no trial failed


def test_search_across_families_caps_by_its_own_folds(small_iris):
    X, y = small_iris
    search = MetaSearchCV(["knn", "hgb"], n_trials=12, cv=3, random_state=0).fit(X, y)
    params = search.cv_results_["params"]
    assert {p["estimator"] for p in params} == {"knn", "hgb"}
    for p in params:  # 3-fold on 30 rows: 20 training rows
        assert p.get("n_neighbors", 0) <= 20 and p.get("min_samples_leaf", 0) <= 10
    assert FAMILIES["knn"].space["n_neighbors"].high == 50  # the family space untouched


def test_boolean_mask_folds_cap_by_their_true_rows(small_iris):
    X, y = small_iris
    masks = []
    for k in range(3):
        test = np.zeros(len(y), bool)
        test[k::3] = True
        masks.append((~test, test))  # 20 training rows each, as masks over 30
    search = MetaSearchCV("knn", n_trials=12, cv=masks, random_state=0).fit(X, y)
    assert max(p["n_neighbors"] for p in search.cv_results_["params"]) <= 20
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()

"""Families that would fail every trial are left out of a search across families, with a
warning, instead of wasting the trial budget (each failure was only a warning)."""
import warnings

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from sklearn_meta.search import MetaSearchCV


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((240, 5))
    return X, (X[:, 0] + 0.3 * rng.standard_normal(240) > 0).astype(int), rng.uniform(0.5, 2, 240)


def _fit(search, *args, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(*args, **kw)
    return [str(w.message) for w in caught]


def test_probability_scorer_leaves_svc_out(data):
    X, y, _ = data
    s = MetaSearchCV(None, n_trials=8, cv=3, random_state=0, scoring="neg_log_loss")
    msgs = _fit(s, X, y)
    assert any("left out of the search: svc" in m and "predict_proba" in m for m in msgs)
    tried = {p["estimator"] for p in s.cv_results_["params"]}
    assert "svc" not in tried and len(tried) > 1
    assert np.isfinite(s.cv_results_["mean_test_score"]).all()  # no trial failed


def test_sample_weight_leaves_knn_out_and_reaches_the_others(data):
    X, y, w = data
    s = MetaSearchCV(None, n_trials=8, cv=3, random_state=0)
    msgs = _fit(s, X, y, sample_weight=w)
    assert any("knn (KNeighborsClassifier.fit takes no 'sample_weight')" in m for m in msgs)
    assert "knn" not in {p["estimator"] for p in s.cv_results_["params"]}
    assert np.isfinite(s.cv_results_["mean_test_score"]).all()


def test_nothing_left_is_a_clear_error(data):
    X, y, w = data
    with pytest.raises(ValueError, match="no family can be searched: knn"):
        MetaSearchCV([KNeighborsClassifier()], n_trials=2, cv=3).fit(X, y, sample_weight=w)


def test_forests_left_out_when_values_exceed_float32():
    """A column near 1e39 made every random-forest / extra-trees trial fail (scikit-learn's
    trees cast X to float32); they are left out, with the column named, and the rest run."""
    from sklearn_meta.search.input_checks import beyond_float32_columns

    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 3))
    y = (X[:, 0] > 0).astype(int)
    X[:, 2] *= 1e39
    assert beyond_float32_columns(X) == [2] and beyond_float32_columns(X[:, :2]) == []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = MetaSearchCV(["random_forest", "extra_trees", "hgb"], n_trials=3, cv=3,
                         random_state=0).fit(X, y)
    msg = [str(w.message) for w in caught if "left out of the search" in str(w.message)]
    assert msg and "random_forest" in msg[0] and "extra_trees" in msg[0] and "[2]" in msg[0]
    assert {p["estimator"] for p in s.cv_results_["params"]} == {"hgb"}
    assert s.best_score_ > 0.8


def test_dense_only_families_left_out_for_sparse_input(data):
    """HistGradientBoosting takes dense X only: with sparse X every trial of its failed; it
    is left out, and a search of it alone is refused up front. MetaMLP densifies sparse X
    (up to a size) and is searched."""
    import scipy.sparse as sp
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y, _ = data
    Xs = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    s = MetaSearchCV(None, n_trials=8, cv=3, random_state=0)
    msgs = _fit(s, Xs, y)
    assert any("left out of the search: hgb" in m and "sparse" in m and "metamlp" not in m
               for m in msgs)
    assert "hgb" not in {p["estimator"] for p in s.cv_results_["params"]}
    assert np.isfinite(s.cv_results_["mean_test_score"]).all() and s.score(Xs, y) > 0.7
    with pytest.raises(ValueError, match="no family can be searched: hgb.*sparse"):
        MetaSearchCV("hgb", n_trials=2, cv=3).fit(Xs, y)
    with pytest.raises(ValueError, match="X: sparse, and HistGradientBoostingClassifier"):
        MetaSearchCV(HistGradientBoostingClassifier(), n_trials=2, cv=3).fit(Xs, y)
    mlp = MetaSearchCV("metamlp", n_trials=2, cv=3, random_state=0).fit(Xs, y)
    assert np.isfinite(mlp.cv_results_["mean_test_score"]).all()


def test_metamlp_left_out_for_sparse_input_beyond_what_it_densifies(data, monkeypatch):
    import scipy.sparse as sp

    from sklearn_meta.estimators import MetaMLPClassifier

    X, y, _ = data
    Xs = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    monkeypatch.setattr(MetaMLPClassifier, "_max_dense_cells", Xs.shape[0] * Xs.shape[1] - 1)
    s = MetaSearchCV(["knn", "metamlp"], n_trials=3, cv=3, random_state=0)
    msgs = _fit(s, Xs, y)
    assert any("left out of the search: metamlp" in m and "densifies" in m for m in msgs)
    assert {p["estimator"] for p in s.cv_results_["params"]} == {"knn"}
    with pytest.raises(ValueError, match="X: sparse, and MetaMLPClassifier densifies"):
        MetaSearchCV(MetaMLPClassifier(), n_trials=2, cv=3).fit(Xs, y)


def test_records_mixing_numbers_and_text_are_searched(data):
    """A list of rows with a text field: every trial failed (the numbers became strings)."""
    X, y, _ = data
    rows = [[float(v), "x" if k % 2 else "y"] for k, v in enumerate(X[:, 0])]
    s = MetaSearchCV(None, n_trials=4, cv=3, random_state=0)
    _fit(s, rows, y)
    assert np.isfinite(s.cv_results_["mean_test_score"]).all()
    assert s.best_score_ > 0.75 and s.score(rows, y) > 0.75

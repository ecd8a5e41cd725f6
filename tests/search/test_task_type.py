"""Choosing the task type of a search across families (``task_type=``) and the warnings
where reading it from ``y`` goes against the target's dtype."""
import warnings

import numpy as np
import pytest
from sklearn.base import is_classifier, is_regressor
from sklearn.linear_model import Ridge

from sklearn_meta.search import MetaSearchCV, suggest_configs
from sklearn_meta.search.suggest import infer_task_type


@pytest.fixture(scope="module")
def many_classes():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(60), 5)  # 60 integer classes of 5 rows each
    X = rng.standard_normal((300, 6)) + 0.5 * y[:, None] / 60
    return X, y


def test_integer_target_read_as_regression_warns_and_can_be_overridden(many_classes):
    X, y = many_classes
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = MetaSearchCV(None, n_trials=2, cv=3, random_state=0).fit(X, y)
    msgs = [str(w.message) for w in caught if "read as regression" in str(w.message)]
    assert s.task_type_ == "regression" and len(msgs) == 1  # said once, with the way out
    assert "task_type='classification'" in msgs[0]
    s = MetaSearchCV(None, n_trials=2, cv=3, random_state=0,
                     task_type="classification").fit(X, y)
    assert s.task_type_ == "classification"
    assert s.predict_proba(X).shape == (300, 60)
    assert set(s.predict(X)) <= set(y)


def test_float_class_codes_read_as_regression_warn_too(many_classes):
    """60 class codes stored as floats (a CSV column with missing values) are read as
    regression, like integers with as many values: the warning says so and how to choose."""
    X, y = many_classes
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = MetaSearchCV(None, n_trials=2, cv=3, random_state=0).fit(X, y.astype(float))
    msgs = [str(w.message) for w in caught if "read as regression" in str(w.message)]
    assert s.task_type_ == "regression" and len(msgs) == 1
    assert "float target of whole numbers" in msgs[0]
    assert "task_type='classification'" in msgs[0]
    with warnings.catch_warnings():  # continuous floats are regression without a word
        warnings.simplefilter("error", UserWarning)
        suggest_configs(X, y + 0.5 * X[:, 0], None, n=1)
        # nor huge ones, which are all whole numbers as floats (beyond 2**53)
        suggest_configs(X, (y + 0.5 * X[:, 0]) * 1e150, None, n=1)


def test_whole_number_float_target_can_be_searched_as_regression():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((1000, 4))
    # whole numbers, ~50 distinct values in 1000 rows: read as classes
    age = np.round(45 + 8 * X[:, 0]).astype(float)
    with pytest.warns(UserWarning, match="task_type='regression'"):
        configs = suggest_configs(X, age, None, n=2)
    assert all(is_classifier(c["estimator"]) for c in configs)  # read as classes
    configs = suggest_configs(X, age, None, n=2, task_type="regression")
    assert all(is_regressor(c["estimator"]) for c in configs)
    s = MetaSearchCV(None, n_trials=3, cv=3, random_state=0, task_type="regression")
    assert s.fit(X, age).task_type_ == "regression" and s.best_score_ > 0.9


def test_bad_or_contradicting_task_type_is_refused():
    X, y = np.random.default_rng(0).standard_normal((30, 3)), np.arange(30) % 2
    with pytest.raises(ValueError, match="task_type must be None"):
        MetaSearchCV(None, task_type="regresion").fit(X, y)
    with pytest.raises(ValueError, match="contradicts the estimator Ridge"):
        MetaSearchCV(Ridge(), task_type="classification").fit(X, y)
    with pytest.raises(ValueError, match="needs a numeric target"):
        suggest_configs(X, np.where(y, "a", "b"), None, task_type="regression")


def test_query_is_described_on_the_rows_the_knowledge_base_used(monkeypatch):
    """Knowledge-base tasks are described on a 300-row sub-sample (build-kb --subsample);
    a query was described on all its rows (number of rows and other meta-features out of
    the knowledge base's range, and a large sparse table densified whole)."""
    import scipy.sparse as sp

    import sklearn_meta.search.knowledge_base as kbmod
    from sklearn_meta.search import load_default_kb
    from sklearn_meta.search.suggest import description_rows, neighbours_for

    kb = load_default_kb("classification")
    rows = kb.info["subsample_rows"]
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 20000)
    X = sp.random(20000, 40, density=0.05, format="csr", random_state=0)
    Xs, ys = description_rows(X, y, rows, "classification")
    assert Xs.shape == (rows, 40) and set(ys) == {0, 1, 2}
    np.testing.assert_array_equal(description_rows(X, y, rows, "classification")[1], ys)
    seen = []
    real = kbmod.compute_meta_features
    monkeypatch.setattr("sklearn_meta.search.suggest.compute_meta_features",
                        lambda X, y, task_type=None: seen.append(X.shape) or real(X, y, task_type))
    nb = neighbours_for(X, y, kb, "meta-features", "classification")
    assert seen == [(rows, 40)] and len(nb.names) > 0
    small_X, small_y = X[:200], y[:200]  # small tables are described whole
    assert description_rows(small_X, small_y, rows, "classification")[0].shape[0] == 200


def test_task_type_checks_list_members_and_continuous_targets():
    from sklearn.ensemble import RandomForestRegressor

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 3)), rng.normal(size=60)
    with pytest.raises(ValueError, match="contradicts the estimator instances in the list"):
        MetaSearchCV([RandomForestRegressor(), "knn"], n_trials=2, cv=3,
                     task_type="classification").fit(X, y)
    with pytest.raises(ValueError, match="needs class labels, got continuous values"):
        MetaSearchCV(None, n_trials=2, cv=3, task_type="classification").fit(X, y)


def test_task_type_warning_points_at_the_callers_line(many_classes):
    X, y = many_classes
    with pytest.warns(UserWarning, match="read as regression") as rec:
        suggest_configs(X, y, None, n=1)
    assert {w.filename for w in rec if "read as regression" in str(w.message)} == {__file__}


def test_two_dimensional_target_is_refused_clearly_on_large_tables():
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((400, 3)), rng.integers(0, 2, (400, 2))
    with pytest.raises(ValueError):  # not an IndexError from the description sub-sample
        suggest_configs(X, Y, RandomForestClassifier(), n=2)


def test_integer_counts_read_as_classes_warn():
    """A count with 43 values on 400 rows (doctor visits) stays classification, as
    scikit-learn reads integers, but the warning says so and how to search it as regression;
    a few integer class codes pass silently."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 4))
    visits = np.minimum(rng.poisson(np.exp(1.5 + X[:, 0])), 42)
    visits[:43] = np.arange(43)  # every count from 0 to 42 present
    with pytest.warns(UserWarning, match=r"integer target with 43 distinct values is read "
                                         r"as 43 classes; pass task_type='regression'"):
        suggest_configs(X, visits, None, n=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        suggest_configs(X, visits % 5, None, n=1)


def test_whole_number_amounts_read_as_regression_without_a_warning():
    """Whole-number floats that are amounts (prices, delays in minutes, scores spread over
    hundreds of values) are regression by dtype and values alike: no warning; dense
    non-negative codes with several rows each still warn (they may be classes)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 3))
    prices = np.round(np.exp(12 + 0.5 * X[:, 0]))  # 85,000-style prices, whole numbers
    delays = np.round(60 * X[:, 1] + 5)  # minutes, some negative (~300 values)
    scores = np.round(150 + 40 * X[:, 2])[:440]  # diabetes-like: ~200 values in 440 rows
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        for y in (prices, delays, scores):
            assert infer_task_type(y) == "regression"
    codes = rng.permutation(np.arange(300) % 60).astype(float)  # 60 codes, 5 rows each
    with pytest.warns(UserWarning, match="float target of whole numbers"):
        assert infer_task_type(codes) == "regression"

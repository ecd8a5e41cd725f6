"""MetaSearchCV on real data."""
import warnings

import numpy as np
import optuna
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_meta.datasets import load_suite
from sklearn_meta.search import MetaSearchCV

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def wine():
    return load_wine(return_X_y=True)


def test_finds_config_at_least_as_good_as_default():
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[::2], y[::2]
    pipe = make_pipeline(StandardScaler(), SVC())
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    default = cross_val_score(pipe, X, y, cv=cv).mean()
    search = MetaSearchCV(pipe, n_trials=6, cv=cv, random_state=0).fit(X, y)
    assert search.best_score_ >= default - 1e-12
    assert search.cv_results_["params"][0] == {"svc__C": 1.0}  # default tried first
    assert search.cv_results_["mean_test_score"][0] == pytest.approx(default)
    assert set(search.best_params_) <= {"svc__C", "svc__gamma"}
    assert search.predict(X).shape == y.shape and 0.9 <= search.score(X, y) <= 1


def test_fresh_study_per_fit_under_cross_validate(wine):
    X, y = wine
    res = cross_validate(MetaSearchCV(LogisticRegression(max_iter=500), n_trials=3, cv=3,
                                      random_state=0), X, y, cv=2, return_estimator=True)
    studies = [est.study_ for est in res["estimator"]]
    assert studies[0].study_name != studies[1].study_name
    assert [len(s.trials) for s in studies] == [3, 3]


def test_multi_metric_refit_names_the_metric(wine):
    X, y = wine
    search = MetaSearchCV(None, n_trials=4, cv=3, scoring=["accuracy", "f1_macro"],
                          refit="f1_macro", random_state=0).fit(X, y)
    assert "mean_test_accuracy" in search.cv_results_
    assert search.best_score_ == pytest.approx(
        np.nanmax(search.cv_results_["mean_test_f1_macro"]))
    assert "estimator" in search.best_params_
    # scikit-learn's scorer_: {metric: scorer}, each scoring the refitted model
    assert set(search.scorer_) == {"accuracy", "f1_macro"}
    assert search.scorer_["f1_macro"](search.best_estimator_, X, y) == pytest.approx(
        search.score(X, y))
    with pytest.raises(ValueError, match="refit"):
        MetaSearchCV(SVC(), n_trials=2, scoring=["accuracy", "f1_macro"]).fit(X, y)
    one = MetaSearchCV(SVC(), n_trials=2, cv=3, scoring="balanced_accuracy",
                       random_state=0).fit(X, y)
    assert one.scorer_(one.best_estimator_, X, y) == pytest.approx(one.score(X, y))


def test_predefined_splits_from_a_task(data_home):
    (task,) = load_suite("uci121", data_home=data_home, names=["iris"])
    search = MetaSearchCV(SVC(), n_trials=3, cv=task.splits, random_state=0).fit(task.X, task.y)
    assert search.n_splits_ == len(task.splits)
    assert f"split{len(task.splits) - 1}_test_score" in search.cv_results_


def test_sqlite_refused_for_several_workers(wine, tmp_path):
    X, y = wine
    with pytest.raises(ValueError, match="SQLite"):
        MetaSearchCV(SVC(), n_trials=2, n_jobs=2, storage=f"sqlite:///{tmp_path}/s.db").fit(X, y)


def test_process_workers_share_one_study(wine, tmp_path):
    X, y = wine
    search = MetaSearchCV(SVC(), n_trials=4, cv=3, n_jobs=2, random_state=0,
                          storage=str(tmp_path / "journal.log")).fit(X, y)
    TS = optuna.trial.TrialState
    assert [t.state for t in search.study_.trials].count(TS.COMPLETE) == 4
    # the warm start queues nothing past the budget (two workers queueing at the very same
    # moment may still leave one waiting trial: Optuna's own parallel semantics)
    assert len(search.study_.trials) <= 4 + 1 and np.isfinite(search.best_score_)


def test_bad_arguments_are_named(wine):
    X, y = wine
    with pytest.raises(ValueError, match="n_trials"):
        MetaSearchCV(SVC(), n_trials=0).fit(X, y)
    with pytest.raises(ValueError, match="warm_start"):
        MetaSearchCV(SVC(), warm_start="nope").fit(X, y)


def test_search_across_families_accepts_mixed_frames():
    """Estimators the search builds itself get preprocessing: strings, categories,
    date-times and missing values reach every family as numbers, fitted inside each fold."""
    import pandas as pd
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True, as_frame=True)
    rng = np.random.RandomState(0)
    X = X.iloc[:, :5].copy()
    X["colour"] = pd.Categorical(rng.choice(["red", "white"], len(X)))
    X["label"] = rng.choice(["a", "b", "c"], len(X)).astype(object)
    X["bottled"] = pd.date_range("2001-01-01", periods=len(X), freq="W")
    X.iloc[::7, 0] = np.nan
    search = MetaSearchCV(None, n_trials=5, cv=3, random_state=0).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_score_ > 0.8
    assert search.score(X, y) > 0.8


# --------------------------------------------------- scikit-learn's search contract
def _quiet_search(**kw):
    from sklearn.linear_model import LogisticRegression

    from sklearn_meta.search import MetaSearchCV

    kw = {"n_trials": 3, "cv": 3, "random_state": 0, "warm_start": None, **kw}
    return MetaSearchCV(kw.pop("estimator", LogisticRegression()), **kw)


def test_a_trial_failing_on_every_fold_does_not_end_the_search():
    import warnings

    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    s = _quiet_search(param_distributions={"C": [-1.0, 1.0]}, n_trials=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s.fit(X, y)
    mean = s.cv_results_["mean_test_score"]
    assert np.isnan(mean).any() and np.isfinite(mean).any() and s.best_params_ == {"C": 1.0}
    assert s.cv_results_["rank_test_score"][np.isnan(mean)].min() > \
        s.cv_results_["rank_test_score"][np.isfinite(mean)].max()


def test_classifier_search_is_a_classifier_so_outer_cv_stratifies():
    from sklearn.base import is_classifier, is_regressor
    from sklearn.datasets import load_iris
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import cross_validate

    X, y = load_iris(return_X_y=True)  # sorted by class: unstratified folds score 0
    search = _quiet_search(n_trials=2)
    assert is_classifier(search) and is_regressor(_quiet_search(estimator=Ridge()))
    assert cross_validate(search, X, y, cv=3)["test_score"].min() > 0.9


def test_refit_false_ties_callable_refit_and_delegation():
    from sklearn.datasets import load_iris
    from sklearn.linear_model import Ridge

    X, y = load_iris(return_X_y=True)
    assert not hasattr(_quiet_search(estimator=Ridge()), "predict_proba")
    assert not hasattr(_quiet_search(refit=False), "predict")
    # three configurations that score the same (a grid runs each once)
    s = _quiet_search(param_distributions={"C": [1.0, 1.0 + 1e-9, 1.0 + 2e-9]},
                      n_trials=3).fit(X, y)
    assert list(s.cv_results_["rank_test_score"]) == [1, 1, 1]  # ties share the best rank
    assert "std_fit_time" in s.cv_results_ and "std_score_time" in s.cv_results_
    np.testing.assert_allclose(s.predict_log_proba(X), np.log(s.predict_proba(X)))
    worst = _quiet_search(n_trials=4, refit=lambda r: int(np.argmin(r["mean_test_score"])))
    worst.fit(X, y)
    assert worst.best_index_ == int(np.argmin(worst.cv_results_["mean_test_score"]))
    assert not hasattr(worst, "best_score_")  # as scikit-learn with a callable refit
    multi = _quiet_search(scoring=["accuracy", "f1_macro"], refit=False).fit(X, y)
    assert not hasattr(multi, "best_params_") and "mean_test_f1_macro" in multi.cv_results_


def test_a_new_fit_leaves_nothing_of_the_last_one():
    import pandas as pd
    from sklearn.datasets import load_breast_cancer, load_iris
    from sklearn.exceptions import NotFittedError

    Xb, yb = load_breast_cancer(return_X_y=True, as_frame=True)
    s = _quiet_search(n_trials=2).fit(Xb.iloc[:200], yb.iloc[:200])
    assert list(s.feature_names_in_) == list(Xb.columns)
    X, y = load_iris(return_X_y=True)
    s.fit(X, y)
    assert not hasattr(s, "feature_names_in_") and s.n_features_in_ == 4
    s.set_params(refit=False).fit(pd.DataFrame(X), y)
    assert not hasattr(s, "best_estimator_") and not hasattr(s, "classes_")
    with pytest.raises(NotFittedError):
        s._best()


def test_random_state_may_be_a_random_state_and_fit_params_reach_wrapped_models():
    import warnings

    from sklearn.datasets import load_breast_cancer

    Xb, yb = load_breast_cancer(return_X_y=True, as_frame=True)
    X, y = Xb.iloc[:200].copy(), yb.iloc[:200]
    X.iloc[::7, 0] = np.nan  # the search adds preprocessing: sample_weight -> model__
    from sklearn_meta.search import MetaSearchCV

    s = MetaSearchCV(["hgb", "logistic_regression"], n_trials=2, cv=3, warm_start=None,
                     random_state=np.random.RandomState(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s.fit(X, y, sample_weight=np.linspace(0.1, 2, len(y)))
    assert np.isfinite(s.cv_results_["mean_test_score"]).all()


def test_metadata_routing_sends_fit_params_to_the_estimator():
    import sklearn
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_validate

    X, y = load_iris(return_X_y=True)
    with sklearn.config_context(enable_metadata_routing=True):
        # as with GridSearchCV, the default scorer (the estimator's score) must say whether
        # it wants sample_weight too
        est = LogisticRegression().set_fit_request(sample_weight=True)
        s = _quiet_search(estimator=est.set_score_request(sample_weight=False), n_trials=2)
        res = cross_validate(s, X, y, cv=3, params={"sample_weight": np.ones(len(y))})
    assert res["test_score"].min() > 0.9


def test_parallel_search_leaves_no_scratch_folder(tmp_path, monkeypatch):
    import tempfile

    from sklearn.datasets import load_iris

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    X, y = load_iris(return_X_y=True)
    s = _quiet_search(n_trials=4, n_jobs=2).fit(X, y)
    assert len(s.study_.trials) == 4 and list(tmp_path.iterdir()) == []


def test_callable_scoring_may_return_several_metrics():
    from sklearn.datasets import load_iris
    from sklearn.metrics import accuracy_score, f1_score

    X, y = load_iris(return_X_y=True)

    def two(est, X, y):
        p = est.predict(X)
        return {"acc": accuracy_score(y, p), "f1": f1_score(y, p, average="macro")}

    s = _quiet_search(scoring=two, refit="f1", n_trials=3).fit(X, y)
    assert s.multimetric_ and "mean_test_acc" in s.cv_results_
    assert s.best_score_ == pytest.approx(np.nanmax(s.cv_results_["mean_test_f1"]))
    assert s.score(X, y) == pytest.approx(f1_score(y, s.predict(X), average="macro"))
    free = _quiet_search(scoring=two, refit=False, n_trials=2).fit(X, y)
    assert free.multimetric_ and not hasattr(free, "best_params_")
    with pytest.raises(ValueError, match="refit must then name the metric"):
        _quiet_search(scoring=two, n_trials=2).fit(X, y)
    with pytest.raises(ValueError, match="not 'nope'"):
        _quiet_search(scoring=two, refit="nope", n_trials=2).fit(X, y)


def test_metadata_routing_sends_score_params_to_the_scorer_fold_by_fold():
    import sklearn
    from sklearn.datasets import load_iris
    from sklearn.metrics import accuracy_score, make_scorer
    from sklearn.model_selection import StratifiedKFold

    X, y = load_iris(return_X_y=True)
    w = np.where(np.arange(len(y)) % 3 == 0, 5.0, 0.5)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_scorer(accuracy_score).set_score_request(sample_weight=True)
        est = LogisticRegression(C=0.01, max_iter=200).set_fit_request(sample_weight=False)
        s = _quiet_search(estimator=est, param_distributions={"C": [0.01]}, n_trials=1,
                          cv=cv, scoring=scorer).fit(X, y, sample_weight=w)
        expected = [accuracy_score(y[te], clone(est).fit(X[tr], y[tr]).predict(X[te]),
                                   sample_weight=w[te]) for tr, te in cv.split(X, y)]
        got = [s.cv_results_[f"split{i}_test_score"][0] for i in range(3)]
        np.testing.assert_allclose(got, expected)
        unweighted = [accuracy_score(y[te], clone(est).fit(X[tr], y[tr]).predict(X[te]))
                      for tr, te in cv.split(X, y)]
        assert not np.allclose(got, unweighted)  # the weights did reach the scorer
        assert s.score(X, y, sample_weight=w) == pytest.approx(
            accuracy_score(y, s.predict(X), sample_weight=w))


def test_family_lists_one_member_each_of_the_targets_type_pipelines_kept():
    from sklearn.datasets import load_wine
    from sklearn.linear_model import Ridge

    X, y = load_wine(return_X_y=True)
    with pytest.raises(ValueError, match="both of the family 'logistic_regression'"):
        _quiet_search(estimator=[LogisticRegression(), make_pipeline(
            StandardScaler(), LogisticRegression(C=0.1))]).fit(X, y)
    with pytest.raises(ValueError, match="mixes a classifier"):
        _quiet_search(estimator=[LogisticRegression(), Ridge()]).fit(X, y)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    s = _quiet_search(estimator=[pipe, "knn"], n_trials=4).fit(X, y)
    lr = [p for p in s.cv_results_["params"] if p["estimator"] == "logistic_regression"]
    assert lr and all("C" in p for p in lr) and s.best_score_ > 0.9


def test_a_lists_instances_are_tried_first_with_their_own_settings():
    """As a single instance's search starts from its settings, so does a list's (it started
    from the family defaults of the knowledge base, never trying what the user set)."""
    from sklearn.datasets import load_wine
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_wine(return_X_y=True)
    rf = RandomForestClassifier(n_estimators=17, min_samples_leaf=3, random_state=0)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=500))
    for warm in ("auto", "portfolio"):
        s = _quiet_search(estimator=[rf, "knn", pipe], n_trials=4, warm_start=warm).fit(X, y)
        first = s.cv_results_["params"][:2]
        assert first[0]["estimator"] == "random_forest"
        assert (first[0]["n_estimators"], first[0]["min_samples_leaf"]) == (17, 3)
        assert first[1]["estimator"] == "logistic_regression" and first[1]["C"] == 0.05
    one = _quiet_search(estimator=[rf], n_trials=2, warm_start="auto").fit(X, y)
    assert one.cv_results_["params"][0]["n_estimators"] == 17
    # they count towards n_warm_start, with ranks that go on from theirs
    from sklearn.neighbors import KNeighborsClassifier

    knn = KNeighborsClassifier(n_neighbors=7)
    for warm in ("auto", "portfolio"):
        for n_warm, expect in ((1, [0, -1, -1, -1, -1, -1]), (2, [0, 1, -1, -1, -1, -1]),
                               (4, [0, 1, 2, 3, -1, -1])):
            s = _quiet_search(estimator=[rf, pipe, knn], n_trials=6, warm_start=warm,
                              n_warm_start=n_warm).fit(X, y)
            assert list(s.cv_results_["warm_start"]) == expect, (warm, n_warm)
            assert s.cv_results_["params"][0]["n_estimators"] == 17
        assert s.cv_results_["params"][2]["n_neighbors"] == 7


def test_searches_across_families_stratify_and_scale_what_needs_scaling():
    from sklearn.base import is_classifier
    from sklearn.datasets import load_breast_cancer, load_iris

    X, y = load_iris(return_X_y=True)  # sorted labels: unstratified 3-fold scores 0
    assert is_classifier(MetaSearchCV(None)) and is_classifier(MetaSearchCV(["knn"]))
    assert cross_val_score(_quiet_search(estimator=None, n_trials=2), X, y, cv=3).min() > 0.8
    Xb, yb = load_breast_cancer(return_X_y=True)  # raw columns span 0.001 to 4000
    s = _quiet_search(estimator=["svc"], param_distributions=None, n_trials=2).fit(Xb, yb)
    assert s.cv_results_["mean_test_score"][0] > 0.9  # SVC() unscaled: 0.63 (majority)


def test_user_space_is_searched_in_every_trial_and_optuna_log_level_kept():
    import optuna
    from sklearn.datasets import load_wine
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_wine(return_X_y=True)
    optuna.logging.set_verbosity(optuna.logging.INFO)
    s = MetaSearchCV(RandomForestClassifier(n_estimators=10, random_state=0),
                     {"max_depth": [2, 5]}, n_trials=3, cv=3, random_state=0).fit(X, y)
    assert optuna.logging.get_verbosity() == optuna.logging.INFO
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    assert all(p["max_depth"] in (2, 5) for p in s.cv_results_["params"])
    assert s.best_estimator_.max_depth in (2, 5)  # never the estimator's None


def test_scoring_checked_up_front_refit_may_name_the_metric_failures_warned():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="^scoring: "):
        _quiet_search(scoring="accuracyy").fit(X, y)
    s = _quiet_search(scoring="accuracy", refit="accuracy", n_trials=2).fit(X, y)
    assert hasattr(s, "best_estimator_")
    with pytest.raises(ValueError, match="refit"):
        _quiet_search(scoring="accuracy", refit="f1", n_trials=2).fit(X, y)
    space = {"C": [1.0], "solver": ["nonexistent", "lbfgs"]}
    with pytest.warns(UserWarning, match=r"trial \d+ failed .*'nonexistent'.*InvalidParameter"):
        _quiet_search(param_distributions=space, n_trials=4).fit(X, y)


def test_a_fitted_family_search_says_what_y_made_it_and_instances_set_the_type():
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import Ridge

    rng = np.random.RandomState(0)
    X = rng.randn(120, 4)
    y = 1.5 * X[:, 0] + 0.1 * rng.randn(120)
    r2 = cross_val_score(_quiet_search(estimator=["random_forest"], n_trials=1), X, y, cv=2,
                         scoring="r2")
    assert np.isfinite(r2).all()  # a regression scorer reads a fitted regressor
    ratings = np.clip(np.round(y + 3), 1, 5).astype(int)  # integers, but regressors asked
    s = _quiet_search(estimator=[RandomForestRegressor(n_estimators=10), Ridge()],
                      n_trials=2).fit(X, ratings)
    assert s.task_type_ == "regression"
    with pytest.raises(ValueError, match="mixes a classifier"):
        _quiet_search(estimator=[LogisticRegression(), RandomForestRegressor()]).fit(X, ratings)


def _routed_search_and_grid(C: float, **extra):
    """A routed weighted / plain / failing metric, searched by MetaSearchCV and GridSearchCV
    on the same folds (one configuration, ``C``): both fitted."""
    import sklearn
    from sklearn.datasets import load_iris
    from sklearn.metrics import accuracy_score, make_scorer
    from sklearn.model_selection import GridSearchCV

    X, y = load_iris(return_X_y=True)
    w = np.linspace(0.1, 2, len(y))

    def boom(yt, yp):
        raise KeyError("column foo")

    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        scoring = {"weighted": make_scorer(accuracy_score).set_score_request(sample_weight=True),
                   "plain": make_scorer(accuracy_score).set_score_request(sample_weight=False),
                   "broken": make_scorer(boom).set_score_request(sample_weight=False)}
        est = LogisticRegression(max_iter=300).set_fit_request(sample_weight=False)
        kw = dict(scoring=scoring, refit="weighted", cv=cv, **extra)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = _quiet_search(estimator=est, param_distributions={"C": [C]}, n_trials=1,
                              **kw).fit(X, y, sample_weight=w)
            g = GridSearchCV(est, {"C": [C]}, **kw).fit(X, y, sample_weight=w)
    return s, g


def test_routed_multi_metric_scoring_matches_grid_search():
    s, g = _routed_search_and_grid(1.0)
    for m in ("weighted", "plain"):  # each scorer gets only what it asked for
        np.testing.assert_allclose(s.cv_results_[f"mean_test_{m}"], g.cv_results_[f"mean_test_{m}"])
    assert s.cv_results_["mean_test_weighted"] != s.cv_results_["mean_test_plain"]
    assert np.isnan(s.cv_results_["mean_test_broken"]).all()  # one failing metric, alone


_INTERRUPT = {"at": None, "calls": 0}


def _interruptible_accuracy(est, X, y):
    _INTERRUPT["calls"] += 1
    if _INTERRUPT["calls"] == _INTERRUPT["at"]:
        raise KeyboardInterrupt
    return float((est.predict(X) == y).mean())


def test_resuming_a_named_study_is_safe(tmp_path):
    from sklearn.datasets import load_iris, load_wine
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_iris(return_X_y=True)
    log = str(tmp_path / "s.log")

    def search(n, est=None, **kw):
        return MetaSearchCV(LogisticRegression(max_iter=300) if est is None else est, cv=3,
                            random_state=0, n_trials=n, warm_start=None, storage=log,
                            scoring=_interruptible_accuracy, **kw)

    _INTERRUPT.update(at=3 * 2 + 2, calls=0)  # Ctrl-C inside the third trial
    with pytest.raises(KeyboardInterrupt):
        search(5, study_name="a").fit(X, y)
    _INTERRUPT.update(at=None)
    s = search(5, study_name="a").fit(X, y)
    assert len(s.cv_results_["params"]) == 5  # the interrupted trial is not counted
    assert np.isfinite(s.cv_results_["mean_test_score"]).all()
    interrupted = s.study_.trials[2]
    assert s.study_.trials[3].params == interrupted.params  # ... and is run again, first
    more = search(9, study_name="a").fit(X, y)  # resumed: new proposals, not trial 0 again
    firsts = [t.params for t in more.study_.trials[:4]]
    assert all(t.params not in firsts for t in more.study_.trials[6:])
    Xw, yw = load_wine(return_X_y=True)
    with pytest.raises(ValueError, match=r"study_name: the stored study 'a' differs in "
                                         r"data \(X, y\)"):
        search(10, study_name="a").fit(Xw, yw)
    with pytest.raises(ValueError, match="study_name.*differs in estimators"):
        search(10, est=RandomForestClassifier(), study_name="a").fit(X, y)
    # the same estimator with other fixed parameters: its trials scored another model
    with pytest.raises(ValueError, match="differs in estimator parameters;"):
        search(10, est=LogisticRegression(max_iter=300, fit_intercept=False),
               study_name="a").fit(X, y)
    # a shuffling splitter without random_state: other folds at every fit, named as such
    from sklearn.model_selection import StratifiedKFold
    shuffled = dict(cv=StratifiedKFold(3, shuffle=True), study_name="b")
    MetaSearchCV(LogisticRegression(max_iter=300), n_trials=2, warm_start=None, storage=log,
                 random_state=0, **shuffled).fit(X, y)
    with pytest.raises(ValueError, match=r"differs in folds \(cv\) \(a splitter that "
                                         r"shuffles needs a fixed random_state"):
        MetaSearchCV(LogisticRegression(max_iter=300), n_trials=3, warm_start=None,
                     storage=log, random_state=0, **shuffled).fit(X, y)


def test_a_storage_that_cannot_be_opened_is_named(tmp_path):
    from sklearn_meta.search.storage import make_storage

    with pytest.raises(ValueError, match="storage 'postgresql://nobody:1/db': cannot be opened"):
        make_storage("postgresql://nobody:1/db")  # no driver installed, or no server
    deep = tmp_path / "new" / "folder" / "kb.db"
    make_storage(f"sqlite:///{deep}")  # the folder is made, as for journal files
    assert deep.parent.is_dir()


def test_overlapping_searches_restore_the_users_optuna_log_level():
    """Two searches fitted at once (threads): the one that ends last must restore the level
    the first one found, not the ERROR the other one set."""
    import optuna
    from sklearn_meta.search.trial_runs import optuna_quiet

    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        first, second = optuna_quiet(), optuna_quiet()
        first.__enter__()
        second.__enter__()  # starts while the first one runs
        first.__exit__(None, None, None)  # the first ends before the second
        assert optuna.logging.get_verbosity() == optuna.logging.ERROR
        second.__exit__(None, None, None)
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
    finally:
        optuna.logging.set_verbosity(optuna.logging.WARNING)


def _by_param(results, key):
    """``{parameter value: row index}`` of a ``cv_results_``."""
    return {p[key]: i for i, p in enumerate(results["params"])}


def test_error_score_and_train_scores_match_grid_search():
    from sklearn.datasets import load_iris
    from sklearn.model_selection import GridSearchCV

    X, y = load_iris(return_X_y=True)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    kw = dict(error_score=-1.0, return_train_score=True, cv=cv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = _quiet_search(param_distributions={"C": [-1.0, 0.1, 1.0]}, n_trials=10,
                          **kw).fit(X, y)
        g = GridSearchCV(LogisticRegression(max_iter=300), {"C": [-1.0, 0.1, 1.0]},
                         **kw).fit(X, y)
    rows, grid = _by_param(s.cv_results_, "C"), _by_param(g.cv_results_, "C")
    assert set(rows) == set(grid)  # every value tried, each once (a grid of 3)
    assert len(s.cv_results_["params"]) == 3
    for c, i in rows.items():
        for key in ("split0_test_score", "mean_test_score", "split2_train_score",
                    "mean_train_score", "std_train_score"):
            assert s.cv_results_[key][i] == pytest.approx(g.cv_results_[key][grid[c]]), key
    assert s.cv_results_["mean_test_score"][rows[-1.0]] == -1.0  # failed: error_score
    # a numeric error_score completes the trial (repeated proposals are pruned, not fitted)
    states = {t.state for t in s.study_.trials if "sklearn_meta:repeat_of" not in t.user_attrs}
    assert states == {optuna.trial.TrialState.COMPLETE}
    assert s.best_params_ != {"C": -1.0} and s.best_score_ == g.best_score_
    assert "mean_train_score" not in _quiet_search(
        param_distributions={"C": [1.0]}, n_trials=1, cv=cv).fit(X, y).cv_results_


def test_error_score_raise_stops_the_search_and_bad_values_are_named():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="'C' parameter .* must be a float"):
        _quiet_search(param_distributions={"C": [-1.0]}, n_trials=2,
                      error_score="raise").fit(X, y)
    for bad in ("nan", None, True):
        with pytest.raises(ValueError, match="error_score must be the string 'raise'"):
            _quiet_search(error_score=bad).fit(X, y)
    with pytest.raises(ValueError, match="return_train_score must be True or False"):
        _quiet_search(return_train_score="yes").fit(X, y)
    with warnings.catch_warnings():  # every fit failing is an error whatever error_score
        warnings.simplefilter("ignore")
        # a ValueError, as scikit-learn's searches raise (and a RuntimeError, as before)
        with pytest.raises(ValueError, match="every trial failed") as info:
            _quiet_search(param_distributions={"C": [-1.0]}, n_trials=2,
                          error_score=0.0).fit(X, y)
        assert isinstance(info.value, RuntimeError)


def test_routed_scoring_gives_train_scores_and_error_score_as_grid_search():
    s, g = _routed_search_and_grid(0.05, error_score=-5.0, return_train_score=True)
    for key in ("mean_test_weighted", "mean_train_weighted", "split1_train_weighted",
                "mean_test_broken", "mean_train_broken"):
        np.testing.assert_allclose(s.cv_results_[key], g.cv_results_[key], err_msg=key)
    assert s.cv_results_["mean_train_broken"][0] == -5.0
    assert s.cv_results_["mean_train_weighted"][0] != s.cv_results_["mean_test_weighted"][0]


def test_a_metric_undefined_on_every_fold_is_no_failed_fit():
    """R^2 on test folds of one row is NaN without any failed fit: as GridSearchCV, the scores
    stay NaN whatever ``error_score`` (they are no failures to replace) and the search ends
    with its first trial as the best instead of 'every trial failed'."""
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, LeaveOneOut

    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 3))
    y = X @ [1.0, 2.0, -1.0]
    for error_score in (np.nan, -99.0):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            s = MetaSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, n_trials=2, warm_start=None,
                             cv=LeaveOneOut(), random_state=0,
                             error_score=error_score).fit(X, y)
            g = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=LeaveOneOut(),
                             error_score=error_score).fit(X, y)
        assert np.isnan(s.cv_results_["split0_test_score"]).all()
        assert np.isnan(g.cv_results_["split0_test_score"]).all()
        assert s.best_index_ == 0 and np.isnan(s.best_score_) and s.predict(X).shape == (12,)
        assert any("every trial scored NaN" in str(w.message) for w in caught)


def _weighted_breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[::3], y[::3]
    return X, y, np.where(y == 1, 1e-4, 1.0)  # weights that make the model predict class 0


@pytest.mark.parametrize("estimator", ["logistic_regression", None])
def test_routing_sends_weights_to_the_models_the_search_builds(estimator):
    """With metadata routing on, the models MetaSearchCV builds take ``sample_weight`` as
    they do with routing off (they cannot request it themselves)."""
    import sklearn

    X, y, w = _weighted_breast_cancer()
    kw = dict(n_trials=2, cv=3, random_state=0, n_warm_start=2)
    off = MetaSearchCV(estimator, **kw).fit(X, y, sample_weight=w)
    with sklearn.config_context(enable_metadata_routing=True):
        on = MetaSearchCV(estimator, **kw).fit(X, y, sample_weight=w)
    assert on.predict(X).mean() < 0.05  # weighted: nearly all class 0
    np.testing.assert_array_equal(on.predict(X), off.predict(X))


def test_routing_in_a_family_list_follows_each_instances_request():
    import sklearn
    from sklearn.ensemble import RandomForestClassifier

    X, y, w = _weighted_breast_cancer()
    with sklearn.config_context(enable_metadata_routing=True):
        members = [LogisticRegression().set_fit_request(sample_weight=False),
                   RandomForestClassifier(n_estimators=10).set_fit_request(sample_weight=True)]
        s = MetaSearchCV(members, n_trials=4, cv=3, random_state=0).fit(X, y, sample_weight=w)
    best = s.best_params_["estimator"]
    weighted = s.predict(X).mean() < 0.05
    assert weighted == (best == "random_forest")


def test_routing_to_a_users_pipeline_reaches_the_requesting_step():
    import sklearn

    X, y, w = _weighted_breast_cancer()
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                             LogisticRegression().set_fit_request(sample_weight=True))
        s = MetaSearchCV(pipe, n_trials=2, cv=3, random_state=0).fit(X, y, sample_weight=w)
    assert s.predict(X).mean() < 0.05


@pytest.mark.parametrize("kw", [dict(estimator="svr"), dict(estimator="ridge"),
                                dict(estimator=None, task_type="regression")])
def test_an_unfitted_regression_search_is_a_regressor(kw):
    """An outer cross-validation must not stratify a regression target (integer prices)."""
    from sklearn.base import is_regressor

    assert is_regressor(MetaSearchCV(**kw))
    rng = np.random.RandomState(0)
    X, y = rng.randn(60, 3), rng.permutation(60) * 1000
    scores = cross_val_score(MetaSearchCV(**kw, n_trials=1, cv=3, random_state=0), X, y, cv=5)
    assert scores.shape == (5,)


def test_a_missing_target_is_refused_before_any_trial():
    X, _ = load_breast_cancer(return_X_y=True)
    with pytest.raises(ValueError, match="requires y to be passed"):
        MetaSearchCV(None, n_trials=3, cv=3).fit(X, None)


def test_a_target_that_does_not_suit_the_estimator_is_named():
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    from sklearn_meta.search import suggest_configs

    X, y = load_breast_cancer(return_X_y=True)
    with pytest.raises(ValueError, match="needs class labels"):
        MetaSearchCV(RandomForestClassifier(), n_trials=2, cv=3).fit(X, X[:, 0])
    labels = np.array(["a", "b"])[y]
    with pytest.raises(ValueError, match="needs a numeric target"):
        MetaSearchCV([RandomForestRegressor()], n_trials=2, cv=3).fit(X, labels)
    with pytest.raises(ValueError, match="needs a numeric target"):
        suggest_configs(X, labels, RandomForestRegressor())


def test_storage_paths_that_are_no_journal_are_refused(tmp_path):
    import sqlite3
    from pathlib import Path

    from sklearn_meta.search.storage import make_storage

    db = tmp_path / "t.db"
    sqlite3.connect(db).execute("create table a(x)").connection.commit()
    renamed = tmp_path / "t.log"
    renamed.write_bytes(db.read_bytes())
    for bad, match in [(db, "sqlite:///"), (tmp_path / "new.sqlite", "sqlite:///"),
                       (renamed, "is an SQLite database"), (tmp_path, "is a folder"),
                       (Path("sqlite:///x.db"), "whose '//' was lost")]:
        with pytest.raises(ValueError, match=match):
            make_storage(bad)
    assert make_storage(tmp_path / "study.log") is not None


def test_booleans_are_no_counts_and_a_bad_search_space_is_named(wine):
    from sklearn_meta.search import suggest_configs

    X, y = wine
    with pytest.raises(ValueError, match="n_trials must be a positive integer"):
        MetaSearchCV(None, n_trials=True).fit(X, y)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        suggest_configs(X, y, "hgb", n=True)
    with pytest.raises(ValueError, match="search_space must be a dict"):
        suggest_configs(X, y, "hgb", search_space=[1, 2])


def test_a_journal_cut_mid_record_resumes_from_its_last_complete_record(tmp_path):
    from sklearn_meta.search.storage import make_storage

    path = tmp_path / "study.log"
    study = optuna.create_study(study_name="s", storage=make_storage(path))
    for i in range(3):
        study.add_trial(optuna.trial.create_trial(params={}, distributions={}, value=float(i)))
    data = path.read_bytes()
    path.write_bytes(data[:-7])  # the last record cut off: a crash or a full disk
    with pytest.warns(UserWarning, match="last record was incomplete"):
        storage = make_storage(path)
    resumed = optuna.load_study(study_name="s", storage=storage)
    resumed.add_trial(optuna.trial.create_trial(params={}, distributions={}, value=9.0))
    again = optuna.load_study(study_name="s", storage=make_storage(path))  # still readable
    assert [t.value for t in again.trials][-1] == 9.0
    assert (tmp_path / "study.log.partial").exists()
    junk = tmp_path / "notes.txt"
    junk.write_text("these are notes\n")
    with pytest.raises(ValueError, match="not an Optuna journal file"):
        make_storage(junk)
    assert junk.read_text() == "these are notes\n"  # untouched


def test_a_family_key_tries_its_default_first(wine):
    X, y = wine
    s = MetaSearchCV("hgb", n_trials=3, cv=3, random_state=0).fit(X, y)
    first = s.cv_results_["params"][0]
    assert (first["learning_rate"], first["max_iter"], first["max_leaf_nodes"]) == (0.1, 100, 31)
    assert len(s.warm_start_params_) == 3  # the default counts as a warm-start trial


@pytest.mark.parametrize("cv", [1, 10_000])
def test_bad_cv_is_named(cv):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=f"^cv={cv}: "):
        MetaSearchCV(LogisticRegression(), n_trials=2, cv=cv, warm_start=None).fit(X, y)

"""Bad input to the search API: clear errors naming the argument, no silent no-ops."""
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from sklearn_meta.search import KnowledgeBase, MetaSearchCV, suggest_configs
from sklearn_meta.search.knowledge_base import DEFAULT_KB

X, y = load_iris(return_X_y=True)


@pytest.mark.parametrize("content, cause", [
    (b"garbage", "gzip"), (b"[1, 2]", "JSON object"), (b"", "Expecting value"),
    (b'{"format": "sklearn-meta-kb"}', "missing key"),
])
def test_corrupt_knowledge_base_file_is_named(tmp_path, content, cause):
    path = tmp_path / ("kb.json.gz" if cause == "gzip" else "kb.json")
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"{path.name}: not a valid sklearn-meta knowledge "
                                         f"base.*{cause}"):
        KnowledgeBase.load(path)


def test_damaged_gzip_knowledge_base_is_named(tmp_path):
    """A byte flipped inside the compressed stream of a saved file (no manifest beside it)
    is zlib's error, not an OSError: it too is named as a knowledge-base error."""
    import gzip
    import json
    import zlib

    good = gzip.compress(json.dumps({"tasks": np.random.RandomState(0).rand(300).tolist()})
                         .encode(), mtime=0)
    for pos in range(len(good) // 2, len(good)):  # the first flip that zlib itself rejects
        raw = bytearray(good)
        raw[pos] ^= 0xFF
        try:
            gzip.decompress(bytes(raw))
        except zlib.error:
            break
        except Exception:  # noqa: BLE001 - a CRC or JSON error: not the case tested here
            continue
    path = tmp_path / "damaged.kb.json.gz"
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="damaged.kb.json.gz: not a valid sklearn-meta "
                                         "knowledge base"):
        KnowledgeBase.load(path)


def test_knowledge_base_given_as_path_is_loaded():
    by_path = suggest_configs(X, y, LogisticRegression(), n=3, knowledge_base=str(DEFAULT_KB))
    by_object = suggest_configs(X, y, LogisticRegression(), n=3,
                                knowledge_base=KnowledgeBase.load(DEFAULT_KB))
    assert by_path == by_object


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(estimator=LogisticRegression), TypeError, "instance such as LogisticRegression()"),
    (dict(estimator=[]), ValueError, "estimator: an empty list"),
    (dict(estimator=LogisticRegression(), knowledge_base=3), TypeError, "knowledge_base"),
    (dict(estimator=LogisticRegression(), exclude_tasks="twonorm"), TypeError,
     "exclude_tasks: expected a list"),
])
def test_suggest_configs_refuses_bad_arguments(kwargs, err, match):
    with pytest.raises(err, match=match):
        suggest_configs(X, y, **kwargs)


def test_unknown_excluded_task_warns():
    with pytest.warns(UserWarning, match="exclude_tasks: not in the knowledge base"):
        suggest_configs(X, y, LogisticRegression(), n=2, exclude_tasks=["no-such-task"])


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(estimator=[]), ValueError, "estimator: an empty list"),
    (dict(estimator=LogisticRegression), TypeError, "instance such as"),
    (dict(estimator=LogisticRegression(), timeout=-1), ValueError, "timeout"),
    (dict(estimator=LogisticRegression(), sampler="tpe"), TypeError, "sampler"),
    (dict(estimator=LogisticRegression(), knowledge_base=3), TypeError, "knowledge_base"),
    (dict(estimator=LogisticRegression(), knowledge_base="/no/such.kb.json.gz"),
     FileNotFoundError, "knowledge base file not found"),
    (dict(estimator="ridgex"), ValueError, "unknown family 'ridgex'.*also accepted"),
    (dict(estimator="hgb", param_distributions={"max_iter": [10, 20]}), ValueError,
     "param_distributions: not supported for a family key"),
    (dict(estimator=LogisticRegression(), random_state="0"), ValueError,
     "random_state: expected None, an int or a numpy RandomState, got '0'"),
    (dict(estimator=LogisticRegression(), random_state=-1), ValueError,
     r"random_state: an int seed must be between 0 and 2\*\*32 - 1, got -1"),
    (dict(estimator=LogisticRegression(), refit="yes"), ValueError,
     r"refit: with one metric, True/False, a callable or 'score' \(the one metric\), "
     r"got 'yes'"),
])
def test_meta_search_cv_refuses_bad_arguments(kwargs, err, match):
    with pytest.raises(err, match=match):
        MetaSearchCV(n_trials=2, **kwargs).fit(X, y)


def test_meta_search_cv_before_fit_is_not_fitted():
    search = MetaSearchCV(LogisticRegression())
    for call in (lambda: search.predict(X), lambda: search.score(X, y)):
        with pytest.raises(NotFittedError, match="call fit first"):
            call()


def test_cross_family_suggestions_fit_mixed_type_frames():
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"num": rng.normal(size=150), "cat": rng.choice(["a", "b", "c"], 150)})
    df.loc[::9, "num"] = np.nan
    target = np.where(df["cat"] == "a", 1, 0)
    for cfg in suggest_configs(df, target, None, n=3):
        assert cfg["estimator"].fit(df, target).score(df, target) > 0.6


def test_every_family_search_leaves_kernel_svms_out_on_large_data():
    """estimator=None on more than MAX_ROWS_QUADRATIC rows: SVC (quadratic fit time) is left
    out with a warning; naming it keeps it."""
    import numpy as np

    from sklearn_meta.search.suggest import MAX_ROWS_QUADRATIC

    rng = np.random.RandomState(0)
    X = rng.normal(size=(MAX_ROWS_QUADRATIC + 1, 3))
    y = rng.randint(0, 2, len(X))
    with pytest.warns(UserWarning, match=r"\['svc'\] left out"):
        bases, spaces, multi, _ = MetaSearchCV(None)._bases_and_spaces(X, y)
    assert multi and "svc" not in bases and "hgb" in bases
    bases, _, _, _ = MetaSearchCV(["svc", "hgb"])._bases_and_spaces(X, y)
    assert set(bases) == {"svc", "hgb"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bases, _, _, _ = MetaSearchCV(None)._bases_and_spaces(X[:1000], y[:1000])
    assert "svc" in bases


def test_verbose_prints_a_line_per_trial_and_bad_verbose_is_refused(capsys):
    X, y = load_iris(return_X_y=True)
    MetaSearchCV(LogisticRegression(max_iter=500), n_trials=3, cv=3, random_state=0,
                 verbose=1).fit(X, y)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("[MetaSearchCV]")]
    assert len(lines) == 3
    assert "trial 1/3 (warm start)" in lines[0] and "best" in lines[-1]
    with pytest.raises(ValueError, match="verbose"):
        MetaSearchCV(LogisticRegression(), verbose=-1).fit(X, y)


def test_a_named_study_resumes_where_it_stopped(tmp_path):
    """study_name + storage: a second fit continues the stored study up to n_trials finished
    trials, its warm start included; without a storage a name is refused."""
    import optuna

    X, y = load_iris(return_X_y=True)
    storage = str(tmp_path / "search.log")
    kw = dict(storage=storage, study_name="iris-lr", cv=3, random_state=0, n_warm_start=4)
    first = MetaSearchCV(LogisticRegression(max_iter=500), n_trials=2, **kw).fit(X, y)
    assert len(first.cv_results_["params"]) == 2
    second = MetaSearchCV(LogisticRegression(max_iter=500), n_trials=5, **kw).fit(X, y)
    assert len(second.cv_results_["params"]) == 5
    assert list(second.cv_results_["warm_start"]) == [0, 1, 2, 3, -1]  # 4 warm, no repeats
    from sklearn_meta.search.storage import make_storage

    stored = optuna.load_study(study_name="iris-lr", storage=make_storage(storage))
    assert len(stored.trials) == 5
    with pytest.raises(ValueError, match="study_name: give a storage"):
        MetaSearchCV(LogisticRegression(), study_name="x").fit(X, y)


def test_a_named_study_of_a_table_needing_preprocessing_resumes(tmp_path):
    """Missing values and a text column: the search's own preprocessing held an object whose
    repr carried a memory address, so every second fit was refused as 'differs in estimator
    parameters'."""
    import pandas as pd

    X, y = load_iris(return_X_y=True, as_frame=True)
    X = X.copy()
    X.iloc[::9, 1] = np.nan
    X["kind"] = np.where(X.iloc[:, 0] > 5.8, "long", "short")
    storage = str(tmp_path / "search.log")
    kw = dict(storage=storage, study_name="iris-mixed", cv=3, random_state=0)
    for estimator in ("hgb", None):
        name = f"iris-mixed-{estimator}"
        kw["study_name"] = name
        assert isinstance(X, pd.DataFrame)
        MetaSearchCV(estimator, n_trials=2, **kw).fit(X, y)
        again = MetaSearchCV(estimator, n_trials=4, **kw).fit(X, y)
        assert len(again.cv_results_["params"]) == 4
    with pytest.raises(ValueError, match="differs in"):  # another search is still refused
        MetaSearchCV("hgb", n_trials=5, **{**kw, "cv": 4}).fit(X, y)


def test_every_trial_failing_says_why():
    """One positive among 300 rows: some CV folds have one class; the error names the
    estimator's own reason instead of a bare 'every trial failed'."""
    X = np.random.default_rng(0).normal(size=(300, 3))
    y = np.zeros(300, int)
    y[0] = 1
    search = MetaSearchCV(LogisticRegression(), n_trials=2, cv=3, warm_start=False,
                          random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match=r"every trial failed \(2 trials\); the first "
                                               r"failure: ValueError: .*2 classes"):
            search.fit(X, y)


@pytest.mark.parametrize("what, match", [
    ("nan_y", r"y: contains 1 missing value"),
    ("inf_X", r"X: contains infinity"),
    ("inf_frame", r"X: contains infinity \(columns \['b'\]\)"),
    ("short_y", r"y: expected 60 values"),
    ("inf_y", r"y: contains 1 infinite value"),
    ("huge_y", r"y: values too large \(up to .*e\+300\)"),
    ("no_columns", r"X: expected at least one row and one column, got shape \(60, 0\)"),
    ("no_column_frame", r"X: expected at least one row and one column, got shape \(60, 0\)"),
])
def test_search_refuses_data_every_fit_would_fail_on(what, match):
    import pandas as pd

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), rng.normal(size=60)
    if what == "nan_y":
        y[5] = np.nan
    elif what == "inf_X":
        X[2, 1] = np.inf
    elif what == "inf_frame":
        X = pd.DataFrame(X, columns=["a", "b", "c"])
        X.loc[4, "b"] = -np.inf
    elif what == "inf_y":
        y[7] = np.inf
    elif what == "huge_y":
        y = y * 1e300  # every model's and score's sum of squares would overflow
    elif what == "no_columns":  # every trial failed, each with a warning
        X = X[:, :0]
    elif what == "no_column_frame":
        X = pd.DataFrame(index=range(60))
    else:
        y = y[:-1]
    with pytest.raises(ValueError, match=match):
        MetaSearchCV(None, n_trials=1, warm_start=False).fit(X, y)


def test_regressors_learn_a_standardised_target_so_an_offset_changes_nothing():
    """The families the search builds fit the standardised target: scikit-learn's forests
    reach R² ≈ 0 on a target offset by 1e9 (their impurity sums cancel), and SVR's
    ``epsilon``/``C`` from the knowledge base assume a unit-scale target. Fit parameters
    still reach the model inside the wrapper."""
    from sklearn.datasets import load_diabetes

    Xd, yd = load_diabetes(return_X_y=True)
    scores = []
    for target in (yd, yd + 1e9):
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # no family left out for the weights
            s = MetaSearchCV(["random_forest", "svc"], n_trials=4, cv=3, random_state=0,
                             warm_start=None, task_type="regression").fit(Xd, target, sample_weight=np.ones(len(yd)))
        scores.append(s.cv_results_["mean_test_score"])
        assert s.best_estimator_.regressor_.__class__.__name__ in ("RandomForestRegressor",
                                                                  "SVR")
    np.testing.assert_allclose(scores[1], scores[0], atol=2e-3)  # 1e9 costs a few digits
    assert scores[0].max() > 0.35  # a real fit, not the mean (R² 0)


def test_integer_targets_with_many_values_are_regression():
    from sklearn_meta.search.suggest import infer_task_type

    rng = np.random.default_rng(0)
    price = rng.integers(1000, 5000, size=2000)  # a whole-number price: not 2000 classes
    assert infer_task_type(price) == "regression"
    assert infer_task_type(price % 7) == "classification"
    # few rows and many classes (uci121's audiology: 24 classes in 171 rows) stay classes
    assert infer_task_type(np.arange(171) % 24) == "classification"
    search = MetaSearchCV(None, n_trials=1, warm_start=False, cv=2, random_state=0)
    X = rng.normal(size=(300, 2))
    search.fit(X, (1000 * X[:, 0]).round().astype(int))
    assert not hasattr(search.best_estimator_, "classes_")


def test_a_categorical_target_is_classes_whatever_its_categories():
    import pandas as pd

    import meta_features
    from sklearn_meta.search.suggest import infer_task_type

    codes = pd.Series(np.arange(300) % 60)  # OpenML-style integer class codes, many classes
    assert infer_task_type(codes) == "regression"
    for y in (codes.astype("category"), pd.Categorical(codes * 0.5), codes.to_frame()
              .astype("category")):
        assert infer_task_type(y) == "classification"
    assert meta_features.extract(np.random.default_rng(0).normal(size=(300, 2)),
                                 pd.Categorical(codes * 0.5), groups="general",
                                 warn=False)["nr_class"] == 60
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = pd.Series(np.digitize(X[:, 0], [-1.0, 0.0, 1.0]) * 10).astype("category")
    search = MetaSearchCV("rf", n_trials=1, cv=2, random_state=0).fit(X, y)
    assert set(search.predict(X)) <= {0, 10, 20, 30}
    assert hasattr(search.best_estimator_, "classes_")
    # categories with fractions are classes too, but scikit-learn's classifiers refuse such
    # labels: refused before the first trial instead of after the last
    with pytest.raises(ValueError, match="categories are numbers with fractions"):
        MetaSearchCV("rf", n_trials=1, cv=2).fit(X, y.cat.rename_categories([0.5, 1.5, 2.5, 3.5]))


def test_object_columns_of_numbers_are_searched_as_numbers():
    import pandas as pd

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=240), "b": rng.normal(size=240)})
    y = np.sin(2 * X["a"].to_numpy())
    as_objects = X.astype({"a": object})
    as_objects.iloc[::9, 0] = None
    floats = X.copy()
    floats.iloc[::9, 0] = np.nan
    kw = dict(n_trials=1, cv=3, random_state=0, warm_start=False)
    a = MetaSearchCV("rf", **kw).fit(floats[:180], y[:180])
    b = MetaSearchCV("rf", **kw).fit(as_objects[:180], y[:180])
    np.testing.assert_allclose(b.predict(as_objects[180:]), a.predict(floats[180:]))
    assert b.score(as_objects[180:], y[180:]) > 0.5


def test_suggestions_take_a_one_column_frame_as_y():
    import pandas as pd

    X, y = load_iris(return_X_y=True)
    a = suggest_configs(X, y, LogisticRegression(), n=3)
    b = suggest_configs(X, pd.DataFrame({"target": y}), LogisticRegression(), n=3)
    assert a == b


def test_missing_values_do_not_move_the_embedding():
    """The task encoder reads imputed values: one missing cell leaves the embedding (and
    so the nearest past tasks) nearly where it was, instead of making it NaN."""
    import pandas as pd

    from sklearn_meta.search.suggest import default_embedder, encoder_input

    embed = default_embedder()
    if embed is None:
        pytest.skip("no packaged task encoder")
    X, y = load_iris(return_X_y=True)
    holed = X.copy()
    holed[3, 2] = np.nan
    holed[7, 0] = np.inf
    e, h = embed(X, y), embed(holed, y)
    assert np.all(np.isfinite(h)) and np.linalg.norm(e - h) < 0.05 * np.linalg.norm(e)
    Z = encoder_input(holed)
    assert np.isfinite(Z).all() and Z[3, 2] == np.median(np.delete(X[:, 2], 3))
    frame = pd.DataFrame({"num": X[:, 0], "colour": np.where(y == 0, "r", "g")})
    assert np.isfinite(embed(frame, y)).all()


def test_added_study_is_found_by_the_default_strategy_and_checked(tmp_path):
    """add_study embeds the task with the packaged encoder (so "auto" finds it), keeps only
    the estimator's own parameters (the Pipeline's last step), skips non-finite scores and
    refuses to extend the knowledge base's own tasks or a study of another estimator."""
    import optuna
    from sklearn.datasets import load_breast_cancer
    from sklearn.feature_selection import SelectFromModel
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.svm import SVC

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    X, y = load_breast_cancer(return_X_y=True)
    study = optuna.create_study(direction="maximize")
    for k, score in [(3, 0.90), (17, 0.97), (9, float("inf"))]:
        study.add_trial(optuna.trial.create_trial(
            params={"n_neighbors": k, "weights": "distance"},
            distributions={"n_neighbors": optuna.distributions.IntDistribution(1, 50),
                           "weights": optuna.distributions.CategoricalDistribution(
                               ["uniform", "distance"])}, value=score))
    kb = KnowledgeBase.load()
    assert kb.add_study(study, X, y, KNeighborsClassifier(), "my_bc") == 2  # inf skipped
    assert kb.tasks["my_bc"].get("embedding") is not None
    path = kb.save(tmp_path / "mine.kb.json.gz")
    got = suggest_configs(X, y, KNeighborsClassifier(), n=10, knowledge_base=path)
    assert {"n_neighbors": 17, "weights": "distance", "p": 2} in got
    with pytest.raises(ValueError, match="already one of the knowledge base's own tasks"):
        KnowledgeBase.load().add_study(study, X, y, KNeighborsClassifier(), "abalone")
    with pytest.raises(ValueError, match="none of its parameters"):
        KnowledgeBase.load().add_study(study, X, y, SVC(), "svc_task")
    pipe_study = optuna.create_study(direction="maximize")
    pipe_study.add_trial(optuna.trial.create_trial(
        params={"lr__C": 5.0, "select__estimator__C": 0.01},
        distributions={"lr__C": optuna.distributions.FloatDistribution(1e-3, 10),
                       "select__estimator__C": optuna.distributions.FloatDistribution(
                           1e-3, 10)}, value=0.95))
    kb2 = KnowledgeBase.load()
    pipe = Pipeline([("select", SelectFromModel(LogisticRegression())),
                     ("lr", LogisticRegression())])
    kb2.add_study(pipe_study, X, y, pipe, "pipe_task")
    assert kb2.extra[-1].config == {"C": 5.0}  # the model's C, not the selector's


def test_search_space_edge_cases_are_fitted_or_named():
    import scipy.stats
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from sklearn_meta.search.spaces import to_optuna_space

    X, y = load_iris(return_X_y=True)
    got = suggest_configs(X, y, KNeighborsClassifier(), n=4,
                          search_space={"n_neighbors": scipy.stats.binom(20, 0.5)})
    assert all(isinstance(c["n_neighbors"], int) for c in got)
    space = to_optuna_space({"n_neighbors": np.array([3, 5, 7])})
    assert all(type(c) is int for c in space["n_neighbors"].choices)
    with pytest.raises(ValueError, match=r"\['weights'\]: an empty list"):
        to_optuna_space({"weights": []})
    with pytest.warns(UserWarning, match="name them 'svc__<param>'"):
        suggest_configs(X, y, make_pipeline(StandardScaler(), SVC()), n=2,
                        search_space={"C": scipy.stats.loguniform(1e-2, 1e2)})


def test_warm_start_study_returns_only_what_it_enqueued():
    import optuna
    from sklearn.neighbors import KNeighborsClassifier

    from sklearn_meta.search import warm_start_study

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    X, y = load_iris(return_X_y=True)
    study = optuna.create_study(direction="maximize")
    first = warm_start_study(study, X, y, KNeighborsClassifier(), n=3)
    again = warm_start_study(study, X, y, KNeighborsClassifier(), n=3)
    assert len(first) == 3 and again == [] and len(study.trials) == 3


def test_warm_start_params_listed_like_cv_results_across_families():
    X, y = load_iris(return_X_y=True)
    s = MetaSearchCV(["knn", "logistic_regression"], n_trials=3, cv=3, random_state=0,
                     warm_start="portfolio", n_warm_start=2).fit(X, y)
    listed = [p for p, w in zip(s.cv_results_["params"], s.cv_results_["warm_start"]) if w >= 0]
    assert s.warm_start_params_ == listed and "estimator" in listed[0]


def test_a_family_key_or_alias_is_searched_as_that_family():
    """``MetaSearchCV("ridge")`` on a continuous target tunes Ridge (the regression member of
    the linear family); a single key is tagged like a family list (stratified outer CV)."""
    from sklearn.base import is_classifier
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    Xr, yr = load_diabetes(return_X_y=True)
    s = MetaSearchCV("Ridge", n_trials=3, cv=3, random_state=0).fit(Xr, yr)
    assert isinstance(s.best_estimator_[-1].regressor_, Ridge)  # on a standardised target
    # shown under the regression member's name, and read back as the family
    assert s.best_params_["estimator"] == "ridge" and "alpha" in s.best_params_
    assert {p["estimator"] for p in s.cv_results_["params"]} == {"ridge"}
    assert MetaSearchCV(s.best_params_["estimator"], n_trials=1, cv=3,
                        random_state=0).fit(Xr, yr).best_params_["estimator"] == "ridge"
    assert s.score(Xr, yr) > 0.4
    unfitted = MetaSearchCV("hgb", n_trials=2)
    assert is_classifier(unfitted)
    assert suggest_configs(Xr, yr, "svr", n=2) == suggest_configs(Xr, yr, "svc", n=2)


def test_task_encoder_reads_huge_columns_and_nullable_missing_values():
    import pandas as pd

    from sklearn_meta.estimators._adapt import resolve_init

    _, enc, _ = resolve_init("pretrained", 0)
    rng = np.random.default_rng(0)
    Xn = rng.normal(size=(120, 3))
    yn = (Xn[:, 0] > 0).astype(int)
    huge = Xn.copy()
    huge[:, 1] *= 1e300  # its variance overflows: it used to read as a constant column
    const = Xn.copy()
    const[:, 1] = 1.0
    np.testing.assert_allclose(enc.encode(huge, yn), enc.encode(Xn, yn), atol=1e-5)
    assert np.abs(enc.encode(huge, yn) - enc.encode(const, yn)).max() > 1e-3
    frame = pd.DataFrame(Xn, columns=list("abc"))
    frame["d"] = pd.array([1, None] * 60, dtype="Int64")  # pd.NA is a missing value
    assert np.all(np.isfinite(enc.encode(frame, yn)))


def test_task_encoder_refuses_missing_labels_and_reads_mixed_labels():
    from sklearn_meta.estimators._adapt import resolve_init

    _, enc, _ = resolve_init("pretrained", 0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 4))
    y = (X[:, 0] > 0).astype(float)
    with pytest.raises(ValueError, match="y: contains 50 missing value"):
        enc.encode(X, np.where(np.arange(100) % 2 == 0, y, np.nan))  # was a third class
    with pytest.raises(ValueError, match="y: contains 1 missing value"):
        enc.encode(X, np.where(np.arange(100) == 5, None, np.where(y > 0, "a", "b")))
    mixed = np.full(100, "b", dtype=object)  # ints and strings
    mixed[y > 0] = 1
    np.testing.assert_allclose(enc.encode(X, mixed), enc.encode(X, np.where(y > 0, "1", "b")),
                               atol=1e-6)


def test_frames_every_trial_would_fail_on_are_refused_up_front():
    import pandas as pd

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    y = (X["a"] > 0).astype(int)
    kw = dict(n_trials=2, cv=2, random_state=0)
    with pytest.raises(ValueError, match=r"X: duplicated column names \['a'\]"):
        MetaSearchCV("rf", **kw).fit(X.rename(columns={"b": "a"}), y)
    with pytest.raises(ValueError, match="column names mix strings and"):
        MetaSearchCV("rf", **kw).fit(X.rename(columns={"b": 1}), y)
    with pytest.raises(ValueError, match="y: expected one target column, got shape"):
        MetaSearchCV(None, **kw).fit(X, np.c_[y, 1 - y])
    objects = X.astype({"c": object})
    objects.iloc[4, 2] = np.inf
    with pytest.raises(ValueError, match=r"X: contains infinity \(columns \['c'\]\)"):
        MetaSearchCV("rf", **kw).fit(objects, y)
    # an estimator instance of the user's may be multi-output: searched as given
    from sklearn.ensemble import RandomForestClassifier

    search = MetaSearchCV(RandomForestClassifier(n_estimators=5, random_state=0),
                          param_distributions={"max_depth": [2, 4]}, warm_start=None,
                          **kw).fit(X, np.c_[y, 1 - y])
    assert search.predict(X).shape == (60, 2)


def test_suggestions_need_a_target_and_the_encoder_reads_sparse_input():
    import scipy.sparse as sp

    from sklearn_meta.estimators._adapt import resolve_init

    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="y: the target is required"):
        suggest_configs(X, None, LogisticRegression(), n=2)
    _, enc, _ = resolve_init("pretrained", 0)
    np.testing.assert_allclose(enc.encode(sp.csr_matrix(X), y), enc.encode(X, y))


def test_text_in_a_column_of_numbers_at_predict_is_named_by_the_search():
    import pandas as pd

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"qty": pd.Series(rng.integers(0, 50, 120).tolist(), dtype=object),
                      "b": rng.normal(size=120)})
    y = (X["b"] > 0).astype(int)
    for family in ("logistic_regression", "random_forest"):
        search = MetaSearchCV(family, n_trials=1, cv=2, random_state=0,
                              warm_start=None).fit(X, y)
        later = X.head(2).copy()
        later.iloc[0, 0] = "unknown"
        with pytest.raises(ValueError, match=r"X\['qty'\]: was a numeric column at fit, got "
                                             r"the value 'unknown'"):
            search.predict(later)
        later.iloc[0, 0] = None  # a missing value is imputed
        assert len(search.predict(later)) == 2


def test_task_encoder_densifies_only_the_sampled_rows_of_sparse_input():
    import scipy.sparse as sp

    from sklearn_meta.estimators._adapt import resolve_init

    class NoFullDensify(sp.csr_matrix):  # toarray of more rows than encode samples fails
        def toarray(self, *args, **kwargs):
            assert self.shape[0] <= 256, f"densified {self.shape[0]} rows"
            return super().toarray(*args, **kwargs)

    _, enc, _ = resolve_init("pretrained", 0)
    X = sp.random(3000, 40, density=0.1, random_state=0, format="csr")
    y = np.random.default_rng(0).integers(0, 3, 3000)
    got = enc.encode(NoFullDensify(X), y)
    np.testing.assert_allclose(got, enc.encode(X.toarray(), y), atol=1e-6)  # same rows
    with_nan = X.copy()
    with_nan.data[0] = np.nan  # stored missing values: imputed from all rows, as dense
    for fmt in ("csr", "lil", "dok"):  # lil stores objects, dok has no .data
        np.testing.assert_allclose(enc.encode(with_nan.asformat(fmt), y),
                                   enc.encode(with_nan.toarray(), y), atol=1e-6)
    with pytest.raises(ValueError, match="one value per row"):
        enc.encode(X, None)
    with pytest.raises(ValueError, match="one value per row"):
        enc.encode(X, y[:10])


def test_frames_with_integer_names_in_another_order_are_refused():
    """``read_csv(header=None)`` names columns 0, 1, 2; the search's preprocessing selects
    columns by position and scikit-learn checks only string names, so a reordered frame was
    silently read column for column (other predictions, no warning)."""
    import pandas as pd
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(80, 3)))
    X[1] = X[1].mask(rng.random(80) < 0.1)  # missing values: the search adds preprocessing
    y = X.fillna(0).to_numpy() @ [1.0, -2.0, 0.5]
    search = MetaSearchCV(["ridge"], n_trials=2, cv=3, random_state=0).fit(X, y)
    assert isinstance(search.best_estimator_.steps[-1][1].regressor_, Ridge)
    same = search.predict(X)
    np.testing.assert_array_equal(search.predict(X.to_numpy()), same)  # by position: fine
    with pytest.raises(ValueError, match=r"X: columns \[1, 0, 2\] are in another order"):
        search.predict(X[[1, 0, 2]])


@pytest.mark.parametrize("weights, match", [
    (np.ones(117), r"expected 120 values \(one per row of X\), got shape \(117,\)"),
    (np.r_[np.nan, np.ones(119)], r"contains 1 missing or infinite value"),
    (np.zeros(120), r"expected at least one positive weight"),
])
def test_sample_weight_is_checked_before_any_trial(weights, match):
    """A wrong sample_weight ran every trial first and then named a fold's row count."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] > 0).astype(int)
    search = MetaSearchCV(LogisticRegression(), n_trials=3, cv=3, random_state=0)
    with pytest.raises(ValueError, match=r"sample_weight \(for fit\): " + match):
        search.fit(X, y, sample_weight=weights)
    assert not hasattr(search, "study_")


def test_no_rows_always_and_no_columns_unless_a_single_instance_are_refused():
    """A list holding an instance fails every trial on 0 columns, as the families the search
    builds; a single instance may be a pipeline that makes its own columns, so only 0 rows
    are refused for it."""
    from sklearn.ensemble import RandomForestClassifier

    rf = RandomForestClassifier(n_estimators=5, random_state=0)
    y = np.arange(40) % 2
    match = r"X: expected at least one row and one column"
    with pytest.raises(ValueError, match=match + r", got shape \(40, 0\)"):
        MetaSearchCV([rf, "knn"], n_trials=2, warm_start=None).fit(np.empty((40, 0)), y)
    with pytest.raises(ValueError, match=match + r", got shape \(0, 3\)"):
        MetaSearchCV(rf, {"max_depth": [2, 3]}, n_trials=2).fit(np.empty((0, 3)), y[:0])


def test_arrow_table_gets_the_families_preprocessing():
    """A pyarrow Table with a text column: every family fitted behind the preprocessing, as
    for the same DataFrame (before, each trial of hgb failed on the strings)."""
    pa = pytest.importorskip("pyarrow")
    import pandas as pd

    rng = np.random.RandomState(0)
    df = pd.DataFrame({"a": rng.randn(90), "c": rng.choice(list("xy"), 90)})
    yy = ((df.a > 0) ^ (df.c == "x")).astype(int).to_numpy()
    s = MetaSearchCV("hgb", n_trials=2, cv=3, random_state=0).fit(pa.table(df), yy)
    ref = MetaSearchCV("hgb", n_trials=2, cv=3, random_state=0).fit(df, yy)
    assert s.best_score_ == ref.best_score_
    np.testing.assert_array_equal(s.predict(pa.table(df)), ref.predict(df))
    assert s.score(pa.table(df), yy) == ref.score(df, yy)


@pytest.mark.parametrize("estimator", [LogisticRegression(), None])
def test_a_single_class_is_refused_before_any_trial(estimator):
    """No classifier fits one class: the search says so at once instead of running (and
    failing) every trial."""
    search = MetaSearchCV(estimator, n_trials=5, cv=3, random_state=0)
    with pytest.raises(ValueError, match=r"y: a single class \('a'\) in 150 rows"):
        search.fit(X, np.full(len(y), "a"))
    assert not hasattr(search, "study_")
    with pytest.raises(ValueError, match=r"y: a single class \('a'\) in 150 rows"):
        suggest_configs(X, np.full(len(y), "a"), estimator)


@pytest.mark.parametrize("scoring", ["r2", ["accuracy", "neg_mean_absolute_error"]])
def test_regression_metric_on_text_labels_is_refused_before_any_trial(scoring):
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    search = MetaSearchCV(LogisticRegression(), n_trials=5, cv=3, random_state=0,
                          scoring=scoring, refit=False)
    with pytest.raises(ValueError, match="is a regression metric, and y holds class labels "
                                         "that are not numbers .'setosa', 'versicolor'"):
        search.fit(X, labels)
    # numeric labels: odd, but the metric is computable and the search runs
    MetaSearchCV(LogisticRegression(), n_trials=2, cv=3, random_state=0,
                 scoring="r2").fit(X, y)


def test_a_regression_search_names_ridge_and_svr_as_such():
    """Ridge and SVR share their family keys with LogisticRegression and SVC; a regression
    search's results name them 'ridge' and 'svr', and the refitted model matches the name."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge
    from sklearn.svm import SVR

    Xr, yr = load_diabetes(return_X_y=True)
    s = MetaSearchCV(["ridge", "svr"], n_trials=4, cv=3, random_state=0).fit(Xr, yr)
    shown = [p["estimator"] for p in s.cv_results_["params"]]
    assert set(shown) == {"ridge", "svr"}
    assert {p["estimator"] for p in s.warm_start_params_} <= {"ridge", "svr"}
    final = s.best_estimator_[-1] if hasattr(s.best_estimator_, "steps") else s.best_estimator_
    model = getattr(final, "regressor_", final)
    assert isinstance(model, {"ridge": Ridge, "svr": SVR}[s.best_params_["estimator"]])


def _wine_with_text():
    """wine with one column as text (its alcohol level in words), as users' tables come."""
    from sklearn.datasets import load_wine

    Xw, yw = load_wine(return_X_y=True, as_frame=True)
    Xw = Xw.assign(strength=np.where(Xw["alcohol"] > 13, "strong", "light"))
    return Xw, yw


def test_a_bare_model_that_cannot_read_text_columns_is_refused_before_any_trial():
    """MetaSearchCV(HistGradientBoostingClassifier()) on a table with a text column: every
    trial failed and the search ended in 'every trial failed' (or, in a list, the member's
    trials were wasted); now refused up front with the column and the ways out named."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import OneHotEncoder

    Xw, yw = _wine_with_text()
    for est in (HistGradientBoostingClassifier(), [HistGradientBoostingClassifier(), "rf"]):
        with pytest.raises(ValueError, match=r"X: the column\(s\) \['strength'\] hold text.*"
                                             r"every trial would fail; pass the family key "
                                             r"'hgb'.*or a Pipeline"):
            MetaSearchCV(est, n_trials=2, cv=2, random_state=0).fit(Xw, yw)
    # what the message offers works: the family key, or the user's own pipeline
    assert MetaSearchCV("hgb", n_trials=1, cv=2, random_state=0).fit(Xw, yw).best_score_ > 0.8
    pipe = make_pipeline(make_column_transformer((OneHotEncoder(), ["strength"]),
                                                 remainder="passthrough"),
                         HistGradientBoostingClassifier())
    assert MetaSearchCV(pipe, n_trials=1, cv=2, random_state=0).fit(Xw, yw).best_score_ > 0.8
    # HistGradientBoosting reads pandas category columns itself: not refused
    cat = Xw.assign(strength=Xw["strength"].astype("category"))
    assert MetaSearchCV(HistGradientBoostingClassifier(), n_trials=1, cv=2,
                        random_state=0).fit(cat, yw).best_score_ > 0.8
    with pytest.warns(UserWarning, match=r"\['strength'\] hold text.*so these suggestions "
                                         r"cannot be fitted on X as it is"):
        suggest_configs(Xw, yw, HistGradientBoostingClassifier(), n=2)


def test_a_bare_model_without_missing_value_support_is_refused_before_any_trial():
    from sklearn.svm import SVC

    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match="X: has missing values, which SVC.* does not accept, "
                                         "so every trial would fail; pass the family key 'svc'"):
        MetaSearchCV(SVC(), n_trials=2, cv=2, random_state=0).fit(Xn, y)
    MetaSearchCV("svc", n_trials=1, cv=2, random_state=0).fit(Xn, y)  # imputed by the search


def test_suggestions_refuse_duplicated_columns_and_a_missing_target_up_front():
    """suggest_configs fell back to meta-features with an internal 'task embedding failed'
    warning on duplicated column names, and warned so before refusing a NaN target."""
    Xw, yw = _wine_with_text()
    dup = Xw.rename(columns={"strength": "alcohol"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning on the way
        with pytest.raises(ValueError, match=r"X: duplicated column names \['alcohol'\]"):
            suggest_configs(dup, yw, None)
        y_nan = yw.astype(float)
        y_nan.iloc[5] = np.nan
        with pytest.raises(ValueError, match=r"y: contains 1 missing value"):
            suggest_configs(Xw, y_nan, None)


def test_a_worker_started_after_the_timeout_runs_no_trial(tmp_path):
    """With n_jobs > 1 the deadline is a wall-clock time handed to each worker: the seconds a
    worker process takes to start count against ``timeout`` (each worker used to get the
    full remaining timeout from its own start)."""
    import time

    import optuna

    from sklearn_meta.search.trial_runs import run_worker
    from sklearn_meta.search.storage import make_storage

    storage = str(tmp_path / "s.log")
    optuna.create_study(study_name="w", storage=make_storage(storage), direction="maximize")
    calls = []

    def objective(trial):
        calls.append(trial.number)
        return trial.suggest_float("x", 0, 1)

    run_worker(storage, "w", optuna.samplers.RandomSampler(0), objective, 3,
                time.time() - 1.0, [])
    assert calls == []
    run_worker(storage, "w", optuna.samplers.RandomSampler(0), objective, 3,
                time.time() + 60.0, [])
    assert calls == [0, 1, 2]


def test_a_parallel_search_with_a_tiny_timeout_still_finishes_a_trial():
    """A serial search always finishes one trial; so does one with n_jobs=2 whose workers
    start after the deadline."""
    X, y = load_iris(return_X_y=True)
    search = MetaSearchCV(LogisticRegression(max_iter=500), n_trials=20, cv=3, n_jobs=2,
                          timeout=1e-3, random_state=0).fit(X, y)
    assert 1 <= len(search.cv_results_["params"]) < 20 and search.best_score_ > 0.8


def test_objects_described_by_their_contents_in_the_resume_fingerprint():
    """Objects whose repr holds a memory address are told apart by what they hold: two
    partials of other arguments, two RandomStates of other seeds (both looked the same)."""
    import functools

    from sklearn.ensemble import RandomForestClassifier
    from sklearn.preprocessing import FunctionTransformer

    from sklearn_meta.search.resume import _param_values

    a = FunctionTransformer(functools.partial(np.clip, a_min=-1, a_max=1))
    b = FunctionTransformer(functools.partial(np.clip, a_min=-0.001, a_max=1))
    assert repr(_param_values(a)) != repr(_param_values(b))
    assert repr(_param_values(a)) == repr(_param_values(
        FunctionTransformer(functools.partial(np.clip, a_min=-1, a_max=1))))
    r0, r1 = (RandomForestClassifier(random_state=np.random.RandomState(s)) for s in (0, 1))
    assert repr(_param_values(r0)) != repr(_param_values(r1))

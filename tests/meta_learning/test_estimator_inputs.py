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


def test_targets_at_the_float_limit_give_finite_predictions(data):
    """y - mean overflowed to -inf for targets near the largest float: all-NaN predictions."""
    X, _ = data
    y = np.where(X[:, 0] > 0, 1.7e308, -1.7e308)
    pred = MetaMLPRegressor(**KW).fit(X, y).predict(X)
    assert np.all(np.isfinite(pred)) and np.corrcoef(pred / 1e308, y / 1e308)[0, 1] > 0.5


def test_python_ints_beyond_floats_are_named_as_infinite(data):
    X, y = data
    frame = pd.DataFrame({"big": pd.Series([10 ** 400] + list(range(59)), dtype=object),
                          "x": X[:, 0]})
    with pytest.raises(ValueError, match=r"infinity \(columns \['big'\]\)"):
        MetaMLPClassifier(**KW).fit(frame, y)


def test_records_mixing_numbers_and_text_keep_their_numbers():
    """A list of rows with a text field became a string array (np.asarray): the numbers were
    one-hot coded as text, or refused."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=120)
    y = np.where(a > 0, "p", "n")
    rows = [[v, str(rng.choice(["x", "y"]))] for v in a]
    clf = MetaMLPClassifier(**KW).fit(rows, y)
    assert clf.score(rows, y) > 0.9 and set(clf.predict(rows[:5])) <= {"p", "n"}


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


def test_tail_robust_scaler_keeps_bulk_information_under_sentinels():
    from sklearn_meta.preprocessing.transformers import TailRobustScaler

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 2))
    x[::50, 0] = 999999.0  # a sentinel in 2 % of column 0; column 1 is clean
    sc = TailRobustScaler().fit(x)
    assert sc.heavy_.tolist() == [True, False]
    z = sc.transform(x)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-9)
    bulk = np.ones(2000, bool)
    bulk[::50] = False
    # the ordinary values keep their spread (plain standardisation leaves them ~1e-4 apart)
    assert z[bulk, 0].std() > 0.3
    assert np.corrcoef(z[bulk, 0], x[bulk, 0])[0, 1] > 0.99
    # a clean column is plainly standardised
    np.testing.assert_allclose(z[:, 1], (x[:, 1] - x[:, 1].mean()) / x[:, 1].std())


def test_sentinel_values_do_not_wreck_the_classifier():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1500, 5))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    X[rng.random(X.shape) < 0.01] = 999999.0
    clf = MetaMLPClassifier(init="random", random_state=0).fit(X[:1000], y[:1000])
    assert clf.score(X[1000:], y[1000:]) > 0.85  # plain standardisation: chance (~0.5)


def test_rare_class_is_learned_not_smoothed_away():
    from sklearn.datasets import make_classification
    from sklearn.metrics import average_precision_score

    X, y = make_classification(n_samples=6000, n_features=10, n_informative=6,
                               weights=[0.99], flip_y=0.0, random_state=0)
    clf = MetaMLPClassifier(random_state=0).fit(X[:4000], y[:4000])
    # with label smoothing every member kept its untuned initialization (best_iter_ 0)
    assert min(clf.best_iter_) > 0
    p = clf.predict_proba(X[4000:])[:, 1]
    assert average_precision_score(y[4000:], p) > 0.6  # prevalence 0.01


@pytest.mark.parametrize("names", [["b", "x"], [1, 0], [("a", 1), ("a", 2)]])
def test_non_string_column_names_keep_each_column_its_kind(names):
    # scikit-learn reads integer column names as positions: [1, 0] used to one-hot encode the
    # float column and scale the boolean one (R2 0.998 -> -0.03)
    rs = np.random.RandomState(0)
    x, b = rs.randn(600), rs.rand(600) > 0.5
    y = 3 * x + b
    d = pd.DataFrame(dict(zip(names, [b, x])))
    reg = MetaMLPRegressor(random_state=0).fit(d[:500], y[:500])
    assert reg.score(d[500:], y[500:]) > 0.95
    assert reg.predict(d[500:].to_numpy(dtype=object)).shape == (100,)  # by position


def test_categorical_levels_do_not_depend_on_the_dtype_that_carries_them():
    rs = np.random.RandomState(0)
    flag = rs.rand(400) > 0.5
    codes = pd.Series(rs.randint(0, 3, 400).astype(object))
    codes[::40] = None
    d = pd.DataFrame({"flag": flag, "code": codes, "noise": rs.randn(400)})
    y = np.where(codes.fillna(0).astype(int) == 1, 1, 0) ^ flag
    clf = MetaMLPClassifier(random_state=0).fit(d, y)
    same = d.assign(flag=flag.astype(int), code=codes.astype(float))  # 0/1 and 1.0, 2.0, NaN
    np.testing.assert_array_equal(clf.predict_proba(same), clf.predict_proba(d))


def test_boolean_levels_read_from_0_1_and_true_false_strings():
    rs = np.random.RandomState(0)
    flag = rs.rand(300) > 0.5
    d = pd.DataFrame({"flag": flag, "noise": rs.randn(300)})
    clf = MetaMLPClassifier(random_state=0).fit(d, flag.astype(int))
    p = clf.predict_proba(d)
    np.testing.assert_array_equal(clf.predict_proba(d.assign(flag=flag.astype(int))), p)
    np.testing.assert_array_equal(
        clf.predict_proba(d.assign(flag=np.where(flag, "True", "False"))), p)


def test_validation_fraction_that_leaves_nothing_to_train_on_is_named(data):
    X, y = data
    with pytest.raises(ValueError, match="validation_fraction=0.99 leaves 1 of 60 rows"):
        MetaMLPClassifier(**{**KW, "validation_fraction": 0.99}).fit(X, y)


def _object_numbers(X: np.ndarray):
    """The same table twice: float columns with NaN, and object columns of Python numbers
    with None / pd.NA where the floats are missing (as ``astype(object)`` or JSON give)."""
    floats = pd.DataFrame(X, columns=list("abcd"))
    floats.iloc[::7, 0] = np.nan
    floats.iloc[3::11, 1] = np.nan
    objects = floats.astype(object)
    objects.iloc[::7, 0] = None
    objects.iloc[3::11, 1] = pd.NA
    objects["c"] = pd.Series([int(v * 1000) for v in X[:, 2]], dtype=object)  # Python ints
    floats["c"] = objects["c"].astype(float)
    return floats, objects


@pytest.mark.parametrize("Est", [MetaMLPClassifier, MetaMLPRegressor])
def test_object_columns_of_numbers_are_numeric_not_one_hot(Est, data):
    X, y = data
    floats, objects = _object_numbers(X)
    a = Est(**KW).fit(floats, y)
    b = Est(**KW).fit(objects, y)
    assert b.preprocessor_.transform(objects).shape == a.preprocessor_.transform(floats).shape
    np.testing.assert_allclose(b.predict(objects), a.predict(floats))
    np.testing.assert_allclose(b.predict(objects.to_numpy()), a.predict(floats))
    mixed = objects.copy()
    mixed.iloc[0, 2] = "n/a"
    with pytest.raises(ValueError, match=r"X\['c'\]: was a numeric column at fit"):
        b.predict(mixed)


@pytest.mark.parametrize("Est", [MetaMLPClassifier, MetaMLPRegressor])
@pytest.mark.parametrize("make_y", [
    lambda y: np.where(np.arange(len(y)) == 3, None, y.astype(object)),
    lambda y: pd.Series(y.astype(str), dtype="string").where(np.arange(len(y)) != 3),
    lambda y: pd.Series(y, dtype="Int64").where(np.arange(len(y)) != 3),
])
def test_missing_labels_are_refused_by_name(Est, make_y, data):
    X, y = data
    with pytest.raises(ValueError, match="Input y contains NaN: 1 missing value"):
        Est(**KW).fit(X, make_y(y))


def test_a_text_regression_target_is_refused_by_name(data):
    X, y = data
    with pytest.raises(ValueError, match="y: a regression target must be numeric"):
        MetaMLPRegressor(**KW).fit(X, np.where(y > 0, "high", "low"))


@pytest.mark.parametrize("Est", [MetaMLPClassifier, MetaMLPRegressor])
def test_columns_constant_at_fit_do_not_move_predictions(Est, data):
    """A column all missing (or constant) in the training rows was never seen varying: the
    values it takes later must not act through weights the fit never learned."""
    X, y = data
    train = pd.DataFrame(X, columns=list("abcd"))
    train["sparse"] = np.nan  # all missing at fit: its missing indicator is constant 1
    train["flag"] = 5.0
    train["country"] = "US"  # one level at fit: a one-hot column of ones
    model = Est(**KW).fit(train, y)
    base = model.predict_proba(train) if Est is MetaMLPClassifier else model.predict(train)
    for col, value in [("sparse", 0.0), ("sparse", 1e6), ("flag", 50.0), ("country", "CA"),
                       ("country", None)]:
        later = train.copy()
        later[col] = value
        out = model.predict_proba(later) if Est is MetaMLPClassifier else model.predict(later)
        np.testing.assert_allclose(out, base, err_msg=f"{col}={value}")


def test_reordered_integer_column_names_are_refused_not_read_by_position(data):
    X, y = data
    model = MetaMLPClassifier(**KW).fit(pd.DataFrame(X), y)  # columns named 0..3
    with pytest.raises(ValueError, match="in another order than those seen at fit"):
        model.predict(pd.DataFrame(X)[[3, 2, 1, 0]])
    with pytest.raises(ValueError, match=r"columns differ from those seen at fit: missing "
                                         r"\[0, 1, 2, 3\]; not seen at fit \[10, 11, 12, 13\]"):
        model.predict(pd.DataFrame(X, columns=[10, 11, 12, 13]))
    np.testing.assert_array_equal(model.predict(pd.DataFrame(X)), model.predict(X))


def test_a_missing_column_is_named_even_among_many(data):
    """Both lists used to be cut at 10 names, so a frame missing its 11th column printed two
    identical lists and never the missing name."""
    X, y = data
    from sklearn_meta.preprocessing.transformers import ColumnGuard  # in the searches' pipelines

    wide = pd.DataFrame(np.tile(X, 3)[:, :12], columns=[f"c{i}" for i in range(12)])
    guard = ColumnGuard().fit(wide, y)
    with pytest.raises(ValueError, match=r"seen at fit: missing \['c10'\]; pass the columns"):
        guard.transform(wide.drop(columns=["c10"]))
    with pytest.raises(ValueError, match=r"seen at fit: not seen at fit \['extra'\]; pass"):
        guard.transform(wide.assign(extra=1.0))


def test_one_record_with_a_missing_field_predicts_like_nan(data):
    """``pd.DataFrame([{"a": None, ...}])`` makes ``a`` an all-None object column."""
    X, y = data
    frame = pd.DataFrame(X, columns=list("abcd"))
    frame["when"] = pd.date_range("2020-01-01", periods=len(X), freq="D")
    model = MetaMLPClassifier(**KW).fit(frame, y)
    record = frame.iloc[[0]].to_dict("records")[0]
    as_nan = pd.DataFrame([{**record, "a": np.nan, "when": pd.NaT}])
    as_none = pd.DataFrame([{**record, "a": None, "when": None}])
    assert as_none["a"].dtype == object and as_none["when"].dtype == object
    np.testing.assert_allclose(model.predict_proba(as_none), model.predict_proba(as_nan))


def test_infinity_in_a_frame_column_is_named(data):
    X, y = data
    frame = pd.DataFrame(X, columns=list("abcd")).astype({"d": object})
    frame.iloc[2, 3] = -np.inf
    with pytest.raises(ValueError, match=r"Input X contains infinity \(columns \['d'\]\)"):
        MetaMLPClassifier(**KW).fit(frame, y)


def test_object_columns_of_nat_or_time_deltas_do_not_crash(data):
    from sklearn_meta.preprocessing.column_kinds import column_kinds, infinite_columns

    X, y = data
    frame = pd.DataFrame(X, columns=list("abcd"))
    frame["n"] = pd.Series([1.5 if i % 3 else pd.NaT for i in range(len(X))], dtype=object)
    frame["t"] = pd.Series([np.timedelta64(i, "s") for i in range(len(X))], dtype=object)
    assert column_kinds(frame)["n"] == "numeric" and column_kinds(frame)["t"] != "numeric"
    assert infinite_columns(frame) == []
    assert MetaMLPClassifier(**KW).fit(frame, y).predict(frame).shape == (len(X),)


def test_decimal_and_date_objects_keep_their_order():
    """Numbers as ``decimal.Decimal`` (database drivers) and dates as ``datetime.date``
    objects (``.dt.date``) were one-hot coded: R^2 0.09 and 0.39 instead of ~1."""
    import datetime
    import decimal

    import meta_features

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 300)
    y = 3 * x + rng.normal(0, 0.5, 300)
    dec = pd.DataFrame({"v": [decimal.Decimal(f"{v:.2f}") for v in x]})
    assert MetaMLPRegressor(random_state=0).fit(dec, y).score(dec, y) > 0.95
    days = pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(np.round(x * 30), unit="D"))
    dates = pd.DataFrame({"d": days.dt.date})
    assert dates["d"].dtype == object
    reg = MetaMLPRegressor(random_state=0).fit(dates, y)
    assert reg.score(dates, y) > 0.95
    # the same dates as datetime64 at predict give the same predictions
    np.testing.assert_allclose(reg.predict(pd.DataFrame({"d": days})), reg.predict(dates))
    deltas = pd.DataFrame({"t": pd.Series([datetime.timedelta(hours=v) for v in x],
                                          dtype=object)})
    assert MetaMLPRegressor(random_state=0).fit(deltas, y).score(deltas, y) > 0.95
    bad = dates.astype(object)
    bad.loc[3, "d"] = "n/a"
    with pytest.raises(ValueError, match=r"X\['d'\]"):
        reg.predict(bad)
    for frame in (dec, dates):
        mf = meta_features.extract(frame, y, groups=["general"])
        assert (mf["nr_num"], mf["nr_cat"]) == (1, 0)


def test_object_array_with_text_is_read_like_its_frame():
    """``df.to_numpy()`` of a mixed frame (an object array) was refused at fit."""
    from sklearn_meta.search import MetaSearchCV

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"num": rng.normal(size=300),
                       "color": rng.choice(["red", "blue", "green"], 300)})
    y = ((df.num > 0) ^ (df.color == "red")).astype(int).to_numpy()
    X = df.to_numpy()
    assert X.dtype == object
    m = MetaMLPClassifier(random_state=0).fit(X, y)
    assert m.score(X, y) > 0.9
    np.testing.assert_allclose(m.predict_proba(X),
                               MetaMLPClassifier(random_state=0).fit(df, y).predict_proba(df))
    s = MetaSearchCV(None, n_trials=3, cv=3, random_state=0).fit(X, y)
    assert s.best_score_ > 0.9
    with pytest.raises((TypeError, ValueError)):  # a dict is still no number (check_dtype_object)
        X_bad = np.random.default_rng(1).uniform(size=(40, 3)).astype(object)
        X_bad[0, 0] = {"foo": "bar"}
        MetaMLPClassifier().fit(X_bad, np.arange(40) % 2)


def test_pyarrow_dates_time_stamps_and_durations_are_read_as_seconds():
    """``read_parquet(..., dtype_backend="pyarrow")`` columns crashed inside pyarrow (time
    stamps, dates) or were misread as numbers (durations)."""
    pa = pytest.importorskip("pyarrow")
    import meta_features
    from sklearn_meta.search.objective import error_lines

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 100, 200)
    y = x + rng.normal(0, 1, 200)
    stamps = pd.Timestamp("2020-01-01") + pd.to_timedelta(x, unit="D")
    columns = {
        "timestamp": pd.array(stamps, dtype="timestamp[ns][pyarrow]"),
        "timestamp_tz": pd.array(stamps.tz_localize("UTC"),
                                 dtype=pd.ArrowDtype(pa.timestamp("ns", tz="UTC"))),
        "date": pd.array(list(stamps.date), dtype=pd.ArrowDtype(pa.date32())),
        "duration": pd.array(pd.to_timedelta(x, unit="D"), dtype="duration[ns][pyarrow]"),
    }
    for name, arr in columns.items():
        X = pd.DataFrame({"noise": rng.normal(size=200), "t": arr})
        assert MetaMLPRegressor(random_state=0).fit(X, y).score(X, y) > 0.95, name
        mf = meta_features.extract(X, y, groups=["general"])
        assert (mf["nr_num"], mf["nr_cat"]) == (2, 0), name
    # failures inside pyarrow are reported by their own exception line
    assert error_lines(["Traceback (most recent call last):", 'File "a.py", line 3, in f',
                        "pyarrow.lib.ArrowInvalid: out of range"]) == \
        ["pyarrow.lib.ArrowInvalid: out of range"]


def test_pyarrow_dictionary_and_binary_columns_are_categories(tmp_path):
    """A pandas categorical written to parquet and read with ``dtype_backend="pyarrow"`` is a
    dictionary column; it (and binary columns) were read as numbers and crashed."""
    pytest.importorskip("pyarrow")
    import meta_features

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=200),
                          "c": pd.Categorical(rng.choice(["u", "v"], 200)),
                          "b": pd.Series([b"x", b"y"] * 100)})
    frame.to_parquet(tmp_path / "t.parquet")
    X = pd.read_parquet(tmp_path / "t.parquet", dtype_backend="pyarrow")
    assert str(X["c"].dtype).startswith("dictionary")
    y = ((X["a"].astype(float) > 0) ^ (X["c"] == "u")).astype(int).to_numpy()
    assert MetaMLPClassifier(random_state=0).fit(X, y).score(X, y) > 0.9  # needs c
    mf = meta_features.extract(X, y, groups=["general"])
    assert (mf["nr_num"], mf["nr_cat"]) == (1, 2)


def test_times_of_day_are_seconds_since_midnight():
    """``df.ts.dt.time`` objects were one-hot coded (each time its own level: chance accuracy)
    and pyarrow ``time64`` columns crashed inside ``float()``; both are now seconds since
    midnight, as in ``meta_features``."""
    import datetime

    pa = pytest.importorskip("pyarrow")
    import meta_features

    rng = np.random.default_rng(0)
    secs = rng.integers(0, 86400, 200)
    y = (secs > 43200).astype(int)
    times = [None if i % 10 == 0 else datetime.time(s // 3600, s // 60 % 60, s % 60, 250)
             for i, s in enumerate(secs)]
    noise = rng.normal(size=200)
    frames = {"objects": pd.DataFrame({"t": times, "noise": noise}),
              "pyarrow": pd.DataFrame({"t": pd.array(times, dtype=pd.ArrowDtype(
                  pa.time64("us"))), "noise": noise})}
    numbers = pd.DataFrame({"t": [np.nan if t is None else s + 250e-6
                                  for t, s in zip(times, secs)], "noise": noise})
    ref = meta_features.extract(numbers, y, groups=["general", "statistical"])
    for name, X in frames.items():
        model = MetaMLPClassifier(random_state=0).fit(X, y)
        assert model.score(X, y) > 0.9, name
        mf = meta_features.extract(X, y, groups=["general", "statistical"])
        np.testing.assert_allclose(mf.to_numpy(float), ref.to_numpy(float), equal_nan=True,
                                   err_msg=name)
    bad = frames["objects"].assign(t=[datetime.date(2020, 1, 1)] + times[1:])  # mixed kinds
    with pytest.raises(ValueError, match=r"X\['t'\]: was a temporal column at fit"):
        model.predict(bad)


def test_a_time_column_given_another_kind_of_time_is_refused():
    """Times of day at fit, dates at predict: seconds since 1970 were read as seconds since
    midnight (every prediction far outside fit's range) without a word. Now refused with the
    column named, in MetaMLP and in the search's pipelines; missing values stay accepted."""
    import datetime

    from sklearn_meta.search.members import member_estimator

    rng = np.random.default_rng(0)
    secs = rng.integers(0, 86400, 120)
    y = (secs > 43200).astype(int)
    clock = pd.DataFrame({"t": [datetime.time(s // 3600, s // 60 % 60, s % 60) for s in secs],
                          "noise": rng.normal(size=120)})
    dates = clock.assign(t=pd.Timestamp("2024-05-01") + pd.to_timedelta(secs, unit="s"))
    deltas = clock.assign(t=pd.to_timedelta(secs, unit="s"))
    model = MetaMLPClassifier(random_state=0, max_iter=5).fit(clock, y)
    for other, words in ((dates, "dates or date-times"), (deltas, "time-deltas")):
        with pytest.raises(ValueError, match=rf"X\['t'\]: held times of day at fit, "
                                             rf"got {words}"):
            model.predict(other)
    assert model.predict(clock.assign(t=None)).shape == (120,)
    pipe = member_estimator("logistic_regression", "logistic_regression", "classification",
                            clock)[0].fit(clock, y)
    with pytest.raises(ValueError, match=r"held times of day at fit, got dates"):
        pipe.predict(dates)
    fitted_on_dates = MetaMLPClassifier(random_state=0, max_iter=5).fit(dates, y)
    with pytest.raises(ValueError, match=r"held dates or date-times at fit, got times of day"):
        fitted_on_dates.predict(clock)


def test_numbers_read_as_text_are_named_with_the_way_to_read_them():
    """A numeric CSV column with '?' for missing values arrives as text and is one-hot coded
    (R^2 0.06 instead of 0.98): a warning names the column, the marker and the conversion."""
    import io

    from sklearn_meta.search import MetaSearchCV

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 300)
    y = 3 * x + rng.normal(0, 0.5, 300)
    cells = [f"{v:.2f}" if i % 50 else "?" for i, v in enumerate(x)]
    X = pd.read_csv(io.StringIO("v,w\n" + "\n".join(f"{a},{b:.3f}" for a, b in
                                                   zip(cells, rng.normal(size=300)))))
    assert not pd.api.types.is_numeric_dtype(X["v"])
    with pytest.warns(UserWarning, match=r"X: text columns of numbers .*: 'v' \(but \['\?'\]\)"
                                         r".*na_values=\['\?'\]") as rec:
        MetaMLPRegressor(random_state=0, max_iter=5).fit(X, y)
    assert [w.filename for w in rec if "text columns" in str(w.message)] == [__file__]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        MetaSearchCV(None, n_trials=1, cv=2, random_state=0).fit(X, y)
    said = [w for w in rec if "text columns of numbers" in str(w.message)]
    assert len(said) == 1 and said[0].filename == __file__  # once, at the user's line
    codes = pd.DataFrame({"code": rng.choice(["1", "2", "3"], 300)})  # a few codes: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        MetaMLPClassifier(random_state=0, max_iter=5).fit(codes, (x > 5).astype(int))


def test_dates_read_as_text_are_named_with_the_way_to_read_them():
    """ISO time stamps in a CSV arrive as text (openintro's ``email.time``): one-hot coded,
    each date its own level. A warning names the column and ``pd.to_datetime``; month names,
    few codes and numbers as text get no date warning."""
    rng = np.random.default_rng(0)
    stamps = pd.Timestamp("2012-01-01") + pd.to_timedelta(rng.uniform(0, 365, 300), unit="D")
    y = (stamps.month > 6).astype(int)
    for text in (stamps.strftime("%Y-%m-%dT%H:%M:%SZ"), stamps.strftime("%m/%d/%Y"),
                 stamps.strftime("%d.%m.%Y %H:%M")):
        X = pd.DataFrame({"when": list(text), "noise": rng.normal(size=300)})
        with pytest.warns(UserWarning, match=r"X: text columns of dates or date-times .*"
                                             r"'when'; .*pd.to_datetime"):
            MetaMLPClassifier(random_state=0, max_iter=5).fit(X, y)
    quiet = pd.DataFrame({"month": stamps.strftime("%b"), "id": [f"A{i}" for i in range(300)],
                          "amount": [f"{v:.2f}" for v in rng.normal(size=300)]})
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        MetaMLPClassifier(random_state=0, max_iter=5).fit(quiet, y)
    assert not [w for w in rec if "dates" in str(w.message)]


def test_times_of_day_read_as_text_get_advice_that_keeps_them_the_same_every_day():
    """Times of day as text (Stat2Data Hawks' ``CaptureTime``, '13:30') are not dates: the
    advice ``pd.to_datetime(X[name])`` stamped the day it ran on each value, so a model
    fitted one day saw its inputs shifted by 86,400 s the next. The warning names them as
    times of day with a way to read them (``.dt.time``) that gives the same seconds since
    midnight on any day, and the model then predicts from them."""
    rng = np.random.default_rng(0)
    minutes = rng.integers(6 * 60, 20 * 60, 300)
    y = (minutes > 13 * 60).astype(int)
    for fmt in ("{h}:{m:02d}", "{h:02d}:{m:02d}:00", "{h12}:{m:02d} {ampm}"):
        text = [fmt.format(h=v // 60, m=v % 60, h12=(v // 60 - 1) % 12 + 1,
                           ampm="PM" if v >= 720 else "AM") for v in minutes]
        X = pd.DataFrame({"captured": text, "noise": rng.normal(size=300)})
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            MetaMLPClassifier(random_state=0, max_iter=0).fit(X, y)
        said = [str(w.message) for w in rec if "'captured'" in str(w.message)]
        assert len(said) == 1 and "times of day" in said[0] and ".dt.time" in said[0], said
        assert "dates or date-times" not in said[0]
    X = pd.DataFrame({"captured": pd.to_datetime(pd.Series(text), format="mixed").dt.time,
                      "noise": rng.normal(size=300)})
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the advice taken: no warning left
        m = MetaMLPClassifier(random_state=0).fit(X[:200], y[:200])
    assert m.score(X[200:], y[200:]) > 0.9  # read in order, the threshold at 13:00 is found


def test_prediction_in_blocks_matches_one_pass(monkeypatch, data):
    """Large tables are predicted block by block (memory); results equal one pass."""
    import sklearn_meta.estimators._adapt as adapt

    X, y = data
    m = MetaMLPClassifier(random_state=0, max_iter=5).fit(X, y)
    whole = m.predict_proba(X)
    monkeypatch.setattr(adapt, "PREDICT_BLOCK_ROWS", 7)
    np.testing.assert_allclose(m.predict_proba(X), whole, rtol=0, atol=1e-12)
    assert m.predict_proba(X[:1]).shape == (1, whole.shape[1])


def test_misspelt_init_keyword_lists_the_choices(data):
    X, y = data
    with pytest.raises(ValueError, match=r"init must be 'pretrained', 'random' or a path.*"
                                         r"got 'Random' \(no such folder"):
        MetaMLPClassifier(init="Random").fit(X, y)


def test_dates_in_a_column_that_was_categorical_at_fit_still_predict():
    """Dates are read as dates now; a column fitted as text (dates and a word) that holds
    only dates at predict, as in models fitted before that change, is still predicted."""
    import datetime

    rng = np.random.default_rng(0)
    days = [datetime.date(2020, 1, 1) + datetime.timedelta(days=int(d))
            for d in rng.integers(0, 30, 120)]
    X = pd.DataFrame({"d": pd.Series(days, dtype=object), "x": rng.normal(size=120)})
    X.loc[0, "d"] = "unknown"
    y = (X["x"] > 0).astype(int).to_numpy()
    m = MetaMLPClassifier(random_state=0, max_iter=5).fit(X, y)
    assert m.predict(X.iloc[1:5]).shape == (4,)
    # an object array holding dates (no text) is read like its frame too
    Z = pd.DataFrame({"d": pd.Series(days, dtype=object), "x": X["x"]}).to_numpy()
    r = MetaMLPRegressor(random_state=0, max_iter=5).fit(Z, X["x"].to_numpy())
    assert r.predict(Z[:3]).shape == (3,)


def test_median_imputer_matches_scikit_learns_simple_imputer():
    """The preprocessing's own median imputer (partial sorts, 6x faster on wide data) must
    give exactly what ``SimpleImputer(strategy="median", add_indicator=True,
    keep_empty_features=True)`` gives: values, indicator columns, feature names."""
    from sklearn.impute import SimpleImputer

    from sklearn_meta.preprocessing.transformers import MedianImputer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(301, 8))
    X[rng.random(X.shape) < 0.2] = np.nan
    X[:, 2] = np.nan  # missing at fit: filled with 0, as keep_empty_features does
    X[:, 5] = rng.normal(size=301)  # never missing at fit: no indicator column
    X[:, 6] = np.round(X[:, 6])  # ties
    X_new = rng.normal(size=(40, 8))
    X_new[rng.random(X_new.shape) < 0.3] = np.nan
    frame = pd.DataFrame(X, columns=list("abcdefgh"))
    ref = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)
    ours = MedianImputer()
    for data in (X, frame):
        assert np.array_equal(ref.fit_transform(data), ours.fit_transform(data))
        assert np.array_equal(ref.transform(X_new), ours.transform(X_new))
        assert list(ref.get_feature_names_out()) == list(ours.get_feature_names_out())
    with pytest.raises(ValueError, match="features"):
        ours.transform(X_new[:, :5])


def test_columns_of_tiny_numbers_are_not_read_as_constant():
    """A column whose values are all below ~1e-15 was zeroed by the preprocessing (its spread
    was compared with an absolute 1e-12): chance accuracy instead of 1.0."""
    from sklearn_meta.preprocessing.pipeline import make_preprocessor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int)
    for scale in (1e-16, 1e-24):
        Z = make_preprocessor(X * scale).fit_transform(X * scale)
        assert np.corrcoef(Z[:, 0], X[:, 0])[0, 1] > 0.999
        assert MetaMLPClassifier(random_state=0).fit(X * scale, y).score(X * scale, y) > 0.95
    constant = np.c_[X[:, :1], np.full(200, 0.1), np.zeros(200)]  # still constant: zeroed
    assert np.all(make_preprocessor(constant).fit(constant).transform(
        constant + 5.0)[:, 1:] == 0)


def test_object_and_string_arrays_as_numpy_gives_them():
    """``df.to_numpy()`` of nullable columns (object arrays holding pd.NA) and numpy string
    arrays (``np.loadtxt(..., dtype=str)``) crashed inside scikit-learn's float conversion."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"age": pd.array(rng.integers(18, 80, 90), dtype="Int64"),
                       "score": rng.normal(size=90)})
    df.loc[::5, "age"] = pd.NA
    y = (df.score > 0).astype(int).to_numpy()
    X = df.to_numpy()
    assert X.dtype == object
    model = MetaMLPClassifier(random_state=0).fit(X, y)
    assert model.score(X, y) > 0.9
    dense = MetaMLPClassifier(random_state=0).fit(df.astype(float).to_numpy(), y)
    np.testing.assert_array_equal(dense.predict(X), model.predict(X))  # pd.NA read as NaN
    U = np.c_[np.where(y == 1, "yes", "no"), rng.normal(size=90).astype(str)]
    assert U.dtype.kind == "U"
    assert MetaMLPClassifier(random_state=0).fit(U, y).score(U, y) == 1.0


def test_labels_of_mixed_types_are_named():
    """``["a", 1, ...]`` failed inside np.unique with "'<' not supported"."""
    from sklearn_meta import MetaSearchCV

    X = np.random.default_rng(0).normal(size=(60, 3))
    y = np.array(["a", 1] * 30, dtype=object)
    for model in (MetaMLPClassifier(max_iter=5), MetaSearchCV(n_trials=2, cv=3)):
        with pytest.raises(ValueError, match=r"y: class labels of mixed types \['int', 'str'\]"):
            model.fit(X, y)


@pytest.mark.parametrize("missing", [None, np.nan, float("nan"), pd.NA])
def test_missing_text_values_are_imputed_not_read_as_the_text_nan(missing, data):
    """A missing value in a text column gets the most frequent level (the preprocessing's
    rule), whatever object carries it; it is not a level of its own called "nan"."""
    X, y = data
    rng = np.random.RandomState(0)
    train = pd.DataFrame(X, columns=list("abcd"))
    train["c"] = rng.choice(["US", "FR"], len(train), p=[0.8, 0.2])
    model = MetaMLPClassifier(**KW).fit(train, y)
    row = train.iloc[:1].copy()
    gap = row.assign(c=pd.Series([missing], index=row.index, dtype=object))
    np.testing.assert_array_equal(model._transform(gap), model._transform(row.assign(c="US")))


def test_gaps_in_a_text_column_at_fit_stay_visible(data):
    """A text column with gaps at fit gets an indicator (as numeric columns do): a missing
    value is imputed but not confused with the most frequent level."""
    X, y = data
    train = pd.DataFrame(X, columns=list("abcd"))
    train["c"] = np.where(X[:, 1] > 0.5, None, "US")
    model = MetaMLPClassifier(**KW).fit(train, y)
    row = train.iloc[:1].copy()
    assert not np.array_equal(model._transform(row.assign(c=None)),
                              model._transform(row.assign(c="US")))


def test_text_value_nan_is_a_level_not_a_missing_value():
    from sklearn_meta.preprocessing.text_columns import ToStr

    frame = pd.DataFrame({"c": ["nan", None, "x"]})
    out = ToStr().fit(frame).transform(frame)
    assert out.iloc[0, 0] == "nan" and pd.isna(out.iloc[1, 0]) and out.iloc[2, 0] == "x"


@pytest.mark.parametrize("Est", [MetaMLPClassifier, MetaMLPRegressor])
def test_pandas_transform_output_config_does_not_break_fit_or_predict(Est, data):
    """``sklearn.set_config(transform_output="pandas")`` is global; the internal
    preprocessing keeps numpy arrays between its own steps."""
    import sklearn

    X, y = data
    frame = pd.DataFrame(X, columns=list("abcd"))
    frame["when"] = pd.date_range("2020-01-01", periods=len(frame), freq="D")
    frame["c"] = np.where(X[:, 0] > 0, "hi", "lo")
    plain = Est(**KW).fit(frame, y).predict(frame)
    with sklearn.config_context(transform_output="pandas"), warnings.catch_warnings():
        warnings.simplefilter("error")
        model = Est(**KW).fit(frame, y)
        np.testing.assert_array_equal(model.predict(frame), plain)


def test_nan_column_names_fit_and_predict(data):
    X, y = data
    frame = pd.DataFrame(X[:, :2], columns=[np.nan, 1.0])
    model = MetaMLPClassifier(**KW).fit(frame, y)
    np.testing.assert_array_equal(model.predict(frame), model.predict(X[:, :2]))


def test_string_names_for_integer_names_are_named_as_another_type(data):
    X, y = data
    model = MetaMLPClassifier(**KW).fit(pd.DataFrame(X), y)  # columns 0..3
    with pytest.raises(ValueError, match="differ in type"):
        model.predict(pd.DataFrame(X, columns=["0", "1", "2", "3"]))


@pytest.mark.parametrize("init_blend", [0.5, 1.0])
def test_fit_leaves_torchs_global_random_stream_alone(init_blend, data):
    import torch

    X, y = data
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    MetaMLPClassifier(random_state=0, max_iter=5, init_blend=init_blend).fit(X, y)
    assert torch.equal(torch.rand(3), expected)


def test_text_column_after_numeric_array_fit_is_named(data):
    X, y = data
    model = MetaMLPClassifier(**KW).fit(X[:, :2], y)
    frame = pd.DataFrame({"a": X[:, 0], "b": np.where(X[:, 1] > 0, "hi", "lo")})
    with pytest.raises(ValueError, match=r"X\['b'\]: a categorical column"):
        model.predict(frame)
    numeric = pd.DataFrame({"a": X[:, 0], "b": pd.array(X[:, 1], dtype="Float64")})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "X has feature names": scikit-learn's own warning
        np.testing.assert_allclose(model.predict_proba(numeric), model.predict_proba(X[:, :2]))


def test_python_ints_beyond_floats_in_object_arrays_and_targets_are_named(data):
    X, y = data
    big = np.array([[10**400]] + [[1]] * (len(X) - 1), dtype=object)
    with pytest.raises(ValueError, match="too large for float64"):
        MetaMLPClassifier(**KW).fit(big, y)
    target = np.array([10**400] + [1] * (len(X) - 1), dtype=object)
    with pytest.raises(ValueError, match="y: a value too large"):
        MetaMLPRegressor(**KW).fit(X, target)


def test_weights_near_the_float_limit_train_like_unit_weights(data):
    X, y = data
    huge = MetaMLPClassifier(**KW).fit(X, y, sample_weight=np.full(len(X), 1e307))
    unit = MetaMLPClassifier(**KW).fit(X, y)
    np.testing.assert_allclose(huge.predict_proba(X), unit.predict_proba(X), atol=1e-6)


def test_frame_after_fit_on_its_object_array_is_read_by_position():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"a": rng.randn(60), "c": rng.choice(["x", "y"], 60)})
    y = (frame.a > 0).astype(int)
    model = MetaMLPClassifier(**KW).fit(frame.to_numpy(), y)  # an object array with text
    with pytest.warns(UserWarning, match="X has feature names"):
        by_frame = model.predict_proba(frame)
    np.testing.assert_array_equal(by_frame, model.predict_proba(frame.to_numpy()))


@pytest.mark.parametrize("scale", [1e-200, 1e-300])
def test_columns_of_tiny_magnitude_are_not_dropped(scale):
    """Their variance underflows to 0: they were taken for constant columns and zeroed."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    kw = dict(KW, max_iter=20)
    ref = MetaMLPClassifier(**kw).fit(X[:300], y[:300]).score(X[300:], y[300:])
    tiny = MetaMLPClassifier(**kw).fit(X[:300] * scale, y[:300])
    assert tiny.score(X[300:] * scale, y[300:]) == pytest.approx(ref, abs=0.02)
    assert ref > 0.85


def test_arrow_table_is_read_as_its_frame():
    """A pyarrow Table with a date column fits as the same DataFrame would (numpy could not
    promote its columns to one dtype)."""
    pa = pytest.importorskip("pyarrow")
    rng = np.random.RandomState(0)
    df = pd.DataFrame({"a": rng.randn(60), "c": rng.choice(list("xy"), 60),
                       "t": pd.date_range("2020", periods=60)})
    y = ((df.a > 0) ^ (df.c == "x")).astype(int)
    m = MetaMLPClassifier(**KW).fit(pa.table(df), y)
    np.testing.assert_array_equal(m.predict(pa.table(df)), m.predict(df))
    np.testing.assert_array_equal(m.predict(df), MetaMLPClassifier(**KW).fit(df, y).predict(df))


def test_a_categorical_column_keeps_its_frequent_levels_beyond_twenty():
    """A 50-level column (a US state, say) that drives the target keeps one column per level
    seen often enough, instead of lumping all but 20 into one; singletons are grouped; wide
    text tables keep at least 20 levels per column and a bounded total width."""
    from sklearn_meta.preprocessing.text_columns import (MIN_TEXT_LEVELS, TOTAL_TEXT_LEVELS,
                                                         text_levels_per_column)

    rng = np.random.default_rng(0)
    n = 1500
    states = np.array([f"S{k:02d}" for k in range(50)])
    effect = rng.normal(0, 2, 50)
    s = rng.integers(0, 50, n)
    X = pd.DataFrame({"state": states[s], "x": rng.normal(size=n)})
    X.loc[0, "state"] = "only-once"
    y = (effect[s] + X["x"] + rng.normal(0, 0.5, n) > 0).astype(int)
    model = MetaMLPClassifier(**KW).fit(X.iloc[:1000], y[:1000])
    # 50 frequent levels + 1 infrequent group (the singleton) + x
    assert model._transform(X.iloc[:1]).shape[1] == 52
    assert model.score(X.iloc[1000:], y[1000:]) > 0.85
    assert text_levels_per_column(1) == 100 and text_levels_per_column(500) == MIN_TEXT_LEVELS
    assert 30 * text_levels_per_column(30) <= TOTAL_TEXT_LEVELS


def test_tail_robust_scaler_compresses_zero_inflated_heavy_tails():
    # 80 % zeros, the rest log-normal: no interquartile range, yet a heavy tail
    from sklearn_meta.preprocessing.transformers import TailRobustScaler

    rng = np.random.default_rng(0)
    amount = np.where(rng.random(4000) < 0.8, 0.0, rng.lognormal(3, 1.5, 4000))
    onehot = (rng.random(4000) < 0.1).astype(float)  # a rare level: two values, not heavy
    sc = TailRobustScaler().fit(np.c_[amount, onehot])
    assert sc.heavy_.tolist() == [True, False]
    z = sc.transform(np.c_[amount, onehot])
    some = amount > 0
    # the bulk of the non-zero amounts keeps its spread instead of being squeezed by the few
    # largest (plain standardisation: median absolute deviation 0.26, correlation 0.64)
    nz = z[some, 0]
    assert np.median(np.abs(nz - np.median(nz))) > 0.6
    assert np.corrcoef(nz, np.log(amount[some]))[0, 1] > 0.9
    np.testing.assert_allclose(z[:, 1], (onehot - onehot.mean()) / onehot.std())
    # a column with one value is still constant
    assert TailRobustScaler().fit(np.zeros((10, 1))).constant_.tolist() == [True]

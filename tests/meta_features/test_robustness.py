"""Awkward inputs give NaN (with one MetaFeatureWarning) or a clear ValueError."""
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meta_features import MetaFeatureWarning, extract

ALL = "all"  # all nine groups, including clustering, complexity, itemset and concept


def _run(X, y=None, **kw):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = extract(X, y, groups=kw.pop("groups", ALL), **kw)
    ours = [w for w in rec if issubclass(w.category, MetaFeatureWarning)]
    others = [w for w in rec if not issubclass(w.category, MetaFeatureWarning)]
    assert len(ours) <= 1
    assert not others, [str(w.message) for w in others]
    assert res.dtype == float and res.index.is_unique
    nan_names = res.index[res.isna()].tolist()
    if nan_names:
        assert len(ours) == 1 and all(n in str(ours[0].message) for n in nan_names)
    return res, ours


def _frame(n=60, seed=0):
    rng = np.random.RandomState(seed)
    return pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.exponential(size=n),
            "c": rng.choice(["x", "y", "z"], n),
            "d": rng.rand(n) > 0.5,
        }
    ), rng.randint(0, 3, n)


def test_dataframe_mixed_types_and_missing():
    X, y = _frame()
    X.loc[::7, "a"] = np.nan
    X.loc[::5, "c"] = None
    res, _ = _run(X, y)
    assert res["nr_cat"] == 2 and res["nr_num"] == 2 and res["nr_attr"] == 4
    for name in ["cor.mean", "mean.mean", "attr_ent.mean", "mut_inf.mean", "one_nn.mean", "leaves"]:
        assert np.isfinite(res[name]), name


def test_constant_and_all_missing_columns():
    X, y = _frame()
    X["const"] = 1.0
    X["empty"] = np.nan
    res, warn = _run(X, y)
    assert res["nr_attr"] == 6
    assert np.isfinite(res["mean.mean"]) and np.isfinite(res["one_nn.mean"])
    assert "all-missing" in str(warn[0].message)


def test_every_numeric_column_constant():
    # no within-class variance: the linear discriminant is the prior (majority class); it
    # used to fail with an IndexError deep in the SVD step
    y = np.repeat([0, 1, 2], [30, 20, 10])
    res, _ = _run(np.ones((60, 3)), y, groups=["landmarking"])
    assert res["linear_discr.mean"] == pytest.approx(res["best_node.mean"])
    assert 0.4 < res["linear_discr.mean"] < 0.6  # the majority class's share, fold by fold


def test_many_classes_sample_the_class_pairs():
    from meta_features.complexity import MAX_PAIRS, class_pairs

    pairs = class_pairs(200, random_state=3)
    assert len(pairs) == MAX_PAIRS and (pairs[:, 0] < pairs[:, 1]).all()
    assert len({tuple(p) for p in pairs}) == MAX_PAIRS
    np.testing.assert_array_equal(pairs, class_pairs(200, random_state=3))
    assert len(class_pairs(20, random_state=3)) == 190  # every pair up to 32 classes
    rng = np.random.RandomState(0)
    y = np.arange(600) % 40  # 780 pairs > MAX_PAIRS
    X = rng.normal(size=(600, 3)) + (y % 2)[:, None]
    a = extract(X, y, groups=["complexity"], random_state=1)
    b = extract(X, y, groups=["complexity"], random_state=1)
    pd.testing.assert_series_equal(a, b)
    assert np.isfinite(a[["l2.mean", "f3.mean", "f2.mean"]]).all()


def test_infinities_are_missing():
    X, y = _frame()
    X.loc[3, "a"] = np.inf
    X.loc[4, "b"] = -np.inf
    res, warn = _run(X, y)
    assert np.isfinite(res["max.mean"]) and "infinite" in str(warn[0].message)


def test_single_row():
    res, _ = _run(np.array([[1.0, 2.0, 3.0]]), np.array([1]))
    assert res["nr_inst"] == 1 and np.isnan(res["sd.mean"])


def test_single_class():
    X, _ = _frame()
    res, _ = _run(X, np.zeros(len(X), dtype=int))
    assert res["nr_class"] == 1 and res["class_ent"] == 0 and np.isnan(res["gravity"])


def test_p_much_larger_than_n():
    rng = np.random.RandomState(0)
    res, _ = _run(rng.normal(size=(15, 400)), np.r_[np.zeros(7), np.ones(8)])
    assert res["nr_attr"] == 400 and np.isfinite(res["cor.mean"]) and np.isfinite(res["attr_conc.mean"])


def test_high_cardinality_categorical():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"id": [f"u{i}" for i in range(300)], "v": rng.normal(size=300)})
    res, warn = _run(X, rng.randint(0, 2, 300))
    assert res["nr_cat"] == 1 and "levels" in str(warn[0].message)


def test_labels_not_0_to_k_and_strings_equivalent():
    X, y = _frame()
    a = extract(X, y, warn=False)
    b = extract(X, y * 10 + 7, warn=False)
    c = extract(X, np.array(["cat", "dog", "emu"])[y], warn=False)
    pd.testing.assert_series_equal(a, b)
    pd.testing.assert_series_equal(a, c)


def test_regression_and_no_target():
    X, _ = _frame()
    yr = np.random.RandomState(1).normal(size=len(X))
    res_r, _ = _run(X, yr)
    res_n, _ = _run(X, None)
    assert "nr_class" not in res_r and "one_nn.mean" not in res_r and "mean.mean" in res_r
    assert set(res_n.index) == set(res_r.index)


def test_default_is_deterministic():
    X, y = _frame(200)
    pd.testing.assert_series_equal(extract(X, y, warn=False), extract(X, y, warn=False))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"groups": "nope"}, "groups"),
        ({"groups": []}, "groups: expected at least one group name"),
        ({"groups": ()}, "groups: expected at least one group name"),
        ({"summary": ["mean", "bogus"]}, "summary"),
        ({"categorical": ["zz"]}, "categorical"),
        ({"categorical": [True, False]}, "categorical"),
        ({"random_state": "x"}, "random_state"),
    ],
)
def test_bad_arguments_raise_valueerror(kwargs, match):
    X, y = _frame()
    with pytest.raises(ValueError, match=match):
        extract(X, y, **kwargs)


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.empty((0, 3)), None, "X"),
        (np.arange(5.0), None, "X"),
        (np.ones((4, 2)), np.ones(3), "y"),
        (np.ones((4, 2)), np.array([1, np.nan, 1, 0]), "y"),
        (np.ones((4, 2)) + 1j, None, "X: complex values are not supported"),
        (pd.DataFrame({"a": [1.0, 2, 3], "b": [1j, 2, 3]}), [0, 1, 0],
         "X: complex values are not supported \\(column 'b'\\)"),
        (np.array([[1.0, 2 + 1j], [3.0, 4.0]], dtype=object), None,
         "X: complex values are not supported"),
    ],
)
def test_bad_data_raise_valueerror(X, y, match):
    with pytest.raises(ValueError, match=match):
        extract(X, y)


cell = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.integers(-5, 5).map(float),
    st.just(np.nan),
)


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    n=st.integers(1, 25),
    p=st.integers(1, 5),
    n_cat=st.integers(0, 2),
    k=st.integers(1, 4),
    data=st.data(),
)
def test_random_frames_never_crash(n, p, n_cat, k, data):
    num = data.draw(st.lists(st.lists(cell, min_size=p, max_size=p), min_size=n, max_size=n))
    X = pd.DataFrame(np.array(num, dtype=float), columns=[f"n{i}" for i in range(p)])
    for j in range(n_cat):
        X[f"c{j}"] = data.draw(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=n, max_size=n))
    y = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    res, _ = _run(X, y)
    assert res["nr_inst"] == n and res["nr_attr"] == p + n_cat


def test_pairwise_cov_cor_equal_numpy_and_sample_attributes_on_very_wide_data(monkeypatch):
    """cov / cor are computed in blocks (equal to numpy's full matrices, NaN for constant
    columns); beyond MAX_PAIRS pairs, the pairs among a seeded sample of attributes, noted."""
    from meta_features import statistical

    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 120))
    X[:, 4] = 2.0
    X[:, 7] = -3 * X[:, 6] + 0.01 * rng.normal(size=60)
    y = rng.randint(0, 2, 60)
    monkeypatch.setattr(statistical, "_BLOCK_ENTRIES", 700)  # many blocks
    res = extract(X, y, groups=["statistical"], summary=("mean", "max"), warn=False)
    cov = np.cov(X, rowvar=False)
    with np.errstate(all="ignore"):
        cor = np.clip(np.abs(cov / np.outer(np.sqrt(np.diag(cov)), np.sqrt(np.diag(cov)))), 0, 1)
    low = np.tril_indices(120, -1)
    assert res["cov.mean"] == pytest.approx(np.abs(cov[low]).mean(), rel=1e-12)
    assert np.isnan(res["cor.mean"])  # the constant column, as pymfe
    assert res["nr_cor_attr"] == pytest.approx(np.sum(cor[low] >= 0.5) / low[0].size)
    monkeypatch.setattr(statistical, "MAX_PAIRS", 2000)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        sampled = extract(X[:, 8:], y, groups=["statistical"], summary=("mean",))
    assert any("attributes (seeded sample)" in str(w.message) for w in rec)
    exact_cov = np.abs(np.cov(X[:, 8:], rowvar=False)[np.tril_indices(112, -1)]).mean()
    assert sampled["cov.mean"] == pytest.approx(exact_cov, rel=0.1)
    assert extract(X[:, 8:], y, groups=["statistical"], summary=("mean",),
                   warn=False).equals(sampled)


def test_extreme_values_keep_the_names_and_lose_only_what_overflows():
    """+-1e300 overflows the covariance: the eigen decomposition and the canonical
    correlations are lost (NaN), not the whole statistical group, and the output has the
    same names as for ordinary data (scalar features stay scalar)."""
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.randn(100, 3))
    y = rng.randint(0, 2, 100)
    big = X.copy()
    big.iloc[0, 0], big.iloc[1, 1] = 1e300, -1e300
    ref, _ = _run(X, y, groups="statistical")
    res, warn = _run(big, y, groups="statistical")
    assert list(res.index) == list(ref.index)
    assert np.isnan(res["eigenvalues.mean"]) and np.isnan(res["sd_ratio"])
    assert res["median.mean"] == pytest.approx(ref["median.mean"], abs=0.05)
    assert np.isfinite(res["nr_outliers"]) and np.isfinite(res["iq_range.mean"])
    one = X.copy()
    one.iloc[0, 0] = 1e300
    res1, warn1 = _run(one, y, groups="statistical")
    inf = res1.index[np.isinf(res1.to_numpy())].tolist()
    assert inf and "infinite" in str(warn1[0].message) and inf[0] in str(warn1[0].message)


def test_summaries_and_background_folds_leak_no_foreign_warnings():
    # near-constant values made scipy warn about precision loss in skewness/kurtosis, and the
    # landmarking folds (split on a background thread) leaked scikit-learn's "least
    # populated class" warning
    X = np.random.default_rng(0).normal(size=(60, 4))
    y = np.r_[np.zeros(57), np.ones(3)].astype(int)
    for kw in ({"summary": "all"}, {"n_jobs": -1}):
        _run(X, y, groups="default", **kw)


def test_dates_and_durations_are_numeric_seconds_as_the_estimators_read_them():
    n = 120
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.normal(size=n),
                      "when": pd.date_range("2020-01-01", periods=n, freq="D", tz="UTC"),
                      "took": pd.to_timedelta(rng.randint(0, 100, n), unit="h")})
    X.loc[3, "when"] = pd.NaT
    res, _ = _run(X, rng.randint(0, 2, n), groups=["general", "statistical"])
    assert res["nr_num"] == 3 and res["nr_cat"] == 0
    assert np.isfinite(res["mean.mean"])


def test_numeric_frame_fast_path_matches_the_column_loop():
    # an all-number frame skips the per-column loop; an explicit all-False categorical mask
    # takes the loop: the prepared data must be the same (infinities, empty columns, ints)
    from meta_features._validation import prepare

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=80), "b": rng.integers(0, 4, 80),
                       "c": np.full(80, np.nan), "d": rng.normal(size=80)})
    df.loc[3, "a"], df.loc[5, "d"], df.loc[7, "d"] = np.inf, np.nan, -np.inf
    y = rng.integers(0, 2, 80)
    fast = prepare(df, y)
    slow = prepare(df, y, categorical=np.zeros(4, dtype=bool))
    assert np.array_equal(fast.N, slow.N, equal_nan=True)
    assert np.array_equal(fast.C, slow.C) and np.array_equal(fast.C_levels, slow.C_levels)
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(fast.X_cols, slow.X_cols))
    assert fast.notes == slow.notes and len(fast.notes) == 2
    assert not fast.is_cat.any()


@pytest.mark.parametrize("summary", [("mean", "sd"), ("max", "histogram", "count")])
def test_failed_multi_valued_feature_keeps_its_summary_names(summary, monkeypatch):
    """A multi-valued feature that fails as a whole (here f1v) comes back NaN as
    ``f1v.mean`` / ``f1v.sd`` (the requested summaries), never as a scalar ``f1v``, so the
    names for given groups and summaries do not depend on the data (MetaFeatureExtractor
    gets one column set, not three f1v columns mostly NaN). A class of one row (which made
    f1v fail before it counted with zero covariance) keeps the same names too."""
    from meta_features import MetaFeatureExtractor, complexity

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    y = (X[:, 0] > 0).astype(int)
    rare = y.copy()
    rare[-1] = 2  # one class with a single row
    ref, _ = _run(X, y, groups="complexity", summary=summary)
    res, _ = _run(X, rare, groups="complexity", summary=summary)
    assert list(res.index) == list(ref.index)
    f1v = [n for n in res.index if n.startswith("f1v.")]
    assert f1v and np.isfinite(ref[f1v[0]]) and np.isfinite(res[f1v[0]])
    with monkeypatch.context() as m:
        m.setattr(complexity, "_f1v", lambda *a: 1 / 0)
        res, _ = _run(X, rare, groups="complexity", summary=summary)
        assert list(res.index) == list(ref.index)
        assert "f1v" not in res.index and "t1" in res.index  # t1 is a scalar feature
        assert all(np.isnan(res[n]) for n in f1v if not n.endswith("count"))
        F = MetaFeatureExtractor(groups=["complexity"], summary=summary).fit_transform(
            [(X, y), (X, rare)])
    assert list(F.columns) == list(ref.index)
    # the same for any multi-valued feature whose computation fails (here f1)
    monkeypatch.setattr(complexity, "_f1", lambda *a: 1 / 0)
    res, _ = _run(X, y, groups="complexity", summary=summary)
    assert list(res.index) == list(ref.index) and np.isnan(res[f"f1.{summary[0]}"])


def test_vdu_without_any_class_of_two_rows_is_undefined_as_in_pymfe():
    """Dunn's index needs a class diameter; with one row per class there is none (pymfe:
    NaN), not an infinite index."""
    import warnings

    import numpy as np
    from sklearn.datasets import load_iris

    import meta_features

    X, y = load_iris(return_X_y=True)
    rows = [0, 50, 100]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = meta_features.extract(X[rows], y[rows], groups="clustering")
        assert np.isnan(out["vdu"])
        assert np.isfinite(meta_features.extract(X[rows + [1]], y[rows + [1]],
                                                 groups="clustering")["vdu"])


def test_mutual_information_of_a_column_with_gaps_uses_its_own_rows():
    """I(X; Y) >= 0 even when the missing values cluster in one class: its class entropy is
    taken on the rows where the column is present, as its own and the joint entropies are."""
    rng = np.random.RandomState(0)
    y = np.r_[np.zeros(900, int), np.ones(100, int)]
    x = rng.randint(0, 4, size=1000).astype(float)  # categorical codes, unrelated to y
    x[:800] = np.nan  # present on 100 rows of each class
    X = pd.DataFrame({"x": pd.Categorical(x)})
    got = extract(X, y, groups="info-theory", summary=["min"], warn=False)
    assert got["mut_inf.min"] >= 0
    present = ~np.isnan(x)
    alone = extract(X.loc[present, ["x"]], y[present], groups="info-theory", summary=["min"],
                    warn=False)
    assert got["mut_inf.min"] == pytest.approx(alone["mut_inf.min"], rel=1e-9)


@pytest.mark.parametrize("factor", [1e8, 1e15])
def test_canonical_correlations_and_sd_ratio_are_unit_free(factor):
    """Rescaling one column changes neither Box's M (sd_ratio) nor the canonical
    correlations: before, a column in units 1e8 times another's made sd_ratio NaN and one in
    1e15 dropped a discriminant function."""
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True)
    names = ["sd_ratio", "can_cor.mean", "nr_disc", "w_lambda", "lh_trace"]
    base = extract(X, y, groups="statistical", warn=False)[names]
    Xs = X.copy()
    Xs[:, 0] *= factor
    scaled = extract(Xs, y, groups="statistical", warn=False)[names]
    assert np.isfinite(base).all()
    np.testing.assert_allclose(scaled.to_numpy(), base.to_numpy(), rtol=1e-7)


def test_perfect_canonical_correlation_gives_infinite_traces():
    """With no more rows than columns a canonical correlation is exactly 1: lh_trace and
    roy_root are inf (their value), w_lambda 0, whatever the rounding (it used to flip
    between inf and ~1e15 noise with the number of rows)."""
    rng = np.random.RandomState(0)
    for k, n, p in [(2, 20, 50), (3, 30, 40), (3, 31, 40), (4, 30, 60)]:
        X = rng.normal(size=(n, p))
        y = np.arange(n) % k
        got = extract(X, y, groups="statistical", warn=False)
        assert got["lh_trace"] == np.inf and got["roy_root"] == np.inf, (n, p)
        assert got["w_lambda"] == 0.0 and got["can_cor.mean"] <= 1.0


def test_complexity_constant_columns_and_pair_scaling():
    """A constant column separates nothing (f1 ratio 0, not its rounding noise over its
    rounding noise) and overlaps fully in f2 (factor 1, not 0/0); l1-l3 scale each class
    pair as scikit-learn's StandardScaler does, so a column constant within a pair up to
    rounding keeps scale 1 instead of becoming a +-1 column."""
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True)
    summary = ["mean", "min", "max"]
    base = extract(X, y, groups="complexity", warn=False, summary=summary)
    for value in (0.1, 1.0):
        with_const = extract(np.c_[X, np.full(len(X), value)], y, groups="complexity",
                             warn=False, summary=summary)
        assert np.isfinite(with_const[["f1.mean", "f1.min", "f2.mean"]]).all(), value
        assert with_const["f1.min"] == pytest.approx(base["f1.min"])
        assert with_const["f2.mean"] == pytest.approx(base["f2.mean"])
    pair = y > 0  # versicolor vs virginica, plus a column constant there (0.1)
    Xp, yp = X[pair], y[pair]
    with_col = extract(np.c_[Xp, np.full(len(Xp), 0.1)], yp, groups="complexity",
                       warn=False, summary=summary)
    alone = extract(Xp, yp, groups="complexity", warn=False, summary=summary)
    for name in ("l1.mean", "l2.mean"):  # (l3 draws random points per column)
        assert with_col[name] == pytest.approx(alone[name], rel=1e-9), name


def test_binned_features_do_not_depend_on_the_unit():
    """A column measured in small units (1e-9) is binned as in large ones: pymfe's absolute
    1e-8 tolerance merged every cut point of such a column."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    groups = ["info-theory"]
    a = extract(X, y, groups=groups)
    b = extract(X * 1e-9, y, groups=groups)
    pd.testing.assert_series_equal(a, b, atol=1e-9, rtol=0)


@pytest.mark.parametrize("y", [pd.Series(pd.date_range("2020", periods=40)),
                               pd.Series(pd.to_timedelta(np.arange(40) % 5, unit="D"))])
def test_date_and_duration_targets_are_refused(y):
    with pytest.raises(ValueError, match=r"^y: a (datetime|timedelta)64"):
        extract(np.random.RandomState(0).normal(size=(40, 3)), y)


def test_arrow_inputs_keep_their_column_types():
    pa = pytest.importorskip("pyarrow")
    X, y = _frame()
    half = pd.array(pa.array(X["a"].to_numpy(np.float16), type=pa.float16()),
                    dtype=pd.ArrowDtype(pa.float16()))
    res, _ = _run(X.assign(a=half), y, groups="default")  # was refused as non-numeric
    assert res["attr_to_inst"] == 4 / 60
    np.testing.assert_allclose(_run(pa.table(X), y, groups="default")[0],
                               _run(X, y, groups="default")[0], equal_nan=True)


def test_correlations_round_as_numpy_corrcoef_at_nr_cor_attr_threshold():
    """nr_cor_attr counts |cor| >= 0.5, so a correlation of exactly 0.5 must be rounded as
    pymfe's np.corrcoef rounds it: HistData's Fingerprints (Whorls x Loops) gave 0.5 here and
    0.49999999999999994 there (2/3 vs 1/3), the first 3 rows of rpart's kyphosis the reverse.
    Small integer tables, where such ties occur, give corrcoef's values bit for bit."""
    tables = [np.array([[71, 3, 5], [158, 3, 14], [128, 4, 5]], dtype=float)]  # kyphosis
    rng = np.random.RandomState(0)
    tables += [rng.randint(0, 4, size=(rng.randint(3, 12), 3)).astype(float)
               for _ in range(300)]
    ties = 0
    for X in tables:
        with np.errstate(all="ignore"):
            ref = np.abs(np.corrcoef(X, rowvar=False))
        low = np.tril_indices(3, -1)  # (1, 0), (2, 0), (2, 1): the order extract lists them
        ref = ref[low[0], low[1]]
        if np.isnan(ref).any():
            continue  # a constant column: NaN in both, checked elsewhere
        ties += int(np.isclose(ref, 0.5, rtol=0, atol=1e-12).any())
        res = extract(X, None, groups=["statistical"], summary=None, warn=False)
        got = np.array([res[f"cor.{i}"] for i in range(3)])
        np.testing.assert_array_equal(got, np.clip(ref, 0, 1))
        assert res["nr_cor_attr"] == np.sum(np.clip(ref, 0, 1) >= 0.5) / 3
    assert ties >= 3  # the sweep does reach the threshold

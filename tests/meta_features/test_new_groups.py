"""clustering / complexity / itemset / concept: registry, task handling, sub-sampling."""
import warnings

import numpy as np
import pytest
import sklearn.metrics
from sklearn.datasets import load_iris

from meta_features import MetaFeatureWarning, extract, list_features
from meta_features._sampling import MAX_ROWS, subsample

NEW = ["clustering", "complexity", "itemset", "concept"]


def test_all_runs_nine_groups_and_list_features_describes_them():
    lf = list_features("all")
    assert set(lf["group"]) == {"general", "statistical", "info-theory", "landmarking", "model-based", *NEW}
    assert lf["name"].is_unique
    X, y = load_iris(return_X_y=True)
    res = extract(X, y, groups="all", warn=False)
    assert {n.split(".")[0] for n in res.index} == set(lf["name"])
    for g, names in {"clustering": {"ch", "int", "nre", "pb", "sc", "sil", "vdb", "vdu"},
                     "itemset": {"one_itemset", "two_itemset"},
                     "concept": {"cohesiveness", "conceptvar", "impconceptvar", "wg_dist"}}.items():
        assert set(lf.loc[lf["group"] == g, "name"]) == names
    assert len(lf[lf["group"] == "complexity"]) == 22
    capped = lf[lf["name"].isin(["n1", "lsc", "density", "sil", "conceptvar"])]
    assert capped["description"].str.contains(str(MAX_ROWS)).all()


def test_regression_and_no_target_keep_only_target_free_features():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 3))
    for y in (X[:, 0] + 0.1 * rng.normal(size=80), None):
        res = extract(X, y, groups=NEW, warn=False)
        base = {n.split(".")[0] for n in res.index}
        assert base == {"t2", "t3", "t4", "one_itemset", "two_itemset", "cohesiveness", "wg_dist"}
        assert res.notna().all()


def test_single_class_gives_nan_with_one_warning():
    X = np.random.RandomState(1).normal(size=(40, 3))
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = extract(X, np.zeros(40, dtype=int), groups=NEW)
    assert len([w for w in rec if issubclass(w.category, MetaFeatureWarning)]) == 1
    for name in ["c1", "n1", "ch", "sil", "int", "f2.mean"]:
        assert np.isnan(res[name]), name
    assert res["conceptvar.mean"] == 0 and res["nre"] == 0 and np.isfinite(res["t3"])


def test_subsample_is_stratified_deterministic_and_capped():
    y = np.repeat([0, 1, 2], [3000, 1000, 3])
    a, b = subsample(y.size, y, 0), subsample(y.size, y, 0)
    np.testing.assert_array_equal(a, b)
    assert abs(a.size - MAX_ROWS) <= 3 and np.all(np.diff(a) > 0)
    counts = np.bincount(y[a])
    assert counts[2] >= 1 and abs(counts[0] / counts[1] - 3) < 0.05
    assert not np.array_equal(a, subsample(y.size, y, 1))
    assert np.array_equal(subsample(50, y[:50], 0), np.arange(50))


def test_large_data_exact_where_promised_and_deterministic():
    rng = np.random.RandomState(0)
    n = 3 * MAX_ROWS
    y = rng.randint(0, 3, n)
    X = rng.normal(size=(n, 4)) + y[:, None]
    res = extract(X, y, groups=NEW, warn=False)
    assert np.isclose(res["ch"], sklearn.metrics.calinski_harabasz_score(X, y), rtol=1e-9)
    assert np.isclose(res["vdb"], sklearn.metrics.davies_bouldin_score(X, y), rtol=1e-9)
    full_sil = sklearn.metrics.silhouette_score(X, y)
    assert abs(res["sil"] - full_sil) < 0.02  # sampled estimate of the full silhouette
    assert 0 < res["n1"] < 1 and 0 <= res["n3.mean"] <= 1
    again = extract(X, y, groups=NEW, warn=False)
    assert res.equals(again)
    assert not extract(X, y, groups=NEW, random_state=1, warn=False).equals(res)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_tiny_inputs_do_not_crash(n):
    X = np.arange(n * 2, dtype=float).reshape(n, 2)
    y = np.arange(n) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", MetaFeatureWarning)
        res = extract(X, y, groups=NEW)
    assert res.dtype == float


def test_two_itemset_on_very_wide_data_samples_attribute_pairs(monkeypatch):
    """Beyond MAX_TWO_ITEMSET_VALUES values two_itemset uses a seeded sample of attribute
    pairs (with a note) whose summaries stay close to the exact ones."""
    from meta_features import itemset

    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 40))
    X[:, :20] = np.round(X[:, :20])  # some columns with fewer levels
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    exact = extract(X, y, groups=["itemset"], summary=("mean", "sd", "max"), warn=False)
    monkeypatch.setattr(itemset, "MAX_TWO_ITEMSET_VALUES", 5_000)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        sampled = extract(X, y, groups=["itemset"], summary=("mean", "sd", "max"))
    assert any("attribute pairs sampled" in str(w.message) for w in rec)
    again = extract(X, y, groups=["itemset"], summary=("mean", "sd", "max"), warn=False)
    assert again.equals(sampled)  # deterministic for a random_state
    assert sampled["one_itemset.mean"] == exact["one_itemset.mean"]
    assert sampled["two_itemset.mean"] == pytest.approx(exact["two_itemset.mean"], rel=0.05)
    assert sampled["two_itemset.sd"] == pytest.approx(exact["two_itemset.sd"], rel=0.15)
    assert sampled["two_itemset.max"] <= exact["two_itemset.max"]


def test_f1v_low_rank_path_equals_the_pseudo_inverse_formula():
    """With fewer rows per class pair than attributes, f1v takes the thin-SVD route; it must
    equal pymfe's pinv(W) formula, collinear attributes included."""
    import scipy.linalg

    from meta_features.complexity import _f1v

    rng = np.random.RandomState(0)
    N = rng.normal(size=(45, 120))
    N[:, 3] = 2 * N[:, 2]
    y = rng.randint(0, 3, 45)
    freqs = np.bincount(y) / 45
    pairs = np.array([(0, 1), (0, 2), (1, 2)])
    expected = []
    for a, b in pairs:
        ca, cb = (np.cov(N[y == c], rowvar=False, ddof=1) for c in (a, b))
        diff = (N[y == a].mean(0) - N[y == b].mean(0)).reshape(-1, 1)
        W = (freqs[a] * ca + freqs[b] * cb) / (freqs[a] + freqs[b])
        d = scipy.linalg.pinv(W) @ diff
        expected.append(1 / (1 + ((d.T @ diff @ diff.T @ d) / (d.T @ W @ d)).item()))
    np.testing.assert_allclose(_f1v(N, y, 3, freqs, pairs), expected, rtol=1e-9)


def test_f1v_one_row_class_has_zero_spread():
    """A one-row class has no within-class spread: its covariance counts as zero (its
    ddof=1 covariance is NaN, which made f1v NaN for every pair with it); a pair of two
    one-row classes has no spread at all and stays NaN."""
    import scipy.linalg

    from meta_features.complexity import _f1v

    rng = np.random.RandomState(1)
    N = rng.normal(size=(42, 3))
    y = np.r_[np.zeros(20, int), np.ones(20, int), 2, 3]
    freqs = np.bincount(y) / len(y)
    pairs = np.array([(0, 2), (1, 2), (2, 3)])
    got = _f1v(N, y, 4, freqs, pairs)
    for i, (a, b) in enumerate(pairs[:2]):
        diff = (N[y == a].mean(0) - N[y == b].mean(0)).reshape(-1, 1)
        W = freqs[a] / (freqs[a] + freqs[b]) * np.cov(N[y == a], rowvar=False, ddof=1)
        d = scipy.linalg.pinv(W) @ diff
        np.testing.assert_allclose(
            got[i], 1 / (1 + ((d.T @ diff) ** 2 / (d.T @ W @ d)).item()), rtol=1e-9)
    assert np.isnan(got[2])


def test_f1v_one_row_class_on_wide_data_takes_the_low_rank_path():
    """Fewer rows than attributes with a one-row class: the thin-SVD route (the p x p
    pseudo-inverse took seconds to tens of seconds at 1,500 columns) gives the formula's
    value."""
    import scipy.linalg

    from meta_features.complexity import _f1v

    rng = np.random.RandomState(2)
    N = rng.normal(size=(31, 80))
    y = np.r_[np.zeros(15, int), np.ones(15, int), 2]
    freqs = np.bincount(y) / len(y)
    pairs = np.array([(0, 2), (1, 2), (0, 1)])
    covs = [np.cov(N[y == c], rowvar=False, ddof=1) if (y == c).sum() > 1
            else np.zeros((80, 80)) for c in range(3)]
    expected = []
    for a, b in pairs:
        diff = (N[y == a].mean(0) - N[y == b].mean(0)).reshape(-1, 1)
        W = (freqs[a] * covs[a] + freqs[b] * covs[b]) / (freqs[a] + freqs[b])
        d = scipy.linalg.pinv(W) @ diff
        expected.append(1 / (1 + ((d.T @ diff) ** 2 / (d.T @ W @ d)).item()))
    np.testing.assert_allclose(_f1v(N, y, 3, freqs, pairs), expected, rtol=1e-7)

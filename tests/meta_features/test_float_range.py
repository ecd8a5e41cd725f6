"""Columns beyond float32's range (trees) or near float64's (1-NN, naive Bayes, LDA) are
rescaled by powers of two: the landmarking and model-based features of a column at 1e300
are those of the same column at 1e30, not those of +-inf; ordinary data is untouched."""
import warnings

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from meta_features import MetaFeatureWarning, _tree, extract, landmarking

GROUPS = ["landmarking", "model-based"]
#: Landmarkers that weigh columns by their scale (all the other features are invariant to a
#: positive scaling of one column).
SCALE_DEPENDENT = ("one_nn.", "naive_bayes.")


def _data(n=700, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + X[:, 1] + 0.5 * rng.normal(size=n) > 0).astype(int) + (X[:, 2] > 1.2)
    return X, y


def _extract_quietly(X, y, **kw):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = extract(X, y, groups=GROUPS, **kw)
    foreign = [str(w.message) for w in rec if not issubclass(w.category, MetaFeatureWarning)]
    assert not foreign, foreign  # e.g. numpy's "overflow encountered in cast"
    return res


@pytest.mark.parametrize("n_jobs", [1, 2])  # 2: the trees are prefetched on worker threads
@pytest.mark.parametrize("scale", [[1e300, 1, 1], [1e300, 1e250, 1], [-1e307, 1, 1e-3]])
def test_column_beyond_float_ranges_gives_the_features_of_a_large_one(scale, n_jobs):
    X, y = _data()
    ref = _extract_quietly(X * np.clip(scale, -1e30, 1e30), y, n_jobs=n_jobs)
    res = _extract_quietly(X * scale, y, n_jobs=n_jobs)
    assert res.index.equals(ref.index) and np.isfinite(res).all()
    if scale[1] == 1e250:  # two huge columns: to 1-NN and naive Bayes they weigh the same now
        keep = [not name.startswith(SCALE_DEPENDENT) for name in res.index]
        res, ref = res[keep], ref[keep]
    np.testing.assert_allclose(res.to_numpy(), ref.to_numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("factor", [1e300, 1e40, 1e31])
def test_scale_invariant_features_ignore_a_huge_column(factor):
    """Trees, stumps, 1-NN on one attribute and LDA: as on the unscaled data."""
    X, y = _data(seed=1)
    ref = _extract_quietly(X, y)
    res = _extract_quietly(X * [1, factor, 1], y)
    keep = [not name.startswith(SCALE_DEPENDENT) for name in res.index]
    assert sum(keep) == len(res) - 4
    np.testing.assert_allclose(res[keep].to_numpy(), ref[keep].to_numpy(), rtol=1e-12, atol=1e-15)


def test_ordinary_data_is_not_touched():
    X, _ = _data()
    for A in (X, X * [1e29, 1e-300, 1], X.astype(np.float32) * np.float32(1e29)):
        assert _tree.in_float32_range(A) is A
        assert landmarking.in_float64_range(A) is A
    A = np.array([[np.nan, 1e300], [np.inf, -2e300]])  # non-finite columns are left alone
    assert np.array_equal(_tree.in_float32_range(A)[:, 0], A[:, 0], equal_nan=True)


def test_rescaling_is_by_powers_of_two_into_range():
    X, _ = _data()
    A = X * [1e300, 1, 2.0 ** 101]
    S = _tree.in_float32_range(A)
    assert S is not A and np.array_equal(S[:, 1], A[:, 1])
    for j in (0, 2):
        ratio = S[:, j] / A[:, j]
        assert np.all(ratio == ratio[0]) and np.frexp(ratio[0])[0] == 0.5  # a power of two
        assert 2.0 ** 99 <= np.abs(S[:, j]).max() < 2.0 ** 100
    assert np.isfinite(S.astype(np.float32)).all()
    L = landmarking.in_float64_range(A)
    ratio = L / A
    assert np.all(ratio == ratio[0, 0]) and np.frexp(ratio[0, 0])[0] == 0.5
    assert 2.0 ** 499 <= np.abs(L).max() < 2.0 ** 500 and np.isfinite(L ** 2).all()


def test_tree_on_a_huge_column_is_the_estimators_tree_up_to_the_scale():
    """Within float32's range the rescaled tree is the estimator's, node for node (its
    thresholds on the rescaled column differ by the same power of two)."""
    X, y = _data(seed=2)
    A = X * [1, 1e37, 1]  # fits float32: the estimator itself is right here
    ours = _tree.fit_tree(A, y, 0)
    ref = DecisionTreeClassifier(random_state=0).fit(A, y).tree_
    assert ours.node_count == ref.node_count
    for attr in ("feature", "children_left", "children_right", "n_node_samples", "value"):
        np.testing.assert_array_equal(getattr(ours, attr), getattr(ref, attr))
    on_big = ours.feature == 1
    scale = _tree.in_float32_range(A)[0, 1] / A[0, 1]
    np.testing.assert_array_equal(ours.threshold[on_big], ref.threshold[on_big] * scale)
    np.testing.assert_array_equal(ours.threshold[~on_big], ref.threshold[~on_big])

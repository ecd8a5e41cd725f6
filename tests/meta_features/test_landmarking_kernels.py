"""The numpy re-implementations inside landmarking against scikit-learn and a plain reference."""
import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from meta_features.landmarking import best_splits, stump_predict_split


def _reference_scores(xs: np.ndarray, ys: np.ndarray, k: int) -> np.ndarray:
    """Per attribute, the best Gini score from an explicit class-count table."""
    n, p = xs.shape
    out = np.full(p, -np.inf)
    for j in range(p):
        onehot = np.eye(k)[ys[:, j]]
        left = np.cumsum(onehot, axis=0)[:-1]
        right = onehot.sum(0) - left
        nl = np.arange(1, n)[:, None]
        s = (left**2).sum(1) / nl[:, 0] + (right**2).sum(1) / (n - nl[:, 0])
        s[xs[1:, j] <= xs[:-1, j]] = -np.inf
        out[j] = s.max()
    return out


@pytest.mark.parametrize("seed", range(5))
def test_best_splits_match_count_table_and_sklearn_stump(seed):
    rng = np.random.RandomState(seed)
    n, p, k = 80 + 13 * seed, 6, 2 + seed % 4
    X = rng.randint(0, 5, size=(n, p)).astype(float)  # many ties
    X[:, 0] = rng.normal(size=n)
    X[:, 1] = 1.0  # constant: no split
    y = rng.randint(0, k, size=n)
    order = np.argsort(X, axis=0, kind="stable")
    xs, ys = np.take_along_axis(X, order, axis=0), y[order]
    scores, thresholds = best_splits(xs, ys, k)
    np.testing.assert_array_equal(scores, _reference_scores(xs, ys, k))  # bit for bit
    assert scores[1] == -np.inf
    for j in (0, 2, 3):  # a single-attribute stump is scikit-learn's depth-1 tree
        ours = stump_predict_split(X, y, X, k, j, float(thresholds[j]))
        ref = DecisionTreeClassifier(max_depth=1).fit(X[:, [j]], y).predict(X[:, [j]])
        tree_thr = DecisionTreeClassifier(max_depth=1).fit(X[:, [j]], y).tree_.threshold[0]
        assert np.isclose(thresholds[j], tree_thr)
        np.testing.assert_array_equal(ours, ref)


def test_stump_without_split_predicts_majority():
    y = np.array([0, 1, 1, 2])
    pred = stump_predict_split(np.zeros((4, 1)), y, np.zeros((3, 1)), 3, -1, 0.0)
    assert pred.tolist() == [1, 1, 1]


@pytest.mark.parametrize("kind", ["continuous", "discrete", "duplicates", "scaled"])
def test_one_nn_matches_kdtree_including_ties(kind):
    """Brute-force 1-NN answers every row as scikit-learn's KD-tree does, ties included."""
    from meta_features.landmarking import _brute_nn, _kdtree_nn, one_nn_predict

    rng = np.random.RandomState(0)
    n, p = 400, 5
    X = rng.normal(size=(n, p))
    if kind == "discrete":
        X = rng.randint(0, 3, size=(n, p)).astype(float)  # equidistant neighbours everywhere
    elif kind == "duplicates":
        X[200:] = X[:200]  # exact duplicate rows, with their own labels
    elif kind == "scaled":
        X = X * 1e6 + 1e9  # large magnitudes: rounding of the expanded distance form
    y = rng.randint(0, 3, size=n)
    tr, te = np.arange(n) % 5 != 0, np.arange(n) % 5 == 0
    for cols in (slice(None), [0]):  # all attributes, and one (ties everywhere)
        ref = _kdtree_nn(X[tr][:, cols], y[tr], X[te][:, cols])
        np.testing.assert_array_equal(_brute_nn(X[tr][:, cols], y[tr], X[te][:, cols]), ref)
        np.testing.assert_array_equal(one_nn_predict(X[tr][:, cols], y[tr], X[te][:, cols]), ref)


def test_landmarking_caps_rows_with_a_stratified_sample(monkeypatch):
    """Above MAX_ROWS, landmarking equals landmarking of the documented stratified sample."""
    import meta_features
    from meta_features import landmarking
    from meta_features._sampling import subsample

    rng = np.random.RandomState(3)
    X = rng.normal(size=(600, 4))
    y = (X[:, 0] + 0.5 * rng.normal(size=600) > 0).astype(int) + (X[:, 1] > 1)
    rows = subsample(600, y, 0, cap=250)
    monkeypatch.setattr(landmarking, "MAX_ROWS", 250)
    capped = meta_features.extract(X, y, groups="landmarking", warn=False)
    monkeypatch.setattr(landmarking, "MAX_ROWS", 10**9)
    on_sample = meta_features.extract(X[rows], y[rows], groups="landmarking", warn=False)
    full = meta_features.extract(X, y, groups="landmarking", warn=False)
    assert 240 <= rows.size <= 260
    np.testing.assert_allclose(capped.to_numpy(), on_sample.to_numpy())
    assert not np.allclose(capped.to_numpy(), full.to_numpy())


@pytest.mark.parametrize("kind", ["continuous", "few-values", "half-steps", "scaled", "tiny"])
def test_one_attribute_nn_by_binary_search_matches_kdtree(kind):
    """The 1-D 1-NN (sorted values, ties handed to the KD-tree) answers every row as the
    KD-tree does: equal values with different labels, equidistant values below and above."""
    from meta_features.landmarking import _kdtree_nn, _sorted_nn_1d

    rng = np.random.RandomState(1)
    for trial in range(40):
        n, m = rng.randint(1, 150), rng.randint(1, 40)
        if kind == "continuous":
            xtr, xte = rng.normal(size=n), rng.normal(size=m)
        elif kind == "few-values":
            xtr, xte = rng.randint(0, 5, n).astype(float), rng.randint(-1, 6, m).astype(float)
        elif kind == "half-steps":  # test values exactly between two training values
            xtr, xte = rng.randint(0, 20, n) * 0.5, rng.randint(0, 40, m) * 0.25
        elif kind == "scaled":
            xtr = np.round(rng.normal(size=n), 1) * 1e6 + 1e9
            xte = np.round(rng.normal(size=m), 1) * 1e6 + 1e9
        else:
            xtr, xte = rng.normal(size=1), rng.normal(size=m)
        y = rng.randint(0, 3, size=xtr.size)
        np.testing.assert_array_equal(
            _sorted_nn_1d(xtr[:, None], y, xte[:, None]), _kdtree_nn(xtr[:, None], y, xte[:, None])
        )

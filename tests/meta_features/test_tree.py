"""``meta_features._tree.fit_tree`` builds the very tree ``DecisionTreeClassifier`` builds."""
import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from meta_features import _tree
from uci import read_uci


def _assert_same_tree(ours, ref) -> None:
    assert ours.node_count == ref.node_count
    np.testing.assert_array_equal(ours.feature, ref.feature)
    np.testing.assert_array_equal(ours.threshold, ref.threshold)
    np.testing.assert_array_equal(ours.children_left, ref.children_left)
    np.testing.assert_array_equal(ours.n_node_samples, ref.n_node_samples)
    np.testing.assert_array_equal(ours.value, ref.value)
    np.testing.assert_array_equal(ours.compute_feature_importances(), ref.compute_feature_importances())


@pytest.mark.parametrize("name", ["iris", "pima", "ionosphere", "statlog-vehicle", "soybean"])
def test_fast_tree_equals_the_estimator_on_real_data(name, uci_home):
    X, y = read_uci(name, uci_home)
    N = X.select_dtypes("number").fillna(0).to_numpy(dtype=float)
    codes = np.unique(np.asarray(y), return_inverse=True)[1]
    rng = np.random.RandomState(0)
    for seed in (0, 1, 13):
        rows = np.sort(rng.choice(len(codes), int(0.9 * len(codes)), replace=False))  # a fold
        ours = _tree.fit_tree(N[rows], codes[rows], seed)
        ref = DecisionTreeClassifier(random_state=seed).fit(N[rows], codes[rows]).tree_
        _assert_same_tree(ours, ref)


def test_labels_absent_from_a_fold_and_the_public_fallback_agree(monkeypatch):
    rng = np.random.RandomState(2)
    X = rng.randint(0, 4, size=(120, 5)).astype(float)  # ties between splits everywhere
    y = rng.choice([0, 3, 7], size=120)  # codes with gaps, as in a fold missing a class
    fast = _tree.fit_tree(X, y, 5)
    monkeypatch.setattr(_tree, "_FAST_AVAILABLE", False)
    public = _tree.fit_tree(X, y, 5)
    _assert_same_tree(fast, public)
    _assert_same_tree(fast, DecisionTreeClassifier(random_state=5).fit(X, y).tree_)

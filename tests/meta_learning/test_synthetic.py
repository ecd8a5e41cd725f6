"""Synthetic tasks of the meta-training prior: reproducible, valid, varied."""
import numpy as np
import pytest

from sklearn_meta.meta_learning.synthetic import MIN_CLASS_ROWS, N_ROWS, synthetic_tasks


def test_tasks_are_a_function_of_the_seed():
    a, b = synthetic_tasks(4, random_state=3), synthetic_tasks(4, random_state=3)
    assert [t.name for t in a] == [f"synthetic-3-{i}" for i in range(4)]
    for s, t in zip(a, b):
        np.testing.assert_array_equal(s.X, t.X)
        np.testing.assert_array_equal(s.y, t.y)
    assert not np.array_equal(synthetic_tasks(1, random_state=4)[0].X[:5, :2], a[0].X[:5, :2])


def test_tasks_are_valid_classification_tasks_of_varied_shape():
    tasks = synthetic_tasks(40, random_state=0)
    widths, classes = set(), set()
    for t in tasks:
        assert t.X.shape[0] == N_ROWS and np.isfinite(t.X).all() and not t.regression
        labels, counts = np.unique(t.y, return_counts=True)
        np.testing.assert_array_equal(labels, np.arange(len(labels)))  # coded 0..k-1
        assert len(labels) >= 2 and counts.min() >= MIN_CLASS_ROWS
        widths.add(t.X.shape[1])
        classes.add(len(labels))
    assert min(widths) >= 3 and max(widths) <= 30 and len(widths) > 10
    assert len(classes) >= 3


def test_learnable_but_not_trivial():
    """The labels depend on the inputs: a forest beats the majority class on held-out rows."""
    from sklearn.ensemble import RandomForestClassifier

    gains = []
    for t in synthetic_tasks(6, random_state=1):
        clf = RandomForestClassifier(50, random_state=0).fit(t.X[:384], t.y[:384])
        majority = np.bincount(t.y[384:]).max() / 128
        gains.append(clf.score(t.X[384:], t.y[384:]) - majority)
    assert np.mean(gains) > 0.1


def test_negative_count_is_refused():
    with pytest.raises(ValueError, match="n_tasks must be >= 0"):
        synthetic_tasks(-1)

"""The bundled scikit-learn suite and the data-home resolution."""
from __future__ import annotations

import numpy as np
import pytest

from sklearn_meta.datasets import DatasetError, Task, get_data_home, load_suite, load_task


def test_bundled_suite_is_deterministic():
    tasks = load_suite("sklearn")
    assert [t.name for t in tasks] == ["iris", "wine", "breast_cancer", "digits", "diabetes"]
    again = load_suite("sklearn", names=["iris"])[0]
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(tasks[0].splits, again.splits))
    diabetes = tasks[-1]
    assert diabetes.task_type == "regression" and diabetes.n_classes is None
    iris = tasks[0]
    # stratified folds: each test fold holds 10 of each class
    for _, te in iris.splits:
        assert np.bincount(iris.y[te]).tolist() == [10, 10, 10]


def test_task_type_filter_and_load_task():
    reg = load_suite("sklearn", task_type="regression")
    assert [t.name for t in reg] == ["diabetes"]
    assert load_task("sklearn:wine").n_rows == 178
    with pytest.raises(DatasetError, match="task reference"):
        load_task("wine")


def test_data_home_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("SKLEARN_META_DATA", str(tmp_path))
    assert get_data_home() == tmp_path
    assert get_data_home("/x/y") == type(tmp_path)("/x/y")
    monkeypatch.delenv("SKLEARN_META_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert get_data_home() == tmp_path / "cache" / "sklearn-meta"


def test_task_validation_names_the_problem():
    import pandas as pd

    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]})
    ok = dict(name="t", X=X, y=np.array([0, 1, 0, 1]), task_type="classification",
              categorical=[False], splits=[([0, 1], [2, 3])], source={"suite": "mine"})
    Task(**ok)
    with pytest.raises(DatasetError, match="suite 'mine', task 't'.*out of range"):
        Task(**{**ok, "splits": [([0, 1], [2, 7])]})
    with pytest.raises(DatasetError, match="overlap"):
        Task(**{**ok, "splits": [([0, 1], [1, 3])]})
    with pytest.raises(DatasetError, match="y must be 1-d with 4"):
        Task(**{**ok, "y": np.array([0, 1])})
    with pytest.raises(DatasetError, match="missing values"):
        Task(**{**ok, "task_type": "regression", "y": np.array([0.0, np.nan, 1.0, 2.0])})


def test_stratified_rows_edge_cases():
    from sklearn_meta.datasets.task import stratified_rows

    y = np.array([0] * 90 + [1] * 8 + [2] * 2)
    rows = stratified_rows(y, 10, random_state=1)
    assert len(rows) == 10 and np.bincount(y[rows]).tolist() == [8, 1, 1]
    assert np.array_equal(rows, stratified_rows(y, 10, random_state=1))
    # fewer rows left out than classes: train_test_split refuses, we do not
    many = np.repeat(np.arange(30), 2)
    rows = stratified_rows(many, 58)
    assert len(rows) == 58 and len(np.unique(many[rows])) == 30
    # more classes than rows: one row each for as many classes as fit
    rows = stratified_rows(many, 5)
    assert len(rows) == 5 and len(np.unique(many[rows])) == 5


def test_subsample_keeps_every_class_when_few_rows_are_dropped():
    import pandas as pd

    from sklearn_meta.datasets import stratified_subsample

    y = np.repeat(np.arange(20), 3)
    task = Task(name="t", X=pd.DataFrame({"a": np.arange(60.0)}), y=y,
                task_type="classification", categorical=[False],
                splits=[(np.arange(0, 60, 2), np.arange(1, 60, 2))])
    small = stratified_subsample(task, 57)
    assert small.n_rows == 57 and small.n_classes == 20
    assert small.X["a"].is_monotonic_increasing

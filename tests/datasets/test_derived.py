"""Regression tasks derived from classification data sets."""
import numpy as np
import pandas as pd
import pytest

from sklearn_meta.datasets import Task, load_suite
from sklearn_meta.datasets.derived import (derive_regression_task, regression_target_column,
                                           source_name)
from sklearn_meta.datasets.twins import same_data_names
from sklearn_meta.meta_learning import derive_regression_tasks as corpus_derive, load_uci121


def test_derived_task_on_real_data_matches_meta_training(data_home):
    tasks = load_suite("uci121", data_home=data_home, names=["abalone", "balloons"])
    by_name = {t.name: t for t in tasks}
    reg = derive_regression_task(by_name["abalone"])
    # the same name (target column) as the regression tasks of meta-training
    corpus = corpus_derive(load_uci121(data_home, names=["abalone"]))
    assert reg.name == corpus[0].name == "abalone:col4"
    assert reg.task_type == "regression" and reg.n_classes is None
    src = by_name["abalone"].X
    assert reg.X.shape == (src.shape[0], src.shape[1] - 1)
    np.testing.assert_allclose(reg.y, src.iloc[:, 4].to_numpy(np.float64))
    assert src.columns[4] not in reg.X.columns
    assert reg.source["derived_from"] == "abalone"
    assert [len(tr) for tr, _ in reg.splits] == [len(tr) for tr, _ in by_name["abalone"].splits]
    # balloons has 4 binary columns: no column is varied enough to be a regression target
    assert derive_regression_task(by_name["balloons"]) is None


def test_derived_task_shares_its_sources_data_for_leave_out_checks():
    assert source_name("abalone:col4") == "abalone" and source_name("abalone") == "abalone"
    assert same_data_names("monks-1:col2") == {"monks-1", "monks-2", "monks-3"}
    assert "abalone" in same_data_names("abalone:col4")


def test_categorical_and_missing_values_are_handled():
    rng = np.random.default_rng(0)
    n = 60
    X = pd.DataFrame({"cat": pd.Categorical(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), n)),
                      "x": rng.normal(size=n), "z": rng.integers(0, 3, n).astype(float)})
    X.loc[[3, 7], "x"] = np.nan
    t = Task("toy", X, rng.integers(0, 2, n), "classification",
             categorical=[True, False, False], splits=[(np.arange(40), np.arange(40, n))])
    reg = derive_regression_task(t)
    assert reg.name == "toy:col1"  # the categorical column is never the target
    assert len(reg.y) == n - 2 and np.isfinite(reg.y).all()  # rows with a missing target go
    assert list(reg.categorical) == [True, False]
    assert all(te.max() < n - 2 for _, te in reg.splits)
    assert regression_target_column(np.zeros((10, 2))) is None  # fewer than 3 columns
    with pytest.raises(ValueError, match="classification task"):
        derive_regression_task(reg)

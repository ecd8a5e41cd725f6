"""From a user review on new tables: a constant column must not move a task away from its
neighbours (it made correlation/skewness/kurtosis NaN, and "auto" silently dropped the
neighbours); settings the user gave that the search space cannot hold are announced, not
silently replaced in the first trial; and the near/far decision is shown with its numbers."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier

import meta_features
from sklearn_meta.cli.main import main
from sklearn_meta.search.knowledge_base import compute_meta_features, drop_constant_columns
from sklearn_meta.search.suggest import neighbours_for, suggest_configs, suggest_pairs
from sklearn_meta.search.knowledge_base import KnowledgeBase


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True, as_frame=True)
    return X, y


def test_a_constant_column_leaves_the_description_and_neighbours_unchanged(wine):
    X, y = wine
    with_const = X.assign(year=1992, flag=np.where(np.arange(len(X)) % 7 == 0, np.nan, 1.0))
    a, b = compute_meta_features(X, y), compute_meta_features(with_const, y)
    assert np.isfinite(b["cor.mean"]) and b["cor.mean"] == pytest.approx(a["cor.mean"])
    assert b == pytest.approx(a, nan_ok=True)
    kb = KnowledgeBase.load()
    near = neighbours_for(X, y, kb, "meta-features", "classification")
    also = neighbours_for(with_const, y, kb, "meta-features", "classification")
    assert also.names[:5] == near.names[:5]
    np.testing.assert_allclose(also.distances[:5], near.distances[:5])
    # arrays too; every column constant: kept as they are (nothing else to describe)
    arr = with_const.to_numpy()
    assert drop_constant_columns(arr).shape[1] == X.shape[1]
    ones = np.ones((5, 3))
    assert drop_constant_columns(ones) is ones


def test_meta_features_warning_names_the_constant_columns(wine):
    X, y = wine
    with pytest.warns(meta_features.MetaFeatureWarning,
                      match=r"constant column\(s\) \['year'\] leave correlations"):
        mf = meta_features.extract(X.assign(year=1992), y, groups=["statistical"], n_jobs=1)
    assert np.isnan(mf["cor.mean"])  # as pymfe: the values themselves are not changed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        meta_features.extract(X, y, groups=["statistical"], n_jobs=1)


def test_settings_outside_the_space_are_announced(wine):
    X, y = wine
    with pytest.warns(UserWarning, match=r"estimator: settings outside the search space .*"
                                         r"n_estimators=500 \(space: 16\.\.128; tried as 128\)"):
        first = suggest_configs(X, y, RandomForestClassifier(n_estimators=500,
                                                             min_samples_leaf=3), n=1)[0]
    assert first["n_estimators"] == 128 and first["min_samples_leaf"] == 3
    with warnings.catch_warnings():  # defaults, and settings inside the space: no warning
        warnings.simplefilter("error")
        suggest_configs(X, y, RandomForestClassifier(), n=1)
        suggest_configs(X, y, RandomForestClassifier(n_estimators=64, min_samples_leaf=3), n=1)
        suggest_configs(X, y, RandomForestClassifier(n_estimators=500), n=1,
                        search_space={"n_estimators": [100, 500]})


def test_the_near_check_is_reported_with_its_numbers(tmp_path, capsys):
    rng = np.random.RandomState(0)
    X = rng.standard_cauchy((200, 40)) ** 3  # unlike any knowledge-base task
    y = (X[:, 0] > 0).astype(int)
    _, info = suggest_pairs(X, y, ["knn"], n=2)
    check = info["near_check"]
    assert not info["used_neighbours"] and check["kind"] == "meta-features"
    assert check["distance"] > check["threshold"] > 0
    table = tmp_path / "far.csv"
    pd.DataFrame(X).assign(target=y).to_csv(table, index=False)
    assert main(["suggest", str(table), "--target", "target", "--estimator", "knn",
                 "-n", "2"]) == 0
    out = capsys.readouterr().out
    assert (f"not used: none is near enough (in meta-features: nearest {check['task']} at "
            f"{check['distance']:.3g}, near means at most {check['threshold']:.3g})") in out


def test_a_many_class_target_is_described_as_the_search_reads_it():
    """meta_features reads an integer target with more than 50 distinct values (and a tenth
    of the rows) as regression; a knowledge base's 100-class tasks (uci121's plant-*) and a
    query the search treats as classification must still be described as classes, meta-
    features and embedding alike (a rebuild had turned plant-*'s class entropy to NaN and
    moved their embeddings by 1.7)."""
    from sklearn_meta.search.knowledge_base import embed_task
    from sklearn_meta.search.suggest import default_embedder

    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(100), 3)  # 300 rows, 100 classes
    X = rng.normal(size=(300, 6)) + y[:, None] * 0.01
    as_classes = compute_meta_features(X, y, "classification")
    assert np.isfinite(as_classes["class_ent"])
    assert np.isnan(compute_meta_features(X, y).get("class_ent", np.nan))  # as regression alone
    embed = default_embedder()
    a = embed_task(embed, X, y, "classification")
    assert not np.allclose(a, embed_task(embed, X, y, "regression"))
    labels = np.array([f"c{v:03d}" for v in y])  # strings, in the same order: classes
    assert np.allclose(a, embed_task(embed, X.copy(), labels, None))
    kb = KnowledgeBase()
    kb.add_task("hundred", X, y, "classification", embed)
    assert kb.tasks["hundred"]["embedding"] == pytest.approx(list(a))
    assert kb.tasks["hundred"]["meta_features"][kb.meta_feature_names.index("class_ent")] \
        == pytest.approx(as_classes["class_ent"])

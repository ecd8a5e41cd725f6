"""Task variants for the warm-start knowledge base (sklearn_meta.datasets.augment)."""
import gzip
import json

import numpy as np
import pytest

from sklearn_meta.cli.main import main
from sklearn_meta.datasets import load_suite
from sklearn_meta.datasets.augment import augment_task, augment_tasks
from sklearn_meta.datasets.derived import derive_regression_task, source_name
from sklearn_meta.datasets.twins import same_data_names


@pytest.fixture(scope="module")
def uci(data_home):
    return {t.name: t for t in load_suite("uci121", data_home=data_home,
                                          names=["abalone", "iris", "pima", "balloons"])}


def test_cols_keeps_half_of_the_columns_and_every_row(uci):
    src = uci["abalone"]
    v = augment_task(src, "cols")
    assert v.name == "abalone:aug-cols" and v.source["augmented_from"] == "abalone"
    assert v.X.shape == (src.X.shape[0], (src.X.shape[1] + 1) // 2)
    assert set(v.X.columns) < set(src.X.columns)
    for c in v.X.columns:  # the kept columns are the source's, unchanged, with their kinds
        np.testing.assert_array_equal(v.X[c].to_numpy(), src.X[c].to_numpy())
        assert v.categorical[list(v.X.columns).index(c)] == \
            src.categorical[list(src.X.columns).index(c)]
    np.testing.assert_array_equal(v.y, src.y)
    assert [(tr.tolist(), te.tolist()) for tr, te in v.splits] == \
        [(tr.tolist(), te.tolist()) for tr, te in src.splits]
    again = augment_task(src, "cols")  # deterministic, from the name
    assert list(again.X.columns) == list(v.X.columns)
    assert augment_task(uci["iris"], "cols") is not None  # 4 columns: 2 kept


def test_noise_appends_independent_columns(uci):
    src = uci["pima"]
    v = augment_task(src, "noise")
    p = src.X.shape[1]
    assert v.X.shape == (len(src.X), 2 * p)
    noise = v.X.iloc[:, p:].to_numpy()
    assert not v.categorical[p:].any()
    assert abs(noise.mean()) < 0.1 and 0.9 < noise.std() < 1.1
    # pure noise: no column tells the classes apart
    y = (src.y == src.y[0]).astype(float)
    assert np.max(np.abs([np.corrcoef(c, y)[0, 1] for c in noise.T])) < 0.15
    np.testing.assert_array_equal(augment_task(src, "noise").X.to_numpy(), v.X.to_numpy())


def test_ovr_makes_the_most_frequent_class_against_the_rest(uci):
    src = uci["abalone"]
    values, counts = np.unique(src.y.astype(str), return_counts=True)
    v = augment_task(src, "ovr")
    top = values[np.argmax(counts)]
    assert set(v.y) == {top, "other"}
    assert (v.y == top).sum() == counts.max()
    assert augment_task(uci["pima"], "ovr") is None  # already binary
    named = src.__class__(name="t", X=src.X, y=np.where(src.y.astype(str) == top, "other",
                                                        src.y.astype(str)),
                          task_type="classification", categorical=src.categorical,
                          splits=src.splits)
    v = augment_task(named, "ovr")  # the largest class is called "other" itself
    assert set(v.y) == {"other", "_other"}
    reg = derive_regression_task(src)
    assert augment_task(reg, "ovr") is None


def test_variants_are_held_out_with_their_source(uci):
    names = [t.name for t in augment_tasks([uci["abalone"], uci["balloons"]])]
    # balloons: 4 columns (cols applies), binary (no ovr)
    assert names == ["abalone:aug-cols", "abalone:aug-noise", "abalone:aug-ovr",
                     "balloons:aug-cols", "balloons:aug-noise"]
    assert source_name("abalone:aug-cols") == "abalone"
    assert source_name("abalone:col4:aug-noise") == "abalone"
    assert same_data_names("monks-1:aug-ovr") == {"monks-1", "monks-2", "monks-3"}
    with pytest.raises(ValueError, match="kind must be one of"):
        augment_task(uci["iris"], "rotate")


def test_build_kb_adds_variants_of_training_tasks_only(tmp_path, data_home, capsys):
    heldout = tmp_path / "heldout.txt"
    heldout.write_text("iris\ndigits\n")
    out = tmp_path / "kb.json.gz"
    base = ["build-kb", "--suite", "sklearn", "--families", "knn", "--storage",
            str(tmp_path / "kb.log"), "--heldout", str(heldout), "--out", str(out),
            "--embedder", "none"]
    assert main([*base, "--augment", "cols,shuffle"]) == 2
    assert "--augment: unknown kinds ['shuffle']" in capsys.readouterr().err
    assert main([*base, "--augment", "ovr"]) == 0
    with gzip.open(out, "rt") as f:
        kb = json.load(f)
    # wine (3 classes) gets its variant, breast_cancer (binary) none, held-out ones none
    assert set(kb["tasks"]) == {"wine", "breast_cancer", "wine:aug-ovr"}
    assert kb["info"]["augment"] == "ovr"

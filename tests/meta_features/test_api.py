"""list_features and MetaFeatureExtractor."""
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris, load_wine

from meta_features import MetaFeatureExtractor, MetaFeatureWarning, extract, list_features


def test_list_features_covers_extracted_names():
    lf = list_features("default")
    assert list(lf.columns) == ["name", "group", "description", "needs_target"]
    assert lf["name"].is_unique and (lf["description"].str.len() > 10).all()
    X, y = load_iris(return_X_y=True)
    base = {n.split(".")[0] for n in extract(X, y, warn=False).index}
    assert base == set(lf["name"])
    assert set(list_features("statistical")["group"]) == {"statistical"}


def test_default_groups_have_pymfe_count():
    X, y = load_iris(return_X_y=True)
    assert len(extract(X, y, warn=False)) == 111  # pymfe 0.4.4 default: 111 values


def test_extractor_stable_columns():
    iris, wine = load_iris(return_X_y=True), load_wine(return_X_y=True)
    ext = MetaFeatureExtractor(groups=["general", "statistical"], random_state=0)
    M = ext.fit_transform([iris, wine])
    assert M.shape == (2, len(ext.get_feature_names_out()))
    assert list(M.columns) == sorted(M.columns)
    # A regression task lacks class features: same columns, NaN there.
    Xr = np.random.RandomState(0).normal(size=(50, 3))
    R = ext.transform([(Xr, Xr[:, 0] * 0.5 + 0.1)])
    assert list(R.columns) == list(M.columns) and np.isnan(R.loc[0, "nr_class"])
    again = ext.transform([wine])
    pd.testing.assert_series_equal(again.iloc[0], M.iloc[1], check_names=False)


def test_extractor_rejects_bad_input():
    with pytest.raises(ValueError, match="datasets"):
        MetaFeatureExtractor().fit([np.ones((3, 3))])


@pytest.mark.parametrize("n", [900, 2000])  # background trees; and threads over the folds
def test_threads_do_not_change_values(n, monkeypatch):
    """n_jobs only moves work onto threads (the trees of landmarking and model-based in the
    background, the landmarking folds on larger data): the values are identical."""
    from meta_features import landmarking, model_based

    started = []
    for mod in (landmarking, model_based):
        hook = mod.prefetch
        monkeypatch.setattr(mod, "prefetch", lambda d, ex, hook=hook: started.append(hook) or hook(d, ex))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 6))
    y = (X[:, 0] + rng.normal(scale=0.7, size=n) > 0).astype(int) + (X[:, 1] > 1)
    one = extract(X, y, warn=False, n_jobs=1)
    assert not started
    many = extract(X, y, warn=False, n_jobs=-1)
    two = extract(X, y, warn=False, n_jobs=2)
    pd.testing.assert_series_equal(one, many)
    pd.testing.assert_series_equal(one, two)
    assert len(started) == 4  # both hooks ran in each threaded call
    assert np.isfinite(one[["one_nn.mean", "worst_node.mean", "elite_nn.mean"]]).all()


@pytest.mark.parametrize("bad", [0, 1.5, "2", True])
def test_bad_n_jobs_is_a_clear_error(bad):
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="n_jobs"):
        extract(X, y, n_jobs=bad)


def test_target_type_inference():
    """Whole-number floats with many values are regression (diabetes); class codes are not."""
    from sklearn.datasets import load_diabetes

    from meta_features import infer_target_type

    y = load_diabetes().target
    assert infer_target_type(y) == "regression"
    assert infer_target_type(np.arange(100) % 3 * 1.0) == "classification"
    assert infer_target_type(np.linspace(0, 1, 50)) == "regression"
    assert infer_target_type(np.arange(500) % 26) == "classification"  # integer codes
    assert infer_target_type(np.array(["a", "b"] * 10)) == "classification"
    X = np.random.RandomState(0).normal(size=(y.size, 3))
    assert "class_ent" not in extract(X, y, groups="info-theory", warn=False)


def test_an_integer_price_is_regression_as_the_search_reads_it():
    """diabetes' target as whole-number integers (214 values in 442 rows): regression, with
    a note naming the choice (it was read as 214 classes); a 26-class integer code and an
    explicit target_type stay classes."""
    from sklearn.datasets import load_diabetes

    from meta_features import infer_target_type

    X, y = load_diabetes(return_X_y=True)
    y_int = y.astype(np.int64)
    assert infer_target_type(y_int) == "regression"
    assert infer_target_type(y_int.astype(object)) == "regression"
    assert infer_target_type(np.arange(1600) % 100) == "classification"  # 100 classes
    with pytest.warns(MetaFeatureWarning, match="integer target with 214 distinct values is "
                                                "read as regression"):
        mf = extract(X, y_int, groups="general")
    assert "nr_class" not in mf.index
    mf = extract(X, y_int, groups="general", target_type="classification", warn=False)
    assert mf["nr_class"] == 214


def test_the_high_cardinality_note_names_its_columns():
    """A text column of more than 100 levels is left out of the numeric view; the warning
    names it (it gave only a count)."""
    X, y = load_wine(return_X_y=True, as_frame=True)
    X = X.assign(batch=[f"b{i}" for i in range(len(X))])  # 178 levels
    with pytest.warns(MetaFeatureWarning, match=r"categorical column\(s\) \['batch'\] with "
                                                r"more than 100 levels"):
        extract(X, y, groups="statistical")

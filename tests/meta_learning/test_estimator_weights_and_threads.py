"""MetaMLP estimators: sample weights, fits in threads, sparse input, time budget, cores.

From a review: uneven weights multiplied the targets of the closed-form head every member
starts from (a ridge of w*y weighted by w^2, right only for 0/1 masks); rows of weight 0
still moved the column statistics and the preprocessing; seeded fits in threads drew from
torch's global generator between another fit's seed and its draws; a sparse one-hot matrix
was refused; the regressor's target-transform comparison ran with the full max_time per fit;
n_jobs=-1 counted the machine's cores, not those the process may use."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklearn_meta.estimators import MetaMLPClassifier, MetaMLPRegressor
from sklearn_meta.estimators._adapt import resolve_init
from sklearn_meta.estimators.meta_mlp import MAX_DENSE_CELLS, torch_threads
from sklearn_meta.nn.episodes import column_features
from sklearn_meta.nn.network import SchemaNet


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return X[:240], y[:240]


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X[:240], y[:240]


def _ridge_head(Z, y, w, regression, cf):
    net = resolve_init("pretrained", 0, blend=1.0)[0]
    theta = {k: v.detach() for k, v in net.meta_params().items()}
    if "log_ridge" not in theta:
        pytest.skip("the packaged network has no closed-form head")
    t = lambda a, dt=torch.float32: torch.as_tensor(np.asarray(a), dtype=dt)
    cf = t(cf)
    emb = torch.zeros(net.config.embed_dim)
    return SchemaNet.make_fast_ridge_path(
        theta, t(Z), t(y, torch.float32 if regression else torch.long), t(w),
        torch.ones(Z.shape[1]), torch.ones(2), cf, emb, ridge_mults=(1.0,),
        regression=regression)[0]


@pytest.mark.parametrize("regression", [False, True])
def test_a_weight_counts_a_row_that_many_times_in_the_initial_head(cancer, diabetes,
                                                                  regression):
    X, y = diabetes if regression else cancer
    Z = StandardScaler().fit_transform(X)[:60]
    y = ((y - y.mean()) / y.std())[:60] if regression else y[:60]
    w = np.ones(60)
    w[:20] = 3.0
    cf = column_features(Z, y, 0 if regression else 2, regression=regression)
    weighted = _ridge_head(Z, y, w, regression, cf)
    repeated = _ridge_head(np.vstack([Z, Z[:20], Z[:20]]), np.r_[y, y[:20], y[:20]],
                           np.ones(100), regression, cf)
    for k in weighted:
        np.testing.assert_allclose(weighted[k].numpy(), repeated[k].numpy(), rtol=2e-3,
                                   atol=2e-4, err_msg=k)


@pytest.mark.parametrize("max_iter", [0, 30])
def test_rows_of_weight_zero_are_as_if_dropped(cancer, diabetes, max_iter):
    for est, (X, y) in ((MetaMLPClassifier, cancer), (MetaMLPRegressor, diabetes)):
        w = np.r_[np.ones(80), np.zeros(len(y) - 80)]
        y_flipped = y.copy()
        if est is MetaMLPClassifier:  # their labels must not matter either
            y_flipped[80:] = 1 - y_flipped[80:]
        kept = est(max_iter=max_iter, random_state=0).fit(X, y_flipped, sample_weight=w)
        dropped = est(max_iter=max_iter, random_state=0).fit(X[:80], y[:80])
        out = "predict_proba" if est is MetaMLPClassifier else "predict"
        np.testing.assert_allclose(getattr(kept, out)(X), getattr(dropped, out)(X),
                                   rtol=1e-5, atol=1e-6)


def test_seeded_fits_in_threads_repeat_the_sequential_fit(cancer):
    X, y = cancer
    make = lambda: MetaMLPClassifier(max_iter=10, n_ensemble=2, random_state=0)
    ref = make().fit(X, y).predict_proba(X)
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda _: make().fit(X, y).predict_proba(X), range(8)))
    for out in outs:
        np.testing.assert_array_equal(out, ref)


def test_a_sparse_one_hot_matrix_is_read(cancer):
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": cancer[0][:, 0], "city": rng.choice([f"c{i}" for i in range(30)],
                                                               len(cancer[1]))})
    y = cancer[1]
    encode = make_column_transformer((OneHotEncoder(handle_unknown="ignore"), ["city"]),
                                     (StandardScaler(), ["x"]), sparse_threshold=1.0)
    Zs = encode.fit_transform(X)
    assert sp.issparse(Zs)
    est = MetaMLPClassifier(max_iter=10, random_state=0)
    np.testing.assert_allclose(est.fit(Zs, y).predict_proba(Zs),
                               MetaMLPClassifier(max_iter=10, random_state=0)
                               .fit(Zs.toarray(), y).predict_proba(Zs.toarray()))
    assert make_pipeline(encode, est).fit(X, y).score(X, y) > 0.8
    huge = sp.csr_matrix((10, MAX_DENSE_CELLS // 10 + 1))
    with pytest.raises(ValueError, match="X: a sparse matrix of 10 x"):
        est.fit(huge, y[:10])


@pytest.mark.parametrize("fmt", ["coo", "dia", "bsr"])
def test_sparse_formats_without_row_indexing_reach_the_target_comparison(diabetes, fmt):
    X, y = diabetes
    heavy = np.sign(y - 150) * np.abs(y - 150) ** 3  # heavy tails: "auto" compares
    est = MetaMLPRegressor(max_iter=3, n_ensemble=1, random_state=0)
    est.fit(sp.csr_matrix(X).asformat(fmt), heavy)
    assert est.target_transform_scores_ is not None
    assert np.isfinite(est.predict(sp.csr_matrix(X).asformat(fmt))).all()


def test_the_target_transform_comparison_shares_max_time(diabetes, monkeypatch):
    X, y = diabetes
    heavy = np.sign(y - 150) * np.abs(y - 150) ** 3  # heavy tails: "auto" compares
    seen = {}
    original = MetaMLPRegressor._validate_target_transforms

    def spy(self, X, y, w, budget=None):
        seen["budget"] = budget
        return original(self, X, y, w, budget=budget)

    monkeypatch.setattr(MetaMLPRegressor, "_validate_target_transforms", spy)
    MetaMLPRegressor(max_iter=5, max_time=4.0, random_state=0).fit(X, heavy)
    assert seen["budget"] == 2.0
    est = MetaMLPRegressor(max_iter=5, random_state=0)
    scores = original(est, X, heavy, None, budget=1e-9)  # no time at all: not compared
    assert np.isnan(scores["standardize"]) and np.isnan(scores["se_difference"])


def test_all_cores_means_the_cores_this_process_may_use():
    with torch_threads(-1):
        assert torch.get_num_threads() == joblib.cpu_count()

"""The schema-agnostic network: any columns, any classes, column-permutation invariance."""
import numpy as np
import pytest
import torch

from sklearn_meta.nn import SchemaNet, column_features
from sklearn_meta.nn.network import task_loss


def _fast(net, X, y, k, regression=False):
    cf = torch.from_numpy(column_features(X, y, k, regression=regression))
    ydt = torch.float32 if regression else torch.long
    theta = dict(net.named_parameters())
    return SchemaNet.make_fast(theta, torch.tensor(X, dtype=torch.float32),
                               torch.tensor(y, dtype=ydt), torch.ones(len(y)),
                               torch.ones(X.shape[1]), torch.ones(k), cf,
                               torch.zeros(net.config.embed_dim), regression=regression)


@pytest.mark.parametrize("d,k", [(1, 2), (7, 3), (40, 12)])
def test_any_schema(d, k):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, d)).astype(np.float32)
    y = rng.integers(0, k, 50)
    net = SchemaNet()
    fast = _fast(net, X, y, k)
    out = SchemaNet.forward_fast(fast, torch.tensor(X), torch.ones(k))
    assert out.shape == (50, k) and torch.isfinite(out).all()
    loss = task_loss(fast, torch.tensor(X), torch.tensor(y), torch.ones(50), torch.ones(k))
    assert torch.isfinite(loss)


def test_column_permutation_invariance():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 6)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    net = SchemaNet()
    perm = rng.permutation(6)
    a = SchemaNet.forward_fast(_fast(net, X, y, 2), torch.tensor(X), torch.ones(2))
    b = SchemaNet.forward_fast(_fast(net, X[:, perm], y, 2), torch.tensor(X[:, perm]),
                               torch.ones(2))
    assert torch.allclose(a, b, atol=1e-4)


def test_prototype_head_separates_classes_without_training():
    rng = np.random.default_rng(2)
    X = np.concatenate([rng.normal(-2, 1, (40, 4)), rng.normal(2, 1, (40, 4))]).astype(np.float32)
    y = np.repeat([0, 1], 40)
    net = SchemaNet()
    out = SchemaNet.forward_fast(_fast(net, X, y, 2), torch.tensor(X), torch.ones(2))
    assert (out.argmax(1).numpy() == y).mean() > 0.9


def test_regression_head_fits_linear_target():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 5)).astype(np.float32)
    y = (X @ rng.normal(size=5)).astype(np.float32)
    y = (y - y.mean()) / y.std()
    net = SchemaNet()
    pred = SchemaNet.forward_fast(_fast(net, X, y, 1, regression=True), torch.tensor(X),
                                  torch.ones(1))
    assert float(((pred.detach().numpy() - y) ** 2).mean()) < 0.5


@pytest.mark.parametrize("n", [20, 200])  # dual (N < P) and primal (N >= P) ridge forms
def test_ridge_head_is_the_closed_form_ridge_solution(n):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(n, 5)).astype(np.float32)
    y = rng.integers(0, 3, n)
    net = SchemaNet()
    fast = _fast(net, X, y, 3)
    z = SchemaNet.body(fast, torch.tensor(X)).detach().numpy().astype(np.float64)
    F = np.hstack([z, X])
    Y = np.eye(3)[y]
    Fc, Yc = F - F.mean(0), Y - Y.mean(0)
    lam = float(torch.exp(net.log_ridge.detach()))
    W = np.linalg.solve(Fc.T @ Fc / n + lam * np.eye(F.shape[1]), Fc.T @ Yc / n)
    scale = float(torch.exp(net.log_head_scale.detach()))
    got = np.hstack([fast["W_h"].detach().numpy(), fast["W_x"].detach().numpy()]).T / scale
    assert np.allclose(got, W, atol=2e-3)


def test_proto_head_still_available():
    from sklearn_meta.nn import NetConfig
    net = SchemaNet(NetConfig(head="proto"))
    assert not hasattr(net, "log_ridge")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 3)).astype(np.float32)
    fast = _fast(net, X, np.arange(30) % 2, 2)
    assert "W_x" not in fast and fast["W_h"].shape == (2, net.config.hidden)
    with pytest.raises(ValueError, match="head"):
        NetConfig(head="svm")


def test_random_input_component_is_column_equivariant_and_scaled():
    from sklearn_meta.nn import NetConfig
    rng = np.random.default_rng(6)
    X = rng.normal(size=(40, 5)).astype(np.float32)
    y = rng.integers(0, 2, 40)
    net = SchemaNet(NetConfig(input_noise=1.0))
    cf = torch.from_numpy(column_features(X, y, 2))
    theta = dict(net.named_parameters())
    noise = torch.randn(5, net.config.hidden)

    def fast(cols, nz):
        return SchemaNet.make_fast(theta, torch.tensor(X[:, cols]), torch.tensor(y),
                                   torch.ones(40), torch.ones(5), torch.ones(2), cf[cols],
                                   torch.zeros(net.config.embed_dim), noise=nz)

    ident = np.arange(5)
    base = SchemaNet.make_fast(theta, torch.tensor(X), torch.tensor(y), torch.ones(40),
                               torch.ones(5), torch.ones(2), cf,
                               torch.zeros(net.config.embed_dim))
    f = fast(ident, noise)
    # the random part adds exp(log_input_noise) * noise / sqrt(d) to the column-encoder part
    expect = base["W_in"] + float(torch.exp(net.log_input_noise)) * noise / np.sqrt(5)
    assert torch.allclose(f["W_in"], expect, atol=1e-6)
    # permuting the columns together with their random rows gives the same function
    perm = rng.permutation(5)
    a = SchemaNet.forward_fast(f, torch.tensor(X), torch.ones(2))
    b = SchemaNet.forward_fast(fast(perm, noise[perm]), torch.tensor(X[:, perm]), torch.ones(2))
    assert torch.allclose(a, b, atol=1e-4)
    # without the component the noise argument is ignored
    plain = SchemaNet(NetConfig(input_noise=0.0))
    th = dict(plain.named_parameters())
    args = (torch.tensor(X), torch.tensor(y), torch.ones(40), torch.ones(5), torch.ones(2), cf,
            torch.zeros(plain.config.embed_dim))
    assert torch.equal(SchemaNet.make_fast(th, *args, noise=noise)["W_in"],
                       SchemaNet.make_fast(th, *args)["W_in"])


def test_column_scale_starts_neutral_and_acts_as_per_column_penalty():
    from sklearn_meta.nn import NetConfig
    rng = np.random.default_rng(7)
    X = rng.normal(size=(40, 5)).astype(np.float32)
    y = rng.integers(0, 3, 40)
    cf = torch.from_numpy(column_features(X, y, 3))
    noise = torch.randn(5, 64)
    torch.manual_seed(0)
    scaled = SchemaNet(NetConfig(column_scale=True))
    torch.manual_seed(0)
    plain = SchemaNet(NetConfig())

    def out(net):
        th = dict(net.named_parameters())
        f = SchemaNet.make_fast(th, torch.tensor(X), torch.tensor(y), torch.ones(40),
                                torch.ones(5), torch.ones(3), cf, torch.zeros(16), noise=noise)
        return f, SchemaNet.forward_fast(f, torch.tensor(X), torch.ones(3))

    assert torch.allclose(out(scaled)[1], out(plain)[1], atol=1e-5)  # zero-init: scale 1
    with torch.no_grad():
        scaled.col_scale.bias.fill_(1.0)  # every column x e: weaker effective ridge penalty
    f, logits = out(scaled)
    assert not torch.allclose(logits, out(plain)[1], atol=1e-3)
    # the skip-path weights are mapped back to the raw columns: X @ W_x equals the ridge fit
    # on scaled columns, so predictions stay finite and the loss differentiates the scale
    loss = task_loss(f, torch.tensor(X), torch.tensor(y), torch.ones(40), torch.ones(3))
    (g,) = torch.autograd.grad(loss, scaled.col_scale.bias)
    assert torch.isfinite(logits).all() and float(g.abs()) > 0


@pytest.mark.parametrize("n,regression", [(20, False), (200, False), (20, True), (200, True)])
def test_ridge_path_equals_one_make_fast_per_strength(n, regression):
    # the estimator picks the ridge strength from one shared Gram matrix: each head must be
    # exactly what make_fast gives for that strength alone
    rng = np.random.default_rng(7)
    X = rng.normal(size=(n, 30)).astype(np.float32)
    y = rng.normal(size=n).astype(np.float32) if regression else rng.integers(0, 3, n)
    k = 1 if regression else 3
    net = SchemaNet()
    theta = {k_: v.detach() for k_, v in net.named_parameters()}
    cf = torch.from_numpy(column_features(X, y, k, regression=regression))
    noise = torch.from_numpy(rng.normal(size=(30, net.config.hidden)).astype(np.float32))
    args = (theta, torch.tensor(X), torch.tensor(y), torch.ones(n), torch.ones(30),
            torch.ones(k), cf, torch.zeros(net.config.embed_dim))
    mults = (0.1, 1.0, 10.0)
    path = SchemaNet.make_fast_ridge_path(*args, ridge_mults=mults, regression=regression,
                                          noise=noise)
    assert len(path) == 3
    for m, head in zip(mults, path):
        one = SchemaNet.make_fast(*args, regression=regression, ridge_mult=m, noise=noise)
        assert head.keys() == one.keys()
        for key in one:
            assert torch.allclose(head[key], one[key], rtol=1e-5, atol=1e-6), (m, key)
    # different strengths give different heads
    hk = "w_x" if regression else "W_x"
    assert not torch.allclose(path[0][hk], path[2][hk])


def test_column_features_counts_match_numpy_unique():
    from sklearn_meta.nn.episodes import _mode_and_unique_counts
    rng = np.random.default_rng(8)
    X = np.column_stack([rng.normal(size=60), rng.integers(0, 3, 60), np.ones(60),
                         np.r_[np.zeros(59), 1.0], np.r_[-0.0, np.zeros(59)]]).astype(float)
    mode, uniq = _mode_and_unique_counts(X)
    for j, col in enumerate(X.T):
        _, counts = np.unique(col, return_counts=True)
        assert uniq[j] == len(counts) and mode[j] == counts.max()
    assert np.array_equal(_mode_and_unique_counts(X[:1])[1], np.ones(5))


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_task_loss_is_weighted_cross_entropy_with_or_without_class_mask(smoothing):
    rng = np.random.default_rng(9)
    X = rng.normal(size=(40, 4)).astype(np.float32)
    y = rng.integers(0, 5, 40)
    w = torch.from_numpy(rng.random(40).astype(np.float32))
    net = SchemaNet()
    fast = {k: v.detach() for k, v in _fast(net, X, y, 5).items()}
    Xt, yt = torch.tensor(X), torch.tensor(y)
    logits = SchemaNet.forward_fast(fast, Xt, None)
    ref = (torch.nn.functional.cross_entropy(logits, yt, reduction="none",
                                             label_smoothing=smoothing) * w).sum() / w.sum()
    for mask in (None, torch.ones(5)):
        got = task_loss(fast, Xt, yt, w, mask, label_smoothing=smoothing)
        assert torch.allclose(got, ref, rtol=1e-5), mask
    # a padded class column (mask 0) takes no probability mass
    padded = {**fast, "W_h": torch.cat([fast["W_h"], fast["W_h"][:1]]),
              "W_x": torch.cat([fast["W_x"], fast["W_x"][:1]]),
              "b_h": torch.cat([fast["b_h"], fast["b_h"][:1]])}
    got = task_loss(padded, Xt, yt, w, torch.tensor([1.0] * 5 + [0.0]), label_smoothing=0.0)
    ref0 = (torch.nn.functional.cross_entropy(logits, yt, reduction="none") * w).sum() / w.sum()
    assert torch.allclose(got, ref0, rtol=1e-5)


def test_standardize_reads_constant_columns_relative_to_their_magnitude():
    """A column is constant when it repeats one value (whatever the value), not when its spread
    is below a fixed cut-off: values at 1e-20 vary, and ordinary columns keep their bits."""
    from sklearn_meta.nn.episodes import standardize
    rng = np.random.default_rng(0)
    tiny = rng.normal(size=60) * 1e-20
    X = np.column_stack([tiny, np.zeros(60), np.full(60, 0.1), np.full(60, 1e300),
                         np.full(60, -3e-200), rng.normal(size=60) * 1e-9])
    Q = rng.normal(size=(10, 6))
    Z, Zq = standardize(X, Q)
    np.testing.assert_allclose(Z.std(axis=0), [1, 0, 0, 0, 0, 1], atol=1e-6)
    np.testing.assert_allclose(Z[:, 0], np.clip((tiny - tiny.mean()) / tiny.std(), -5, 5),
                               rtol=1e-6)
    assert not Zq[:, 1:5].any()  # never seen to vary: 0 in other rows too, not raw units
    A = rng.normal(size=(80, 5)) * [1, 10, 1e-3, 1e4, 2]  # ordinary data: bits unchanged
    mu, sd = A[:50].mean(axis=0), A[:50].std(axis=0)
    for got, B in zip(standardize(A[:50], A[50:]), (A[:50], A[50:])):
        assert np.array_equal(got, np.clip((B - mu) / sd, -5, 5).astype(np.float32))


@pytest.mark.parametrize("regression", [False, True])
def test_task_embedding_does_not_depend_on_column_units(regression):
    """suggest_configs / MetaSearchCV warm starts read this embedding: a column in other units
    (nanometres, not metres) must not turn it into another task."""
    from sklearn_meta.nn import TaskEncoder
    torch.manual_seed(0)
    enc = TaskEncoder().eval()
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 5))
    y = X[:, 0] + 0.5 * X[:, 1] if regression else (X[:, 0] + X[:, 1] > 0).astype(int)
    e = enc.encode(X, y, regression=regression)
    for scale in (1e-12, 1e-9, [1, 1e-10, 1e-20, 1e8, 1e200]):
        np.testing.assert_allclose(enc.encode(X * scale, y, regression=regression), e,
                                   atol=1e-5)
    if regression:  # the target's unit neither
        np.testing.assert_allclose(enc.encode(X, y * 1e-12, regression=True), e, atol=1e-5)
        # a constant target reads as constant, whatever its value (not rounding noise)
        np.testing.assert_allclose(enc.encode(X, np.full(150, 0.1), regression=True),
                                   enc.encode(X, np.zeros(150), regression=True), atol=1e-6)


def test_column_features_do_not_depend_on_column_units():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(90, 4))
    X[:, 3] = 7.0
    y = (X[:, 0] > 0).astype(int)
    cf = column_features(X, y, 2)
    np.testing.assert_allclose(column_features(X * [1e-12, 1e-30, 1e9, 1e-9], y, 2), cf,
                               atol=1e-6)
    yr = X[:, 1] * 3
    np.testing.assert_allclose(column_features(X * 1e-15, yr * 1e-15, 1, regression=True),
                               column_features(X, yr, 1, regression=True), atol=1e-6)


def test_task_meta_vector_reads_a_column_sample_of_wide_tables(monkeypatch):
    """Beyond META_MAX_COLS columns the meta-features are computed on a seeded column sample
    (their cost grows with the width), the counts scaled back and the shape exact; narrower
    tables (every meta-training task) are read whole."""
    import meta_features
    from sklearn_meta.nn import task_encoder as te

    widths = []
    real = meta_features.extract
    monkeypatch.setattr(meta_features, "extract",
                        lambda X, y, **kw: widths.append(X.shape[1]) or real(X, y, **kw))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, te.META_MAX_COLS + 88))
    y = rng.integers(0, 3, 300)
    v = te.task_meta_vector(X, y)
    assert widths == [te.META_MAX_COLS]
    got = dict(zip(te.META_NAMES, np.expm1(v.astype(np.float64))))
    assert got["nr_attr"] == pytest.approx(X.shape[1], rel=1e-5)
    assert got["nr_num"] == pytest.approx(X.shape[1], rel=1e-5)
    assert got["attr_to_inst"] == pytest.approx(X.shape[1] / 300, rel=1e-5)
    np.testing.assert_array_equal(v, te.task_meta_vector(X, y))  # seeded
    narrow = X[:, :40]
    s = real(narrow, y, groups=te.META_GROUPS, summary=("mean", "sd"), warn=False, n_jobs=1,
             target_type="classification")
    assert te.task_meta_vector(narrow, y)[te.META_NAMES.index("cor.mean")] == \
        pytest.approx(np.sign(s["cor.mean"]) * np.log1p(abs(s["cor.mean"])), rel=1e-6)
    assert widths[-1] == 40

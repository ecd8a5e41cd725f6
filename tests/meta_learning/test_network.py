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

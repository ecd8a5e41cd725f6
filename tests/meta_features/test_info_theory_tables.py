"""info-theory's contingency tables: large ones are counted sparsely (only the pairs that
occur), with the values of pymfe's dense formula (``EPS`` added to every cell)."""
import time
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from meta_features import extract
from meta_features import info_theory as it

EPS = 1e-8


# ------------------------------------------------- reference: the dense formula, as it was
def _dense_table(a, la, b, lb):
    ok = (a >= 0) & (b >= 0)
    t = np.bincount(a[ok] * lb + b[ok], minlength=la * lb).reshape(la, lb).astype(float)
    return t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]


def _dense_joint_ent(t):
    if t.size == 0:
        return np.nan
    pij = t / t.sum() + EPS
    return float(-np.sum(pij * np.log2(pij)))


def _dense_conc(t):
    """pymfe's concentration coefficient, EPS in every cell of the full table."""
    if t.size == 0:
        return np.nan
    p = t / t.sum() + EPS
    col = p.sum(axis=0, keepdims=True)
    row2 = (p.sum(axis=1) ** 2).sum()
    with np.errstate(all="ignore"):
        return float(((p * p / col).sum() - row2) / (1.0 - row2))


def _codes(rng, n, levels, observed, missing):
    """Codes of ``n`` rows over ``levels`` levels of which only ``observed`` (random ones)
    occur, with a fraction ``missing`` of -1."""
    used = rng.choice(levels, size=observed, replace=False)
    c = used[rng.integers(0, observed, n)]
    c[rng.random(n) < missing] = -1
    return c.astype(np.int64)


@pytest.fixture
def sparse_only(monkeypatch):
    monkeypatch.setattr(it, "MAX_DENSE_CELLS", 0)  # every table through the sparse path


@pytest.mark.parametrize("seed", range(40))
def test_sparse_table_matches_the_dense_formula(seed, sparse_only):
    """Random tables with unobserved levels, missing codes and (mostly) empty cells."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 400))
    la, lb = (int(v) for v in rng.integers(2, 60, 2))
    a = _codes(rng, n, la, int(rng.integers(2, la + 1)), rng.choice([0.0, 0.1, 0.4]))
    b = _codes(rng, n, lb, int(rng.integers(2, lb + 1)), rng.choice([0.0, 0.1, 0.4]))
    for (x, lx), (z, lz) in [((a, la), (b, lb)), ((b, lb), (a, la))]:
        ref = _dense_table(x, lx, z, lz)
        if min(ref.shape, default=0) < 2:
            continue  # one observed level: see test_degenerate_tables
        sp = it._table(x, lx, z, lz)
        assert isinstance(sp, it._Sparse) and sp.shape == ref.shape
        assert sp.counts.sum() == ref.sum() and sp.counts.size == np.count_nonzero(ref)
        np.testing.assert_allclose(it._conc(sp), _dense_conc(ref), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(it._joint_ent(sp), _dense_joint_ent(ref), rtol=1e-12)


@pytest.mark.parametrize("seed", range(10))
def test_small_tables_keep_the_dense_path_bit_for_bit(seed):
    rng = np.random.default_rng(100 + seed)
    n = 300
    a = _codes(rng, n, 12, 10, 0.1)
    b = _codes(rng, n, 7, 6, 0.1)
    t = it._table(a, 12, b, 7)
    assert isinstance(t, np.ndarray)
    ref = _dense_table(a, 12, b, 7)
    assert it._conc(t) == _dense_conc(ref) and it._joint_ent(t) == _dense_joint_ent(ref)


def test_degenerate_tables(sparse_only):
    """One observed level on a side, or nothing observed at all (every row missing)."""
    rng = np.random.default_rng(7)
    n = 50
    one = np.full(n, 3, dtype=np.int64)
    b = _codes(rng, n, 9, 5, 0.2)
    for x, lx, z, lz in [(one, 5, b, 9), (b, 9, one, 5)]:
        ref, sp = _dense_table(x, lx, z, lz), it._table(x, lx, z, lz)
        # (1 - jsum2) is ~1e-8 here: both formulas only agree to ~1e-8 relative
        np.testing.assert_allclose(it._conc(sp), _dense_conc(ref), rtol=1e-6)
        np.testing.assert_allclose(it._joint_ent(sp), _dense_joint_ent(ref), rtol=1e-12)
    none = np.full(n, -1, dtype=np.int64)
    sp = it._table(none, 4, b, 9)
    assert sp.shape == (0, 0) and np.isnan(it._conc(sp)) and np.isnan(it._joint_ent(sp))


def test_sparse_and_dense_tables_give_the_same_features(monkeypatch):
    """attr_conc, class_conc, joint_ent, mut_inf... through either path (all tables)."""
    rng = np.random.default_rng(3)
    n = 600
    X = pd.DataFrame({
        "x": rng.normal(size=n),
        "e": rng.exponential(size=n),
        "c": rng.choice(list("abcdefgh"), n),
        "ids": [f"u{v}" for v in rng.integers(0, 300, n)],
    })
    X.loc[rng.random(n) < 0.1, "c"] = None
    y = rng.integers(0, 4, n)
    dense = extract(X, y, groups="info-theory", warn=False)
    monkeypatch.setattr(it, "MAX_DENSE_CELLS", 0)
    sparse = extract(X, y, groups="info-theory", warn=False)
    assert dense.index.equals(sparse.index)
    np.testing.assert_allclose(sparse.to_numpy(), dense.to_numpy(), rtol=1e-12, atol=1e-15)


def test_two_id_columns_need_neither_a_dense_table_nor_gigabytes():
    """20,000 rows, two columns of ~10,000 levels each: the dense table had 1e8 cells
    (the whole info-theory group took 40 s and 12.9 GB at this size)."""
    rng = np.random.default_rng(0)
    n = 20_000
    X = pd.DataFrame({
        "x": rng.normal(size=n),
        "user": [f"u{i}" for i in rng.integers(0, 10_000, n)],
        "session": [f"s{i}" for i in rng.integers(0, 10_000, n)],
    })
    y = (X.x > 0).astype(int)
    tracemalloc.start()
    try:
        t0 = time.perf_counter()
        res = extract(X, y, groups="info-theory", warn=False)
        seconds = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200e6, f"peak {peak / 1e6:.0f} MB"
    assert seconds < 20
    assert np.isfinite(res[["attr_conc.mean", "attr_conc.sd", "joint_ent.mean",
                            "class_conc.mean"]]).all()

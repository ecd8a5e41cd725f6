"""A learned task encoder: data set -> embedding, trained contrastively on sub-sampled views.

Input: a fixed-length meta-feature vector (:func:`task_meta_vector`) and a set encoding of the
sampled rows (a shared cell encoder over ``(x_ij, column statistics_j)`` pooled over columns,
then over rows — permutation invariant in both). Two views of the same task (different row
and column samples) must land close together and far from other tasks (InfoNCE), so the
embedding carries what identifies a task rather than sampling noise. The meta-learned network
is conditioned on it through FiLM.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .episodes import N_COLUMN_FEATURES, EpisodeBatch, column_features, standardize

META_DIM = 14


def task_meta_vector(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A fixed vector of simple data-set statistics (length ``META_DIM``).

    Single switch point for meta-features: swap the body for ``meta_features.extract`` (with a
    fixed name list) to use the pymfe-compatible set instead.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    n, d = X.shape
    classes, counts = np.unique(y, return_counts=True)
    k = len(classes)
    p = counts / counts.sum()
    entropy = float(-(p * np.log(p)).sum() / np.log(k)) if k > 1 else 0.0
    y_codes = np.searchsorted(classes, y)
    cf = column_features(X, y_codes, k)
    rng = np.random.default_rng(0)
    cols = rng.choice(d, size=min(d, 20), replace=False) if d > 1 else np.arange(d)
    if len(cols) > 1 and n > 2:
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.corrcoef(X[:, cols].T)
        off = np.abs(corr[~np.eye(len(cols), dtype=bool)])
        mean_corr = float(np.nan_to_num(off).mean())
    else:
        mean_corr = 0.0
    v = np.array([
        np.log(n) / 10, np.log(d) / 5, np.log(k) / 3, entropy, p.min() * k, p.max(),
        mean_corr, cf[:, 5].mean(), cf[:, 5].max(), np.abs(cf[:, 0]).mean() / 5,
        cf[:, 1].mean() / 5, cf[:, 4].mean(), np.log(d / n + 1e-3) / 10, cf[:, 3].mean(),
    ], dtype=np.float32)
    return np.nan_to_num(v)


class TaskEncoder(nn.Module):
    """Maps (meta-feature vector, sampled rows) to an embedding of size ``embed_dim``."""

    def __init__(self, embed_dim: int = 16, meta_dim: int = META_DIM, cell_dim: int = 32):
        super().__init__()
        self.embed_dim, self.meta_dim, self.cell_dim = embed_dim, meta_dim, cell_dim
        self.cell = nn.Sequential(nn.Linear(1 + N_COLUMN_FEATURES, cell_dim), nn.GELU(),
                                  nn.Linear(cell_dim, cell_dim))
        self.row = nn.Sequential(nn.LayerNorm(cell_dim), nn.Linear(cell_dim, cell_dim),
                                 nn.GELU())
        self.meta = nn.Sequential(nn.Linear(meta_dim, cell_dim), nn.GELU())
        self.out = nn.Sequential(nn.Linear(2 * cell_dim, cell_dim), nn.GELU(),
                                 nn.Linear(cell_dim, embed_dim))

    def forward(self, X: Tensor, rowmask: Tensor, colmask: Tensor, colfeat: Tensor,
                meta: Tensor) -> Tensor:
        """Batched, masked: X (T, N, D), rowmask (T, N), colmask (T, D), colfeat (T, D, F),
        meta (T, M) -> embeddings (T, E), bounded by tanh so FiLM stays stable."""
        T, N, D = X.shape
        cf = colfeat[:, None, :, :].expand(T, N, D, colfeat.shape[-1])
        cells = self.cell(torch.cat([X[..., None], cf], dim=-1))  # (T, N, D, C)
        cm = colmask[:, None, :, None]
        rows = (cells * cm).sum(2) / cm.sum(2).clamp(min=1.0)  # (T, N, C)
        rows = self.row(rows)
        rm = rowmask[..., None]
        pooled = (rows * rm).sum(1) / rm.sum(1).clamp(min=1.0)  # (T, C)
        return torch.tanh(self.out(torch.cat([pooled, self.meta(meta)], dim=-1)))

    def embed_batch(self, batch: EpisodeBatch) -> Tensor:
        """Embeddings of a padded episode batch, from its support rows."""
        return self(batch.Xs, batch.ms, batch.colmask, batch.colfeat, batch.meta)

    @torch.no_grad()
    def encode(self, X: np.ndarray, y: np.ndarray, max_rows: int = 256,
               random_state: int = 0) -> np.ndarray:
        """Embedding (numpy, shape ``(embed_dim,)``) of a numeric data set ``(X, y)``."""
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if X.ndim != 2 or len(X) != len(y) or len(y) == 0:
            raise ValueError(f"X must be 2-D with len(y) rows; got X {X.shape}, y {y.shape}")
        classes = np.unique(y)
        codes = np.searchsorted(classes, y)
        rng = np.random.default_rng(random_state)
        if len(X) > max_rows:
            idx = rng.choice(len(X), size=max_rows, replace=False)
            X, codes = X[idx], codes[idx]
        (Xs,) = standardize(X)
        cf = column_features(Xs, codes, len(classes))
        meta = task_meta_vector(Xs, codes)
        t = lambda a: torch.from_numpy(np.asarray(a, dtype=np.float32))[None]
        dev = next(self.parameters()).device
        e = self(t(Xs).to(dev), torch.ones(1, len(Xs), device=dev),
                 torch.ones(1, Xs.shape[1], device=dev), t(cf).to(dev), t(meta).to(dev))
        return e[0].cpu().numpy()


def info_nce(a: Tensor, b: Tensor, temperature: float = 0.2) -> Tensor:
    """Symmetric InfoNCE between two views (T, E): row t of ``a`` matches row t of ``b``."""
    a, b = F.normalize(a, dim=-1), F.normalize(b, dim=-1)
    logits = a @ b.T / temperature
    target = torch.arange(len(a), device=a.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))

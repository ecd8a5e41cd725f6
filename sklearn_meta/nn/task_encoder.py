"""A learned task encoder: data set -> embedding, trained contrastively on sub-sampled views.

Input: the task's ``meta_features`` vector (:func:`task_meta_vector`) and a set encoding of the
sampled rows (a shared cell encoder over ``(x_ij, column statistics_j)`` pooled over columns,
then over rows — permutation invariant in both). Two views of the same task (different row
and column samples) must land close together and far from other tasks (InfoNCE), so the
embedding carries what identifies a task rather than sampling noise. The meta-learned network
is conditioned on it through FiLM.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .episodes import (
    N_COLUMN_FEATURES,
    EpisodeBatch,
    column_features,
    standardize,
    standardize_target,
)

#: Groups and names of the ``meta_features`` the encoder reads (pymfe names, fixed order; the
#: artifact manifest stores them and loading checks they match).
META_GROUPS = ("general", "statistical", "info-theory")
META_NAMES: tuple[str, ...] = (
    "attr_conc.mean", "attr_conc.sd", "attr_ent.mean", "attr_ent.sd", "attr_to_inst",
    "can_cor.mean", "can_cor.sd", "cat_to_num", "class_conc.mean", "class_conc.sd", "class_ent",
    "cor.mean", "cor.sd", "cov.mean", "cov.sd", "eigenvalues.mean", "eigenvalues.sd",
    "eq_num_attr", "freq_class.mean", "freq_class.sd", "g_mean.mean", "g_mean.sd", "gravity",
    "h_mean.mean", "h_mean.sd", "inst_to_attr", "iq_range.mean", "iq_range.sd", "joint_ent.mean",
    "joint_ent.sd", "kurtosis.mean", "kurtosis.sd", "lh_trace", "mad.mean", "mad.sd", "max.mean",
    "max.sd", "mean.mean", "mean.sd", "median.mean", "median.sd", "min.mean", "min.sd",
    "mut_inf.mean", "mut_inf.sd", "nr_attr", "nr_bin", "nr_cat", "nr_class", "nr_cor_attr",
    "nr_disc", "nr_inst", "nr_norm", "nr_num", "nr_outliers", "ns_ratio", "num_to_cat", "p_trace",
    "range.mean", "range.sd", "roy_root", "sd.mean", "sd.sd", "sd_ratio", "skewness.mean",
    "skewness.sd", "sparsity.mean", "sparsity.sd", "t_mean.mean", "t_mean.sd", "var.mean",
    "var.sd", "w_lambda",
)
META_DIM = len(META_NAMES)
#: Rows the meta-feature vector is computed on (a deterministic sub-sample beyond this).
META_MAX_ROWS = 1024
#: Columns it is computed on: wider tables use a seeded sample of this many columns (the
#: per-column and pairwise statistics cost grows with the width: 8.6 s at 6000 columns, 0.5 s
#: at 512; every meta-training task has at most 262), with the counts scaled back to the
#: whole table (``META_COUNT_NAMES``) and ``nr_attr``/``attr_to_inst``/``inst_to_attr`` exact.
META_MAX_COLS = 512
#: Bound of the signed-log meta-feature values.
META_CLIP = 20.0
META_COUNT_NAMES = ("nr_attr", "nr_num", "nr_cat", "nr_bin", "nr_norm", "nr_outliers")


def task_meta_vector(X: np.ndarray, y: np.ndarray, random_state: int = 0) -> np.ndarray:
    """The task's ``meta_features`` (general, statistical, info-theory; ``META_NAMES``) as a
    float32 vector of length ``META_DIM``: signed ``log1p`` (meta-features span many orders of
    magnitude), undefined values as 0. ``y`` holds class codes (all zeros for regression).
    At most ``META_MAX_ROWS`` rows and ``META_MAX_COLS`` columns are read (seeded samples)."""
    import meta_features

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if len(X) > META_MAX_ROWS:
        idx = np.sort(np.random.default_rng(random_state).choice(len(X), META_MAX_ROWS,
                                                                replace=False))
        X, y = X[idx], y[idx]
    n, d = X.shape
    if d > META_MAX_COLS:
        cols = np.sort(np.random.default_rng([random_state, d]).choice(d, META_MAX_COLS,
                                                                        replace=False))
        X = X[:, cols]
    s = meta_features.extract(X, y, groups=META_GROUPS, summary=("mean", "sd"), warn=False,
                              n_jobs=1, target_type="classification")
    if d > META_MAX_COLS:
        s = s.copy()
        s[list(META_COUNT_NAMES)] *= d / META_MAX_COLS
        s["nr_attr"], s["attr_to_inst"], s["inst_to_attr"] = d, d / n, n / d
    v = s.reindex(list(META_NAMES)).to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        v = np.sign(v) * np.log1p(np.abs(v))
    # undefined and infinite values as 0 (lh_trace/roy_root are inf when a canonical
    # correlation is 1, as whenever the rows are no more than the columns; the shipped
    # encoder was trained with this mapping)
    return np.clip(np.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0),
                   -META_CLIP, META_CLIP).astype(np.float32)


class TaskEncoder(nn.Module):
    """Maps (meta-feature vector, sampled rows) to an embedding of size ``embed_dim``."""

    def __init__(self, embed_dim: int = 16, meta_dim: int = META_DIM, cell_dim: int = 32):
        super().__init__()
        self.embed_dim, self.meta_dim, self.cell_dim = embed_dim, meta_dim, cell_dim
        self.cell = nn.Sequential(nn.Linear(1 + N_COLUMN_FEATURES, cell_dim), nn.GELU(),
                                  nn.Linear(cell_dim, cell_dim))
        self.row = nn.Sequential(nn.LayerNorm(cell_dim), nn.Linear(cell_dim, cell_dim),
                                 nn.GELU())
        # standardisation of the meta-feature vector, set from the training tasks
        self.register_buffer("meta_mean", torch.zeros(meta_dim))
        self.register_buffer("meta_scale", torch.ones(meta_dim))
        self.meta = nn.Sequential(nn.Linear(meta_dim, 2 * cell_dim), nn.GELU(),
                                  nn.Linear(2 * cell_dim, cell_dim), nn.GELU())
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
        m = ((meta - self.meta_mean) / self.meta_scale).clamp(-5.0, 5.0)
        return torch.tanh(self.out(torch.cat([pooled, self.meta(m)], dim=-1)))

    @torch.no_grad()
    def set_meta_scaling(self, meta: np.ndarray) -> None:
        """Standardise meta-feature vectors by the statistics of ``meta`` (tasks x META_DIM)."""
        meta = np.asarray(meta, dtype=np.float64)
        sd = meta.std(axis=0)
        self.meta_mean.copy_(torch.as_tensor(meta.mean(axis=0), dtype=torch.float32))
        self.meta_scale.copy_(torch.as_tensor(np.where(sd > 1e-6, sd, 1.0), dtype=torch.float32))

    def embed_batch(self, batch: EpisodeBatch) -> Tensor:
        """Embeddings of a padded episode batch, from its support rows."""
        return self(batch.Xs, batch.ms, batch.colmask, batch.colfeat, batch.meta)

    @torch.no_grad()
    def encode(self, X: np.ndarray, y: np.ndarray, max_rows: int = 256,
               random_state: int = 0, regression: bool | None = None) -> np.ndarray:
        """Embedding (numpy, shape ``(embed_dim,)``) of a numeric data set ``(X, y)``.

        Missing and infinite values are imputed by the column median (a column with none is
        0); ``regression`` (default: inferred from ``y`` as ``meta_features`` does) reads a
        continuous target as meta-training's regression tasks do, not as one class per
        value."""
        rows = None  # the sampled rows, when chosen before densifying
        n_labels = np.shape(y)[0] if np.ndim(y) == 1 else -1
        try:
            if hasattr(X, "toarray"):  # scipy sparse: densify only the rows sampled below
                X, rows = _sparse_sample(X, n_labels, max_rows, random_state)
            if hasattr(X, "to_numpy") and hasattr(X, "columns"):  # pandas: pd.NA is missing
                X = X.to_numpy(dtype=np.float64, na_value=np.nan)
            X = np.array(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"X: expected a numeric 2-D array ({exc}); encode categorical "
                             f"columns first") from None
        y_in = y
        y = y.to_numpy() if hasattr(y, "to_numpy") else np.asarray(y)
        if X.ndim != 2 or y.ndim != 1 or len(y) == 0 or (
                len(X) != len(y) if rows is None else len(rows) > len(y)):
            raise ValueError(f"X must be 2-D and y 1-D with one value per row of X; got X "
                             f"{X.shape}, y {y.shape}")
        missing = np.asarray(pd.isna(y), dtype=bool)
        if missing.any():  # else a missing label would be read as one more class
            raise ValueError(f"y: contains {int(missing.sum())} missing value(s) (NaN, None "
                             f"or pd.NA); drop those rows first")
        if regression is None:
            from meta_features import infer_target_type

            regression = infer_target_type(y_in) == "regression"
        X[~np.isfinite(X)] = np.nan
        if np.isnan(X).any():
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns
                med = np.nan_to_num(np.nanmedian(X, axis=0))
            X = np.where(np.isnan(X), med, X)
        if regression:
            t = y.astype(np.float64)
            if not np.all(np.isfinite(t)):
                raise ValueError("y: contains NaN or infinity")
            # 0 when constant: a repeated value leaves a rounding-level spread, which dividing
            # by it (an absolute "std == 0" test) would blow up to unit-scale noise
            target, n_classes = standardize_target(t), 1
        else:
            try:
                classes = np.unique(y)
            except TypeError:  # labels of mixed types: compared as strings
                y = y.astype(str)
                classes = np.unique(y)
            target, n_classes = np.searchsorted(classes, y), len(classes)
        rng = np.random.default_rng(random_state)
        if rows is not None:
            target = target[rows]
        elif len(X) > max_rows:
            idx = rng.choice(len(X), size=max_rows, replace=False)
            X, target = X[idx], target[idx]
        # standardising is scale-free, but the variance of a column of ~1e300 overflows
        # (it would read as constant): bring such columns to a unit scale first
        big = np.abs(X).max(axis=0) > 1e100
        if big.any():
            X[:, big] = X[:, big] / np.abs(X[:, big]).max(axis=0)
        (Xs,) = standardize(X)
        cf = column_features(Xs, target, n_classes, regression=regression)
        meta = task_meta_vector(Xs, np.zeros(len(Xs), np.int64) if regression else target)
        t = lambda a: torch.from_numpy(np.asarray(a, dtype=np.float32))[None]
        dev = next(self.parameters()).device
        e = self(t(Xs).to(dev), torch.ones(1, len(Xs), device=dev),
                 torch.ones(1, Xs.shape[1], device=dev), t(cf).to(dev), t(meta).to(dev))
        return e[0].cpu().numpy()


def _sparse_sample(X, n_labels: int, max_rows: int, random_state: int):
    """Dense rows of sparse ``X`` and their indices: the ``max_rows`` rows ``encode`` samples
    (the same draw), so that a large sparse matrix is never densified whole. All rows (and
    indices None) when there are no more, when ``X`` has a row count other than ``n_labels``
    (the caller reports it) or when it stores missing values (imputed from all rows)."""
    n = X.shape[0]
    if n <= max_rows or n != n_labels or getattr(X, "ndim", 2) != 2:
        return X.toarray(), None
    Xc = X.tocsr()  # lil keeps its values as objects, dok has no .data
    data = np.asarray(Xc.data)
    if data.dtype.kind not in "biuf" or not np.isfinite(data.astype(np.float64)).all():
        return X.toarray(), None  # stored missing values: imputed from all rows
    rows = np.random.default_rng(random_state).choice(n, size=max_rows, replace=False)
    return Xc[rows].toarray(), rows


def info_nce(a: Tensor, b: Tensor, temperature: float = 0.2) -> Tensor:
    """Symmetric InfoNCE between two views (T, E): row t of ``a`` matches row t of ``b``."""
    a, b = F.normalize(a, dim=-1), F.normalize(b, dim=-1)
    logits = a @ b.T / temperature
    target = torch.arange(len(a), device=a.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))

"""A network whose one set of weights serves any number of input columns and classes.

Design (Chameleon-like input alignment + Proto-MAML head):

* **Input layer from column statistics.** A shared column encoder maps each column's statistics
  (:func:`~sklearn_meta.nn.episodes.column_features`) to that column's row of the input weight
  matrix; summing ``x_ij * a(c_j)`` over columns is a permutation-invariant pooling of
  column-wise encodings, so any number of columns works. Columns with similar statistics
  would get near-identical weights, so a random per-column part ``noise_j`` (redrawn for every
  task and every ensemble member, scaled by a meta-learned ``exp(log_input_noise)``) is added:
  random features in the spirit of extreme learning machines, which the column encoder then
  shapes. Permuting the columns together with their random rows gives the same function.
* **Backbone.** LayerNorm (never BatchNorm: tasks have few rows), FiLM from a task embedding,
  one residual GELU block, a final LayerNorm.
* **Heads.** Initialised per task from the support rows, so any class count works.
  ``head="ridge"`` (default): the closed-form ridge solution (R2-D2, Bertinetto et al. 2019) of
  the one-hot targets — or the regression target — on the row embeddings *and* the raw inputs
  (a linear skip path, wide-and-deep style), with meta-learned ridge strength and logit scale;
  at step 0 the network is already a regularised linear model on learned plus raw features.
  ``head="proto"``: class prototypes of the embeddings (Proto-MAML, Triantafillou et al. 2020).

Everything a task adapts is a *fast* parameter produced by :meth:`SchemaNet.make_fast` from the
meta-parameters and the task's support data. The functions are pure (``torch.func`` friendly)
and handle one task; ``vmap`` batches them over padded tasks.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .episodes import N_COLUMN_FEATURES

NEG = -1e4
Fast = dict[str, Tensor]


@dataclass
class NetConfig:
    """Architecture hyper-parameters (stored in the artifact manifest)."""

    hidden: int = 64
    column_hidden: int = 32
    embed_dim: int = 16
    n_column_features: int = N_COLUMN_FEATURES
    ridge: float = 1.0  # ridge of the proto-mode regression head
    head: str = "ridge"  # "ridge" or "proto" (see module docstring)
    # initial scale of the random per-column component of the input layer (0: none; see
    # make_fast); meta-learned as log_input_noise
    input_noise: float = 1.0
    # meta-learned per-column scale of the inputs from column statistics (a learned prior on
    # feature relevance: with the ridge head it sets each column's effective penalty)
    column_scale: bool = False

    def __post_init__(self) -> None:
        if self.head not in ("ridge", "proto"):
            raise ValueError(f"head must be 'ridge' or 'proto', got {self.head!r}")

    def to_dict(self) -> dict:
        return asdict(self)


def _layer_norm(h: Tensor, w: Tensor | None = None, b: Tensor | None = None) -> Tensor:
    return F.layer_norm(h, h.shape[-1:], w, b, eps=1e-5)


class SchemaNet(nn.Module):
    """Meta-parameters of the schema-agnostic network (see module docstring)."""

    def __init__(self, config: NetConfig | None = None):
        super().__init__()
        self.config = config or NetConfig()
        c = self.config
        H = c.hidden
        self.col1 = nn.Linear(c.n_column_features, c.column_hidden)
        self.col2 = nn.Linear(c.column_hidden, 2 * H)
        self.b_in = nn.Parameter(torch.zeros(H))
        self.film = nn.Linear(c.embed_dim, 2 * H)
        nn.init.zeros_(self.film.weight)
        nn.init.zeros_(self.film.bias)
        self.fc1 = nn.Linear(H, 2 * H)
        self.fc2 = nn.Linear(2 * H, H)
        nn.init.normal_(self.fc2.weight, std=0.02)
        nn.init.zeros_(self.fc2.bias)
        self.ln_w = nn.Parameter(torch.ones(H))
        self.ln_b = nn.Parameter(torch.zeros(H))
        self.log_scale = nn.Parameter(torch.tensor(math.log(0.1)))
        self.log_lr = nn.Parameter(torch.tensor(math.log(0.1)))  # inner step (maml learns it)
        if c.head == "ridge":  # their presence in theta selects the ridge head in make_fast
            self.log_ridge = nn.Parameter(torch.tensor(math.log(0.3)))
            self.log_head_scale = nn.Parameter(torch.tensor(math.log(5.0)))
        if c.column_scale:  # zero-initialised: every column starts with scale 1
            self.col_scale = nn.Linear(c.column_hidden, 1)
            nn.init.zeros_(self.col_scale.weight)
            nn.init.zeros_(self.col_scale.bias)
        if c.input_noise > 0:
            self.log_input_noise = nn.Parameter(torch.tensor(math.log(c.input_noise)))

    # ---------------------------------------------------------------- functional API
    @staticmethod
    def body(fast: Fast, X: Tensor) -> Tensor:
        """Row embeddings (N, H) of standardised rows ``X`` (N, D) under fast parameters."""
        h = X @ fast["W_in"] + fast["b_in"]
        h = _layer_norm(h) * (1 + fast["gamma"]) + fast["beta"]
        h = h + F.gelu(h @ fast["W1"].T + fast["c1"]) @ fast["W2"].T + fast["c2"]
        return _layer_norm(h, fast["ln_w"], fast["ln_b"])

    @staticmethod
    def forward_fast(fast: Fast, X: Tensor, classmask: Tensor | None) -> Tensor:
        """Logits (N, K) with padded classes masked out (``classmask`` None: no padding), or
        predictions (N,) for regression."""
        z = SchemaNet.body(fast, X)
        if "w_r" in fast:
            out = z @ fast["w_r"] + fast["b_r"]
            return out + X @ fast["w_x"] if "w_x" in fast else out
        logits = torch.addmm(fast["b_h"], z, fast["W_h"].T)  # fused: many classes are costly
        if "W_x" in fast:  # linear skip path of the ridge head
            logits = torch.addmm(logits, X, fast["W_x"].T)
        if classmask is None:
            return logits
        return torch.where(classmask > 0, logits, torch.full_like(logits, NEG))

    def meta_params(self) -> dict[str, Tensor]:
        return dict(self.named_parameters())

    @staticmethod
    def make_fast(theta: dict[str, Tensor], Xs: Tensor, ys: Tensor, ms: Tensor,
                  colmask: Tensor, classmask: Tensor, colfeat: Tensor, emb: Tensor,
                  regression: bool = False, ridge: float = 1.0,
                  ridge_mult: float = 1.0, noise: Tensor | None = None) -> Fast:
        """Initial fast parameters of one task, built from ``theta`` and its support data.

        Differentiable in ``theta``: first-order meta-gradients are pulled back through this
        function with a VJP, so the column encoder, FiLM and the head all meta-learn.
        ``ridge_mult`` scales the meta-learned ridge strength (the estimator picks it per task
        on its validation rows).
        """
        fast, col_s = SchemaNet._body_fast(theta, colmask, colfeat, emb, noise)
        z = SchemaNet.body(fast, Xs)  # (N, H)
        if "log_ridge" in theta:
            return SchemaNet._ridge_heads(theta, fast, z, Xs * colmask, ys, ms, classmask,
                                          regression, (ridge_mult,), col_s)[0]
        H = z.shape[1]
        if regression:
            # float32 even under bf16 autocast: linalg.solve takes no bf16
            with torch.autocast(z.device.type, enabled=False):
                z, ys, ms = z.float(), ys.float(), ms.float()
                zw = z * ms[:, None]
                n = ms.sum().clamp(min=1.0)
                z_mean = zw.sum(0) / n
                y_mean = (ys * ms).sum() / n
                root = ms.clamp(min=0.0).sqrt()  # weighted least squares (see _ridge_heads)
                zc = (z - z_mean) * root[:, None]
                A = zc.T @ zc + ridge * torch.eye(H, dtype=z.dtype, device=z.device)
                w = torch.linalg.solve(A, zc.T @ ((ys - y_mean) * root))
                fast["w_r"] = w
                fast["b_r"] = y_mean - z_mean @ w
            return fast
        K = classmask.shape[0]
        onehot = (ys[:, None] == torch.arange(K, device=ys.device)).to(z.dtype) * ms[:, None]
        counts = onehot.sum(0)
        protos = onehot.T @ z / counts.clamp(min=1.0)[:, None]  # (K, H)
        scale = torch.exp(theta["log_scale"])
        fast["W_h"] = 2 * scale * protos
        fast["b_h"] = -scale * (protos ** 2).sum(-1)
        return fast

    @staticmethod
    def _body_fast(theta: dict[str, Tensor], colmask: Tensor, colfeat: Tensor, emb: Tensor,
                   noise: Tensor | None) -> tuple[Fast, Tensor | None]:
        """Fast parameters of the body (input layer from column statistics, FiLM, residual
        block) and the per-column scales (None unless ``column_scale``)."""
        h_col = F.gelu(colfeat @ theta["col1.weight"].T + theta["col1.bias"])
        a = h_col @ theta["col2.weight"].T + theta["col2.bias"]  # (D, 2H)
        H = theta["b_in"].shape[0]
        d_eff = colmask.sum().clamp(min=1.0)
        W_in = a[:, :H] * colmask[:, None] / torch.sqrt(d_eff)
        if noise is not None and "log_input_noise" in theta:
            W_in = W_in + torch.exp(theta["log_input_noise"]) * noise * colmask[:, None] \
                / torch.sqrt(d_eff)
        b_in = theta["b_in"] + (a[:, H:] * colmask[:, None]).sum(0) / d_eff
        col_s = None
        if "col_scale.weight" in theta:  # log-scale bounded to +-3 for stability
            col_s = torch.exp(3 * torch.tanh(h_col @ theta["col_scale.weight"].T
                                             + theta["col_scale.bias"]))[:, 0]  # (D,)
            W_in = W_in * col_s[:, None]
        film = emb @ theta["film.weight"].T + theta["film.bias"]
        fast: Fast = {
            "W_in": W_in, "b_in": b_in, "gamma": film[:H], "beta": film[H:],
            "W1": theta["fc1.weight"], "c1": theta["fc1.bias"],
            "W2": theta["fc2.weight"], "c2": theta["fc2.bias"],
            "ln_w": theta["ln_w"], "ln_b": theta["ln_b"],
        }
        return fast, col_s

    @staticmethod
    def make_fast_ridge_path(theta: dict[str, Tensor], Xs: Tensor, ys: Tensor, ms: Tensor,
                             colmask: Tensor, classmask: Tensor, colfeat: Tensor, emb: Tensor,
                             ridge_mults: tuple[float, ...], regression: bool = False,
                             noise: Tensor | None = None) -> list[Fast]:
        """:meth:`make_fast` (ridge head) for several ``ridge_mult`` values at the cost of one:
        the body and the Gram matrix are computed once and only the solves repeat. What the
        estimator uses to pick the ridge strength on its validation rows; each result equals
        ``make_fast(..., ridge_mult=m)``."""
        if "log_ridge" not in theta:
            raise ValueError("make_fast_ridge_path needs the ridge head (theta has no log_ridge)")
        fast, col_s = SchemaNet._body_fast(theta, colmask, colfeat, emb, noise)
        z = SchemaNet.body(fast, Xs)
        return SchemaNet._ridge_heads(theta, fast, z, Xs * colmask, ys, ms, classmask,
                                      regression, tuple(ridge_mults), col_s)

    @staticmethod
    def _ridge_heads(theta: dict[str, Tensor], fast: Fast, z: Tensor, X: Tensor,
                     ys: Tensor, ms: Tensor, classmask: Tensor, regression: bool,
                     ridge_mults: tuple[float, ...] = (1.0,),
                     col_s: Tensor | None = None) -> list[Fast]:
        """Closed-form weighted ridge of the targets on ``[z, X]`` (with an unpenalised bias),
        one head per ridge multiplier, sharing the Gram matrix.

        Primal (P x P) or dual (N x N) form, whichever is smaller (static shapes, so ``vmap``
        traces one branch); padded rows have weight 0 and padded columns are all-zero, so
        they get zero weights.
        """
        # the closed form runs in float32 even under bf16 autocast (GPU meta-training): a
        # bf16 Gram matrix keeps ~3 significant digits, and linalg.solve takes no bf16
        with torch.autocast(z.device.type, enabled=False):
            return SchemaNet._ridge_heads_fp32(
                theta, fast, z.float(), X.float(), ys.float() if regression else ys,
                ms.float(), classmask, regression, ridge_mults,
                None if col_s is None else col_s.float())

    @staticmethod
    def _ridge_heads_fp32(theta: dict[str, Tensor], fast: Fast, z: Tensor, X: Tensor,
                          ys: Tensor, ms: Tensor, classmask: Tensor, regression: bool,
                          ridge_mults: tuple[float, ...],
                          col_s: Tensor | None) -> list[Fast]:
        H = z.shape[1]
        if col_s is not None:  # ridge on scaled columns = a per-column penalty
            X = X * col_s
        F_ = torch.cat([z, X], dim=-1)  # (N, P)
        n = ms.sum().clamp(min=1.0)
        if regression:  # padded rows' targets may be anything: weight 0 leaves them out
            Y = torch.where(ms[:, None] > 0, ys[:, None], torch.zeros_like(ys[:, None]))
        else:
            K = classmask.shape[0]
            Y = (ys[:, None] == torch.arange(K, device=ys.device)).to(z.dtype)
        # weighted least squares: sum_i w_i (y_i - f_i W - b)^2 is ordinary least squares on
        # rows scaled by sqrt(w_i) (centred by the weighted means); 0/1 masks (meta-training)
        # are their own square roots, and a weight w counts a row w times, as in scikit-learn
        f_mean = (F_ * ms[:, None]).sum(0) / n
        y_mean = (Y * ms[:, None]).sum(0) / n
        root = ms.clamp(min=0.0).sqrt()[:, None]
        Fc = (F_ - f_mean) * root
        Yc = (Y - y_mean) * root
        N, P = F_.shape
        primal = P <= N
        gram = Fc.T @ Fc / n if primal else Fc @ Fc.T / n
        eye = torch.eye(P if primal else N, dtype=z.dtype, device=z.device)
        rhs = Fc.T @ Yc / n if primal else Yc
        heads = []
        for mult in ridge_mults:
            lam = torch.exp(theta["log_ridge"]) * mult
            if primal:
                W = torch.linalg.solve(gram + lam * eye, rhs)  # (P, K)
            else:
                W = Fc.T @ torch.linalg.solve(gram + lam * eye, rhs) / n
            b = y_mean - f_mean @ W
            if col_s is not None:  # back to weights on the raw columns: (X s) W = X (s W)
                W = torch.cat([W[:H], W[H:] * col_s[:, None]], dim=0)
            head = dict(fast)
            if regression:
                head["w_r"], head["w_x"], head["b_r"] = W[:H, 0], W[H:, 0], b[0]
            else:
                scale = torch.exp(theta["log_head_scale"])
                head["W_h"], head["W_x"], head["b_h"] = scale * W[:H].T, scale * W[H:].T, scale * b
            heads.append(head)
        return heads


def task_loss(fast: Fast, X: Tensor, y: Tensor, m: Tensor, classmask: Tensor | None,
              label_smoothing: float = 0.0, regression: bool = False) -> Tensor:
    """Masked mean loss of one task: cross-entropy (optionally smoothed) or squared error.
    ``classmask`` None: every class column is a real class (no padding)."""
    out = SchemaNet.forward_fast(fast, X, classmask)
    denom = m.sum().clamp(min=1.0)
    if regression:
        return (((out - y) ** 2) * m).sum() / denom
    logp = torch.log_softmax(out, dim=-1)
    # gather, not a one-hot product: with many classes the (N, K) one-hot costs as much as
    # the network (padded rows carry label 0, a valid index, and weight 0)
    nll = -torch.gather(logp, -1, y[:, None].long())[:, 0]
    if label_smoothing > 0:
        if classmask is None:
            smooth = -logp.mean(-1)
        else:
            smooth = -(logp * classmask).sum(-1) / classmask.sum().clamp(min=1.0)
        nll = (1 - label_smoothing) * nll + label_smoothing * smooth
    return (nll * m).sum() / denom

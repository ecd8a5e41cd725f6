"""Task adaptation: build the fast parameters of a new task and fine-tune them.

The head starts as the closed-form ridge solution on the training part, with the ridge strength
(a multiple of the meta-learned one) chosen on the validation part. Fine-tuning is Adam on all
fast parameters with an L2 pull towards the (meta-learned) initialization (no label
smoothing: on imbalanced data it pulls every prediction towards the rare classes, so early
stopping kept the untuned model; ``metaval_metamlp.md``), with early stopping on an internal validation split where the
zero-step model is itself a candidate — so adaptation can never end worse on validation than
the initialization it started from.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from ..artifacts import load_artifact, pretrained_path
from ..nn.episodes import CLIP, column_features
from ..nn.network import NetConfig, SchemaNet, task_loss
from ..nn.seeding import isolated_rng
from ..nn.task_encoder import TaskEncoder, task_meta_vector

Fast = dict[str, torch.Tensor]


@lru_cache(maxsize=4)
def _cached_artifact(path: str, stamp: tuple):
    return load_artifact(path)


def _file_stamp(folder: Path) -> tuple:
    """(size, mtime) of the artifact's files: a file changed on disk is loaded (and its
    sha256 checked) again instead of served from the cache."""
    out = []
    for name in ("manifest.json", "weights.safetensors"):
        try:
            st = (folder / name).stat()
            out.append((st.st_size, st.st_mtime_ns))
        except OSError:
            out.append(None)
    return tuple(out)


def _fresh_net(config: NetConfig, random_state: int | None) -> SchemaNet:
    """A randomly initialised network, seeded without touching torch's global stream."""
    with isolated_rng(0 if random_state is None else int(random_state)):
        return SchemaNet(config)


def blend_with_random(net: SchemaNet, blend: float, random_state: int | None) -> SchemaNet:
    """``blend * meta-learned + (1 - blend) * fresh random`` weights ("shrink and perturb",
    Ash & Adams 2020: a warm start shrunk towards a fresh initialization fine-tunes and
    generalises better than the warm start itself); the artifact's network is not touched."""
    if blend >= 1.0:
        return net
    fresh = _fresh_net(net.config, random_state).state_dict()
    with isolated_rng():  # its own random weights are overwritten: no global draw
        out = SchemaNet(net.config)
    out.load_state_dict({k: blend * v + (1.0 - blend) * fresh[k]
                         for k, v in net.state_dict().items()})
    return out.eval()


def resolve_init(init, random_state: int | None, blend: float = 1.0
                 ) -> tuple[SchemaNet, TaskEncoder | None, str]:
    """``init`` -> (network, task encoder or None, description); a meta-learned network is
    blended with a fresh random one by ``blend`` (1.0: as meta-learned)."""
    if isinstance(init, str) and init == "random":
        return _fresh_net(NetConfig(), random_state), None, "random"
    if isinstance(init, str) and init == "pretrained":
        path = pretrained_path()
    elif isinstance(init, (str, Path)):
        path = Path(init)
    else:
        raise ValueError(f"init must be 'pretrained', 'random' or a path to an artifact folder, "
                         f"got {init!r}")
    folder = Path(path).resolve()
    if not folder.exists():  # e.g. init="Random": a misspelt keyword, read as a path
        raise ValueError(f"init must be 'pretrained', 'random' or a path to an artifact "
                         f"folder, got {init!r} (no such folder: {folder})")
    art = _cached_artifact(str(folder), _file_stamp(folder))
    desc = "pretrained" if isinstance(init, str) and init == "pretrained" else str(path)
    return blend_with_random(art.net, blend, random_state), art.encoder, desc


#: Rows the task encoder reads (a fixed random subset of larger training sets, as
#: ``TaskEncoder.encode``): its cell tensor has rows x columns x 32 entries, so reading every
#: row of a large table would cost gigabytes for an embedding that a subset estimates well.
EMBED_MAX_ROWS = 256


def task_embedding(encoder: TaskEncoder | None, Z: np.ndarray, y: np.ndarray, n_classes: int,
                   regression: bool, embed_dim: int) -> torch.Tensor:
    """Embedding of the training data, computed as during meta-training (on at most
    :data:`EMBED_MAX_ROWS` rows, a fixed random subset)."""
    if encoder is None:
        return torch.zeros(embed_dim)
    if len(Z) > EMBED_MAX_ROWS:
        idx = np.sort(np.random.default_rng(0).choice(len(Z), EMBED_MAX_ROWS, replace=False))
        Z, y = Z[idx], y[idx]
    cf = column_features(Z, y, n_classes, regression=regression)
    meta = task_meta_vector(Z, np.zeros(len(Z), np.int64) if regression else y)
    t = lambda a: torch.from_numpy(np.asarray(a, np.float32))[None]
    with torch.no_grad():
        e = encoder(t(Z), torch.ones(1, len(Z)), torch.ones(1, Z.shape[1]), t(cf), t(meta))
    return e[0]


#: The estimators' default Adam step size for fine-tuning.
DEFAULT_LEARNING_RATE = 3e-3


@dataclass
class AdaptConfig:
    max_iter: int = 200  # epochs (passes over the training rows; one step each up to batch_size)
    learning_rate: float = DEFAULT_LEARNING_RATE
    l2_init: float = 1e-3
    label_smoothing: float = 0.0
    n_iter_no_change: int = 20
    batch_size: int = 1024
    optimizer: str = "adam"  # or "sgd": plain steps of the meta-learned inner step size
    deadline: float | None = None  # time.monotonic() by which to stop
    # multipliers of the meta-learned ridge strength tried for the closed-form head; the one
    # with the lowest validation loss starts fine-tuning (ridge head only)
    ridge_grid: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0, 10.0)


def adapt_member(net: SchemaNet, emb: torch.Tensor, Z_tr: np.ndarray, y_tr: np.ndarray,
                 w_tr: np.ndarray, Z_va: np.ndarray | None, y_va: np.ndarray | None,
                 w_va: np.ndarray | None, n_classes: int, regression: bool, cfg: AdaptConfig,
                 rng: np.random.Generator) -> tuple[Fast, int, int]:
    """Initialise fast parameters on the training part, fine-tune, return the best by validation
    loss (epoch 0, the initialization, included), the chosen number of epochs and the number of
    epochs run."""
    t = lambda a, dt=torch.float32: torch.as_tensor(np.asarray(a), dtype=dt)
    ydt = torch.float32 if regression else torch.long
    Xs, ys, ms = t(Z_tr), t(y_tr, ydt), t(w_tr)
    K = max(n_classes, 1)
    classmask = torch.ones(K)
    cf = t(column_features(Z_tr, y_tr, n_classes, regression=regression))
    theta = {k: v.detach() for k, v in net.meta_params().items()}
    if Z_va is not None:
        Xv, yv, mv = t(Z_va), t(y_va, ydt), t(w_va)

    def val_loss(p: Fast) -> float:
        with torch.no_grad():
            return float(task_loss(p, Xv, yv, mv, None, 0.0, regression))

    noise = torch.from_numpy(rng.standard_normal((Xs.shape[1], net.config.hidden))
                             .astype(np.float32))

    def init_fast(mults: tuple[float, ...]) -> list[Fast]:
        args = (theta, Xs, ys, ms, torch.ones(Xs.shape[1]), classmask, cf, emb)
        with torch.no_grad():
            if "log_ridge" in theta:  # one body and Gram matrix for the whole ridge grid
                return SchemaNet.make_fast_ridge_path(*args, ridge_mults=mults,
                                                      regression=regression, noise=noise)
            return [SchemaNet.make_fast(*args, regression=regression, ridge=net.config.ridge,
                                        noise=noise)]

    if "log_ridge" in theta and Z_va is not None and len(cfg.ridge_grid) > 1:
        cands = [(val_loss(f), i, f) for i, f in enumerate(init_fast(tuple(cfg.ridge_grid)))]
        fast0 = min(cands, key=lambda c: (c[0], c[1]))[2]
    else:
        fast0 = init_fast((1.0,))[0]
    params = {k: v.clone().requires_grad_(True) for k, v in fast0.items()}

    best = {k: v.detach().clone() for k, v in params.items()}
    best_epoch = 0
    best_val = val_loss(params) if Z_va is not None else None
    # patience counts from the best fine-tuned epoch, not from the initialization, and no
    # member stops before 2 x n_iter_no_change epochs (of the default learning rate): the
    # closed-form head is a strong start
    # that the first steps often leave (the validation loss rises or stalls for 20-30 epochs,
    # then falls far below it once the body learns features); counting from it stopped such
    # members at the untrained model (a 2,000-row regression table: R^2 0.72 instead of 0.85)
    tuned_val = float("inf")
    # Adam moves the weights by about learning_rate per step: a smaller one takes
    # proportionally more epochs to leave the start (counted in epochs of the default rate)
    min_epochs = 2 * cfg.n_iter_no_change * max(1.0, DEFAULT_LEARNING_RATE / cfg.learning_rate)
    if cfg.max_iter == 0:
        return best, 0, 0
    if cfg.optimizer == "sgd":
        opt = _SGD(list(params.values()), lr=float(torch.exp(net.log_lr.detach())))
    else:
        opt = _Adam(list(params.values()), lr=cfg.learning_rate)
    ls = 0.0 if regression else cfg.label_smoothing
    n = len(ys)
    # an epoch is one pass over the training rows: one full-batch step up to batch_size rows,
    # else shuffled mini-batches (as scikit-learn's MLP counts max_iter), so that large data
    # gets as many passes as small data instead of a fixed number of steps
    per_epoch = 1 if n <= cfg.batch_size else -(-n // cfg.batch_size)
    bad = 0
    epoch = 0
    out_of_time = False
    for epoch in range(1, cfg.max_iter + 1):
        order = rng.permutation(n) if per_epoch > 1 else None
        for b in range(per_epoch):
            if order is None:
                xb, yb, mb = Xs, ys, ms
            else:
                idx = torch.from_numpy(order[b * cfg.batch_size:(b + 1) * cfg.batch_size])
                xb, yb, mb = Xs[idx], ys[idx], ms[idx]
            loss = task_loss(params, xb, yb, mb, None, ls, regression)
            opt.zero_grad()
            loss.backward()
            with torch.no_grad():
                for k, p in params.items():
                    if p.grad is None:
                        continue
                    torch.nan_to_num_(p.grad, nan=0.0, posinf=0.0, neginf=0.0)  # NaN guard
                    if cfg.l2_init > 0:  # gradient of l2_init * ||p - p0||^2 (pull to init)
                        p.grad.add_(p - fast0[k], alpha=2 * cfg.l2_init)
            torch.nn.utils.clip_grad_norm_(list(params.values()), 5.0)
            opt.step()
            if cfg.deadline is not None and time.monotonic() > cfg.deadline:
                out_of_time = True
                break
        if best_val is None:
            best, best_epoch = {k: v.detach().clone() for k, v in params.items()}, epoch
        else:
            v = val_loss(params)
            if v < best_val - 1e-5:
                best_val, best_epoch = v, epoch
                best = {k: p.detach().clone() for k, p in params.items()}
            if v < tuned_val - 1e-5:
                tuned_val, bad = v, 0
            else:
                bad += 1
                if bad >= cfg.n_iter_no_change and epoch >= min_epochs:
                    break
        if out_of_time:
            break
    return best, best_epoch, epoch


class _SGD:
    """Plain gradient steps, as in the meta-training inner loop."""

    def __init__(self, params: list[torch.Tensor], lr: float):
        self.params, self.lr = params, lr

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.sub_(self.lr * p.grad)


class _Adam:
    """Minimal Adam (``torch.optim`` imports torch._dynamo on first use: seconds of latency)."""

    def __init__(self, params: list[torch.Tensor], lr: float, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.betas, self.eps, self.t = params, lr, betas, eps, 0
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for p, m, v in zip(self.params, self.m, self.v):
            if p.grad is None:
                continue
            m.mul_(b1).add_(p.grad, alpha=1 - b1)
            v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
            p.sub_(self.lr * (m / c1) / ((v / c2).sqrt() + self.eps))


#: Rows predicted at a time: the hidden activations of a block stay a few hundred MB at most.
PREDICT_BLOCK_ROWS = 32768


def predict_member(fast: Fast, Z: np.ndarray, n_classes: int, regression: bool) -> np.ndarray:
    """Class probabilities (n, k) or standardised predictions (n,) of one fine-tuned member,
    computed in blocks of :data:`PREDICT_BLOCK_ROWS` rows (in float64, so that predictions
    depend on how rows are batched only at rounding level, ~1e-16)."""
    fast = {k: v.double() for k, v in fast.items()}
    blocks = []
    with torch.no_grad():
        for start in range(0, max(len(Z), 1), PREDICT_BLOCK_ROWS):
            X = torch.as_tensor(np.clip(Z[start:start + PREDICT_BLOCK_ROWS], -CLIP, CLIP),
                                dtype=torch.float64)
            out = SchemaNet.forward_fast(fast, X, None)
            blocks.append(out if regression else torch.softmax(out, dim=-1))
    return torch.cat(blocks).numpy().astype(np.float64)

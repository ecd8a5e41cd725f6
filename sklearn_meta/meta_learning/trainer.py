"""Meta-training of :class:`~sklearn_meta.nn.SchemaNet` with MAML, first-order MAML or Reptile.

Tasks of a meta-batch are padded to common tensors with masks and processed together with
``torch.func`` (``functional_call``-style pure functions, ``grad``, ``vjp``, ``vmap``) — no
Python loop per task. The per-task loop (:meth:`MetaTrainer.meta_gradient` with
``batched=False``) is kept as the reference the throughput benchmark compares against.
"""
from __future__ import annotations

import math
import os
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch.func import grad, grad_and_value, vjp, vmap

from ..nn.episodes import EpisodeBatch, make_episode, pad_episodes, standardize
from ..nn.network import NetConfig, SchemaNet, task_loss
from ..nn.task_encoder import META_DIM, TaskEncoder, info_nce, task_meta_vector
from .corpus import CorpusTask

ALGORITHMS = ("maml", "fomaml", "reptile")
#: Range the inner step size is kept in (second-order MAML meta-learns it within it).
INNER_LR_RANGE = (1e-3, 1.0)


@dataclass
class MetaConfig:
    """Meta-training hyper-parameters (all stored in the artifact manifest)."""

    algorithm: str = "fomaml"
    n_steps: int = 500
    meta_batch: int = 16
    inner_steps: int = 5
    inner_lr: float = 0.1       # initial inner step size; meta-learned by "maml" only
    inner_clip: float = 5.0
    outer_lr: float = 1e-3
    outer_clip: float = 1.0
    support_sizes: tuple[int, ...] = (16, 32, 64, 128)
    n_query: int = 64
    max_classes: int = 10
    max_columns: int = 32
    label_smoothing: float = 0.1
    proto_weight: float = 0.5   # weight of the zero-step (ProtoNet) query loss in the meta-grad
    regression_every: int = 0   # every k-th step is a regression meta-batch (0: never)
    encoder_steps: int = 200    # contrastive pre-training steps of the task encoder (0: none)
    seed: int = 0
    checkpoint_every: int = 50

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {self.algorithm!r}")
        for name in ("n_steps", "meta_batch", "inner_steps", "n_query", "checkpoint_every",
                     "max_classes", "max_columns"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        self.support_sizes = tuple(int(s) for s in self.support_sizes)
        if not self.support_sizes or min(self.support_sizes) < 2:
            raise ValueError(f"support_sizes must hold at least one size >= 2, got "
                             f"{self.support_sizes!r}")
        lo, hi = INNER_LR_RANGE
        if not lo <= float(self.inner_lr) <= hi:
            raise ValueError(f"inner_lr must lie in [{lo:g}, {hi:g}] (the range the step size "
                             f"is kept in), got {self.inner_lr!r}")
        if not 0 <= int(self.seed) < 2 ** 32:
            raise ValueError(f"seed must be an integer in [0, 2**32 - 1], got {self.seed!r}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["support_sizes"] = list(self.support_sizes)
        return d


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"``: CUDA when present, else CPU."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _clip_and_clean(g: dict[str, torch.Tensor], max_norm: float) -> dict[str, torch.Tensor]:
    """NaN/inf guard (non-finite entries -> 0) then global-norm clipping; vmap-safe."""
    g = {k: torch.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0) for k, v in g.items()}
    norm = torch.sqrt(sum((v ** 2).sum() for v in g.values()) + 1e-12)
    factor = torch.clamp(max_norm / norm, max=1.0)
    return {k: v * factor for k, v in g.items()}


def make_task_metagrad(cfg: MetaConfig, ridge: float, regression: bool) -> Callable:
    """Pure function: (theta, one task's tensors) -> (meta-gradient dict, query loss)."""
    ls = 0.0 if regression else cfg.label_smoothing

    def task_fn(theta, Xs, ys, ms, Xq, yq, mq, colmask, classmask, colfeat, emb, noise):
        def make(th):
            return SchemaNet.make_fast(th, Xs, ys, ms, colmask, classmask, colfeat, emb,
                                       regression=regression, ridge=ridge, noise=noise)

        def support_loss(fast):
            return task_loss(fast, Xs, ys, ms, classmask, ls, regression)

        def query_loss(fast):
            return task_loss(fast, Xq, yq, mq, classmask, ls, regression)

        # squared error on a 1-D ridge head is far stiffer than cross-entropy: smaller steps
        lr_scale = 0.1 if regression else 1.0
        lr = torch.exp(theta["log_lr"]) * lr_scale

        def inner(fast, lr=lr):
            for _ in range(cfg.inner_steps):
                g = _clip_and_clean(grad(support_loss)(fast), cfg.inner_clip)
                fast = {k: fast[k] - lr * g[k] for k in fast}
            return fast

        if cfg.algorithm == "maml":  # second order: differentiate through the inner loop
            def outer(th):
                f0 = make(th)
                adapted = query_loss(inner(f0, torch.exp(th["log_lr"]) * lr_scale))
                return adapted + cfg.proto_weight * query_loss(f0), adapted.detach()
            g, loss = grad(outer, has_aux=True)(theta)
            return _clip_and_clean(g, 1e6), loss

        fast0, pullback = vjp(make, theta)
        fast = inner({k: v.detach() for k, v in fast0.items()})
        if cfg.algorithm == "fomaml":
            gq, loss = grad_and_value(query_loss)(fast)
        else:  # reptile: move the init towards the adapted weights
            scale = 1.0 / (lr.detach() * cfg.inner_steps)
            gq = {k: (fast0[k].detach() - fast[k]) * scale for k in fast}
            loss = query_loss(fast)
        if cfg.proto_weight > 0:
            g0 = grad(query_loss)({k: v.detach() for k, v in fast0.items()})
            gq = {k: gq[k] + cfg.proto_weight * g0[k] for k in gq}
        (g,) = pullback(_clip_and_clean(gq, 1e6))
        return _clip_and_clean(g, 1e6), loss.detach()

    return task_fn


@dataclass
class TrainState:
    step: int = 0
    history: list = field(default_factory=list)
    seconds: float = 0.0  # wall time of all runs that made this state (resumes included)


class _Interrupt:
    requested = False


@contextmanager
def _deferred_interrupt():
    """Ctrl-C (SIGINT) during a meta-step is held until the step is complete, so the
    checkpoint written on interruption holds a consistent state (weights, optimiser, step
    count and random streams of the same step). Outside the main thread: no deferral."""
    flag = _Interrupt()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):
        if flag.requested:  # a second Ctrl-C: stop at once
            raise KeyboardInterrupt
        flag.requested = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


class MetaTrainer:
    """Meta-trains a :class:`SchemaNet` (and a :class:`TaskEncoder`) on a list of tasks.

    Deterministic given ``cfg.seed`` on CPU. ``train(out_dir)`` checkpoints to
    ``out_dir/checkpoint.pt`` and resumes from it. Under ``torchrun`` (an initialised
    ``torch.distributed`` process group) every rank draws the same meta-batch, processes its
    own slice of the tasks and the meta-gradients are averaged with ``all_reduce`` (gloo on
    CPU, NCCL on GPU), so the result matches one process up to float rounding.
    """

    def __init__(self, tasks: list[CorpusTask], cfg: MetaConfig | None = None,
                 net_config: NetConfig | None = None, device: str = "auto",
                 regression_tasks: list[CorpusTask] | None = None, progress: bool = True,
                 encoder_targets: dict[str, np.ndarray] | None = None):
        if not tasks:
            raise ValueError("tasks must be a non-empty list of CorpusTask")
        for t in list(tasks) + list(regression_tasks or []):
            for what, a in (("X", t.X), ("y", t.y)):
                a = np.asarray(a)
                if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
                    raise ValueError(f"task {t.name!r}: {what} holds NaN or infinite values; "
                                     f"impute or drop them before meta-training (one such "
                                     f"value turns every meta-loss NaN)")
        self.cfg = cfg or MetaConfig()
        self.device = resolve_device(device)
        self.tasks = tasks
        self.regression_tasks = regression_tasks or []
        torch.manual_seed(self.cfg.seed)
        self.net = SchemaNet(net_config).to(self.device)
        with torch.no_grad():  # the configured inner step size (maml meta-learns it further)
            self.net.log_lr.fill_(math.log(float(self.cfg.inner_lr)))
        self.encoder = TaskEncoder(embed_dim=self.net.config.embed_dim).to(self.device)
        #: autocast dtype of the meta-gradient (bf16 on CUDA, none on CPU; settable, which
        #: is how the tests run the mixed-precision path on a machine without a GPU)
        self.amp_dtype: torch.dtype | None = torch.bfloat16 if self.device.type == "cuda" else None
        self.opt = torch.optim.Adam(self.net.parameters(), lr=self.cfg.outer_lr)
        self.rng = np.random.default_rng(self.cfg.seed)
        self.state = TrainState()
        self._t_resumed = time.monotonic()
        self.last_run_seconds = 0.0
        self.progress = progress
        self.use_encoder = self.cfg.encoder_steps > 0
        # task name -> vector to predict from the embedding (e.g. normalised scores of the
        # knowledge base's candidate configurations), so the embedding carries what matters
        # for choosing how to learn; tasks without an entry get the contrastive loss only
        self.encoder_targets = {k: np.asarray(v, dtype=np.float32)
                                for k, v in (encoder_targets or {}).items()}
        self._meta_cache: dict[tuple[bool, int, int], np.ndarray] = {}
        self._fns = {r: make_task_metagrad(self.cfg, self.net.config.ridge, r)
                     for r in (False, True)}
        self._batched = {r: vmap(fn, in_dims=(None,) + (0,) * 11) for r, fn in self._fns.items()}

    # ------------------------------------------------------------------ sampling
    def sample_batch(self, regression: bool = False, meta_batch: int | None = None,
                     n_support: int | None = None) -> EpisodeBatch:
        """Draw a padded meta-batch of episodes (one support size for the whole batch)."""
        pool = self.regression_tasks if regression else self.tasks
        T = meta_batch or self.cfg.meta_batch
        idx = self.rng.choice(len(pool), size=T, replace=len(pool) < T)
        n_s = n_support or int(self.rng.choice(self.cfg.support_sizes))
        eps = []
        for i in idx:
            t = pool[i]
            e = make_episode(t.X, t.y, self.rng, n_s, self.cfg.n_query, self.cfg.max_classes,
                             self.cfg.max_columns, regression=regression)
            e.meta = self.task_meta(int(i), n_s, regression)
            eps.append(e)
        return pad_episodes(eps, META_DIM).to(self.device)

    def task_meta(self, i: int, n_rows: int, regression: bool = False) -> np.ndarray:
        """Meta-feature vector of task ``i`` as the estimator would see it with ``n_rows``
        training rows: computed once (cached) on a fixed standardised sub-sample."""
        key = (regression, i, n_rows)
        if key not in self._meta_cache:
            t = (self.regression_tasks if regression else self.tasks)[i]
            rng = np.random.default_rng([self.cfg.seed, i, n_rows, int(regression)])
            idx = rng.choice(len(t.y), size=min(n_rows, len(t.y)), replace=False)
            (Xs,) = standardize(np.asarray(t.X, dtype=np.float64)[idx])
            y = np.zeros(len(idx), np.int64) if regression else \
                np.unique(np.asarray(t.y)[idx], return_inverse=True)[1]
            self._meta_cache[key] = task_meta_vector(Xs, y)
        return self._meta_cache[key]

    def fit_meta_scaling(self) -> None:
        """Standardise the encoder's meta-feature input by the training tasks' vectors."""
        vecs = [self.task_meta(i, n, r) for r, pool in ((False, self.tasks),
                                                          (True, self.regression_tasks))
                for i in range(len(pool)) for n in self.cfg.support_sizes]
        self.encoder.set_meta_scaling(np.stack(vecs))

    def embed(self, batch: EpisodeBatch) -> torch.Tensor:
        if not self.use_encoder:
            return torch.zeros(batch.Xs.shape[0], self.net.config.embed_dim, device=self.device)
        with torch.no_grad():
            return self.encoder.embed_batch(batch)

    def input_noise(self, batch: EpisodeBatch) -> torch.Tensor:
        """Fresh random per-column input weights (T, D, H) for the batch's tasks, drawn from
        the trainer's seeded generator (see ``NetConfig.input_noise``); unused (but cheap)
        when the network has no random input component."""
        T, _, D = batch.Xs.shape
        if self.net.config.input_noise <= 0:
            return torch.zeros((T, D, self.net.config.hidden), device=self.device)
        gen = torch.Generator().manual_seed(int(self.rng.integers(2 ** 62)))
        noise = torch.randn((T, D, self.net.config.hidden), generator=gen)
        return noise.to(self.device)

    # ------------------------------------------------------------------ gradients
    def meta_gradient(self, batch: EpisodeBatch, regression: bool = False,
                      batched: bool = True, noise: torch.Tensor | None = None,
                      ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """Mean meta-gradient and mean query loss over the tasks of ``batch``.

        ``batched=True``: one vmapped call over the padded tasks. ``False``: the reference
        Python loop, one unpadded task at a time.
        """
        theta = {k: v.detach() for k, v in self.net.meta_params().items()}
        emb = self.embed(batch)
        if noise is None:
            noise = self.input_noise(batch)
        with torch.autocast(self.device.type, dtype=self.amp_dtype,
                            enabled=self.amp_dtype is not None):
            if batched:
                args = batch.as_tuple()[:9] + (emb, noise)
                g, loss = self._batched[regression](theta, *args)
                return {k: v.float().mean(0) for k, v in g.items()}, loss.float().mean()
            total, losses = None, []
            for t in range(batch.Xs.shape[0]):
                sub = batch.task(t)
                d = sub.Xs.shape[2]
                args = tuple(a[0] for a in sub.as_tuple()[:9]) + (emb[t], noise[t, :d])
                g, loss = self._fns[regression](theta, *args)
                total = g if total is None else {k: total[k] + g[k] for k in g}
                losses.append(loss)
            T = batch.Xs.shape[0]
            return {k: v.float() / T for k, v in total.items()}, torch.stack(losses).mean()

    def _all_reduce(self, g: dict[str, torch.Tensor], loss: torch.Tensor):
        import torch.distributed as dist
        if not (dist.is_available() and dist.is_initialized()):
            return g, loss
        world = dist.get_world_size()
        flat = torch.cat([v.reshape(-1) for v in g.values()] + [loss.reshape(1)])
        dist.all_reduce(flat)
        flat /= world
        out, i = {}, 0
        for k, v in g.items():
            out[k] = flat[i:i + v.numel()].view_as(v)
            i += v.numel()
        return out, flat[-1]

    def _rank_slice(self, batch: EpisodeBatch, noise: torch.Tensor
                    ) -> tuple[EpisodeBatch, torch.Tensor]:
        """This rank's share of the meta-batch (all of it without a process group)."""
        import torch.distributed as dist
        if not (dist.is_available() and dist.is_initialized()):
            return batch, noise
        r, w = dist.get_rank(), dist.get_world_size()
        T = batch.Xs.shape[0]
        if T % w:
            raise ValueError(f"meta_batch={T} must be divisible by the world size {w}")
        sl = slice(r * T // w, (r + 1) * T // w)
        return EpisodeBatch(*(a[sl] for a in batch.as_tuple())), noise[sl]

    def step(self) -> float:
        """One meta-update; returns the meta-loss (mean query loss after adaptation)."""
        cfg = self.cfg
        regression = bool(self.regression_tasks) and cfg.regression_every > 0 and \
            (self.state.step % cfg.regression_every == cfg.regression_every - 1)
        full = self.sample_batch(regression)
        # drawn for the whole meta-batch before slicing, so every rank sees what one process would
        batch, noise = self._rank_slice(full, self.input_noise(full))
        g, loss = self.meta_gradient(batch, regression, noise=noise)
        g, loss = self._all_reduce(g, loss)
        for k, p in self.net.named_parameters():
            p.grad = g[k].to(p.dtype)
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), cfg.outer_clip)
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        with torch.no_grad():  # keep the inner step size in a sane range
            self.net.log_lr.clamp_(math.log(INNER_LR_RANGE[0]), math.log(INNER_LR_RANGE[1]))
        self.state.step += 1
        val = float(loss)
        self.state.history.append({"step": self.state.step, "loss": val,
                                   "regression": regression})
        return val

    # ------------------------------------------------------------------ task encoder
    def train_encoder(self, n_steps: int | None = None, batch_tasks: int = 32,
                      target_weight: float = 1.0) -> list[float]:
        """Encoder training: two sub-sampled views of each task must match (InfoNCE) and, for
        tasks with an entry in ``encoder_targets``, a linear read-out of the embedding must
        predict that vector (masked squared error; NaN entries are not scored)."""
        n_steps = self.cfg.encoder_steps if n_steps is None else n_steps
        self.fit_meta_scaling()
        names = [t.name for t in self.tasks]
        with_target = [i for i, n in enumerate(names) if n in self.encoder_targets]
        head = None
        params = list(self.encoder.parameters())
        if with_target:
            dim = len(next(iter(self.encoder_targets.values())))
            head = torch.nn.Linear(self.encoder.embed_dim, dim).to(self.device)
            params += list(head.parameters())
            Y = np.zeros((len(names), dim), np.float32)
            M = np.zeros((len(names), dim), np.float32)
            for i in with_target:
                v = self.encoder_targets[names[i]]
                Y[i], M[i] = np.nan_to_num(v), np.isfinite(v)
            Y_t, M_t = torch.from_numpy(Y).to(self.device), torch.from_numpy(M).to(self.device)
        opt = torch.optim.Adam(params, lr=3e-3, weight_decay=1e-4)
        losses = []
        self.encoder_target_losses: list[float] = []
        self.encoder.train()
        from tqdm.auto import tqdm

        bar = tqdm(range(n_steps), desc="task encoder", disable=not (self.progress
                                                                   and self._rank0()))
        for _ in bar:
            T = min(batch_tasks, len(self.tasks))
            idx = self.rng.choice(len(self.tasks), size=T, replace=False)
            views = []
            for _v in range(2):
                eps = []
                n_s = int(self.rng.choice(self.cfg.support_sizes))
                for i in idx:
                    t = self.tasks[i]
                    e = make_episode(t.X, t.y, self.rng, n_s, 1, self.cfg.max_classes,
                                     self.cfg.max_columns)
                    e.meta = self.task_meta(int(i), n_s)
                    eps.append(e)
                views.append(self.encoder.embed_batch(pad_episodes(eps, META_DIM)
                                                      .to(self.device)))
            loss = info_nce(*views)
            if head is not None:
                sel = torch.as_tensor(idx, device=self.device)
                m = M_t[sel]
                errs = [((head(v) - Y_t[sel]) ** 2 * m).sum() / m.sum().clamp(min=1.0)
                        for v in views]
                err = 0.5 * (errs[0] + errs[1])
                loss = loss + target_weight * err
                self.encoder_target_losses.append(float(err.detach()))
            opt.zero_grad()
            if torch.isfinite(loss):  # NaN guard: a non-finite step would poison every weight
                loss.backward()
                for p in params:
                    if p.grad is not None:
                        torch.nan_to_num_(p.grad, nan=0.0, posinf=0.0, neginf=0.0)
                opt.step()
            losses.append(float(loss.detach()))
            bar.set_postfix(loss=f"{losses[-1]:.4f}")
        bar.close()
        self.encoder.eval()
        return losses

    # ------------------------------------------------------------------ checkpoints
    @staticmethod
    def _rank0() -> bool:
        try:
            import torch.distributed as dist
            return not dist.is_initialized() or dist.get_rank() == 0
        except Exception:  # pragma: no cover
            return True

    def save_checkpoint(self, path: Path) -> None:
        tmp = Path(str(path) + ".tmp")
        torch.save({"net": self.net.state_dict(), "encoder": self.encoder.state_dict(),
                    "opt": self.opt.state_dict(), "step": self.state.step,
                    "history": self.state.history, "seconds": self._seconds(),
                    "rng": self.rng.bit_generator.state,
                    "torch_rng": torch.get_rng_state(), "cfg": self.cfg.to_dict(),
                    "run": self.run_fingerprint()}, tmp)
        os.replace(tmp, path)

    def run_fingerprint(self) -> dict:
        """What the weights depend on besides ``cfg``: the training tasks, the network's
        shape and the encoder's supervision (a resumed run must match all of them, or the
        artifact's manifest would describe other weights)."""
        import hashlib

        h = hashlib.sha256()
        for name in sorted(self.encoder_targets):
            h.update(name.encode())
            h.update(np.ascontiguousarray(self.encoder_targets[name], np.float64).tobytes())
        return {"tasks": sorted(t.name for t in self.tasks),
                "regression_tasks": sorted(t.name for t in self.regression_tasks),
                "net_config": self.net.config.to_dict(),
                "encoder_targets_sha256": h.hexdigest()}

    def load_checkpoint(self, path: Path) -> None:
        try:
            # tensors and plain Python values only: a checkpoint from elsewhere runs no code
            ck = torch.load(path, map_location=self.device, weights_only=True)
            ck["cfg"], ck["step"]
        except Exception as exc:  # noqa: BLE001 - truncated, foreign or edited file
            raise ValueError(f"{path}: not a readable meta-training checkpoint "
                             f"({type(exc).__name__}: {exc}); delete it to start over, or "
                             f"use another --out") from None
        if ck["cfg"] != self.cfg.to_dict():
            diff = sorted(k for k in set(ck["cfg"]) | set(self.cfg.to_dict())
                          if ck["cfg"].get(k) != self.cfg.to_dict().get(k))
            raise ValueError(f"checkpoint {path} was made with other settings ({', '.join(diff)}"
                             f"); use a new --out directory or the same options")
        run = ck.get("run")
        now = self.run_fingerprint()
        if run is not None and run != now:
            diff = sorted(k for k in now if run.get(k) != now[k])
            raise ValueError(f"checkpoint {path} was made with other {', '.join(diff)} "
                             f"(training tasks, held-out list, network or --kb); use a new "
                             f"--out directory or the same options")
        self.net.load_state_dict(ck["net"])
        self.encoder.load_state_dict(ck["encoder"])
        self.opt.load_state_dict(ck["opt"])
        self.state = TrainState(ck["step"], ck["history"], float(ck.get("seconds", 0.0)))
        self._t_resumed = time.monotonic()
        self.rng.bit_generator.state = ck["rng"]
        torch.set_rng_state(ck["torch_rng"].cpu())  # map_location moved it to the device

    def _seconds(self) -> float:
        """Training wall time so far: the checkpointed runs' plus this one's."""
        return self.state.seconds + time.monotonic() - self._t_resumed

    def train(self, out_dir: str | Path | None = None) -> TrainState:
        """Run (or resume) meta-training up to ``cfg.n_steps``; checkpoints in ``out_dir``."""
        from tqdm.auto import tqdm
        self._t_resumed = time.monotonic()
        ckpt = None
        if out_dir is not None:
            Path(out_dir).mkdir(parents=True, exist_ok=True)
            ckpt = Path(out_dir) / "checkpoint.pt"
            if ckpt.exists():
                self.load_checkpoint(ckpt)
        seconds_before = self.state.seconds
        encoder_done = any("encoder_loss_last" in h for h in self.state.history)
        if self.use_encoder and not encoder_done:
            enc_losses = self.train_encoder()
            rec = {"step": 0, "encoder_loss_first": enc_losses[0],
                   "encoder_loss_last": float(np.mean(enc_losses[-10:]))}
            if self.encoder_target_losses:
                rec["encoder_target_mse_first"] = float(np.mean(self.encoder_target_losses[:10]))
                rec["encoder_target_mse_last"] = float(np.mean(self.encoder_target_losses[-10:]))
            self.state.history.append(rec)
            if ckpt is not None and self._rank0():  # the encoder is kept if interrupted later
                self.save_checkpoint(ckpt)
        rank0 = self._rank0()
        bar = tqdm(total=self.cfg.n_steps, initial=self.state.step,
                   disable=not (self.progress and rank0), desc="meta-train")
        ema = None
        try:
            with _deferred_interrupt() as interrupt:
                while self.state.step < self.cfg.n_steps:
                    loss = self.step()
                    ema = loss if ema is None else 0.95 * ema + 0.05 * loss
                    bar.set_postfix(meta_loss=f"{ema:.4f}")
                    bar.update(1)
                    every = self.state.step % self.cfg.checkpoint_every == 0
                    if ckpt is not None and rank0 and (every or interrupt.requested):
                        self.save_checkpoint(ckpt)
                    if interrupt.requested:
                        if ckpt is not None and rank0:
                            print(f"\nmeta-train: interrupted after step {self.state.step}; "
                                  f"checkpoint saved to {ckpt}", flush=True)
                        raise KeyboardInterrupt
        finally:
            bar.close()
        # the total first, then the checkpoint: it must hold the same total the manifest gets
        # (else a later run resuming from it would report less time than this one)
        self.state.seconds = self._seconds()
        self._t_resumed = time.monotonic()
        #: training seconds of this call alone (``state.seconds`` adds the resumed runs')
        self.last_run_seconds = self.state.seconds - seconds_before
        if ckpt is not None and rank0:
            self.save_checkpoint(ckpt)
        return self.state

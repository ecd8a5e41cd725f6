r"""``sklearn-meta meta-train``: meta-train a MetaMLP initialization and write an artifact.

Example::

    sklearn-meta meta-train --suite uci121 --algorithm reptile \
        --exclude-file sklearn_meta/artifacts/heldout_uci121.txt --out DIR

Resumes from ``DIR/checkpoint.pt`` when interrupted. Works under ``torchrun``: gloo on CPU,
NCCL with one GPU per process.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

from ._args import (float_between, name_list, non_negative_float, non_negative_int,
                    output_folder, positive_float, positive_int, seed, torch_device)

#: ``meta_learning.trainer.INNER_LR_RANGE``, repeated so that parsing imports no torch.
INNER_LR_RANGE = (1e-3, 1.0)


def register(subparsers: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Add the ``meta-train`` sub-command to ``subparsers`` (handler in ``func``)."""
    p = subparsers.add_parser("meta-train", help="meta-train a MetaMLP initialization",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    p.set_defaults(func=run)
    return p


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--suite", default="uci121", choices=["uci121"])
    p.add_argument("--data-home", default=None,
                   help="folder that contains uci121/ (default: $SKLEARN_META_DATA, else "
                        "~/.cache/sklearn-meta, as for every command)")
    p.add_argument("--algorithm", default="fomaml", choices=["maml", "fomaml", "reptile"], help="meta-learning algorithm (default %(default)s; maml is second-order)")
    p.add_argument("--exclude-file", default=None,
                   help="held-out task names, one a line (default: the packaged list)")
    p.add_argument("--tasks", type=name_list, default=None,
                   help="comma-separated task names to train on")
    p.add_argument("--out", required=True, type=output_folder,
                   help="output folder (artifact + checkpoint); a run there is resumed")
    p.add_argument("--overwrite", action="store_true",
                   help="start over in --out: replace its artifact and discard its checkpoint "
                        "(without it a run there resumes from the checkpoint)")
    p.add_argument("--steps", type=positive_int, default=2000, help="meta-training steps (default %(default)s)")
    p.add_argument("--meta-batch", type=positive_int, default=16, help="tasks per meta-step (default %(default)s)")
    p.add_argument("--inner-steps", type=positive_int, default=5, help="adaptation steps per task (default %(default)s)")
    p.add_argument("--inner-lr", type=float_between(*INNER_LR_RANGE), default=0.1,
                   help="inner-loop step size (default %(default)s); second-order maml "
                        "meta-learns it from there, fomaml and reptile keep it")
    p.add_argument("--outer-lr", type=positive_float, default=1e-3, help="Adam step size of the meta-update (default %(default)s)")
    p.add_argument("--encoder-steps", type=non_negative_int, default=300, help="task-encoder training steps before meta-training (default %(default)s; 0: no encoder)")
    p.add_argument("--proto-weight", type=non_negative_float, default=3.0,
                   help="weight of the zero-step query loss (the head built in closed form from "
                        "the support rows, before any inner step) in the meta-gradient")
    p.add_argument("--kb", default="packaged",
                   help="knowledge base whose normalised configuration scores the task encoder "
                        "learns to predict ('packaged': the shipped one, 'none': contrastive "
                        "only); only its tasks that are in the training list are used")
    p.add_argument("--regression-every", type=non_negative_int, default=4,
                   help="every k-th meta-batch is a derived regression batch (0: none)")
    p.add_argument("--hidden", type=positive_int, default=64, help="hidden width of the network (default %(default)s)")
    p.add_argument("--column-scale", action="store_true",
                   help="meta-learn a per-column input scale from column statistics")
    p.add_argument("--input-noise", type=non_negative_float, default=1.0,
                   help="initial scale of the random per-column part of the input layer, "
                        "redrawn for every task (meta-learned; 0: none)")
    p.add_argument("--synthetic-tasks", type=non_negative_int, default=0,
                   help="add this many synthetic classification tasks drawn from a random "
                        "prior (sklearn_meta.meta_learning.synthetic) to the training tasks "
                        "(default %(default)s)")
    p.add_argument("--synthetic-seed", type=seed, default=0,
                   help="seed of the synthetic tasks (default %(default)s)")
    p.add_argument("--seed", type=seed, default=0, help="random seed (default %(default)s)")
    p.add_argument("--device", type=torch_device, default="auto",
                   help="'auto' (cuda when available), 'cpu', 'cuda' or 'cuda:<index>'")
    p.add_argument("--threads", type=positive_int, default=1, help="torch threads (default %(default)s)")
    p.add_argument("--no-progress", action="store_true")


def run(args: argparse.Namespace) -> int:
    import torch

    from ..artifacts import save_artifact
    from ..artifacts.io import sha256_file  # noqa: F401  (re-exported for users)
    from ..meta_learning import MetaConfig, MetaTrainer, derive_regression_tasks, load_uci121
    from ..meta_learning.corpus import packaged_heldout_path, read_name_list
    from ..datasets.twins import same_data_names
    from ..nn import NetConfig

    torch.set_num_threads(max(1, args.threads))
    out = Path(args.out)
    finished = [n for n in ("manifest.json", "weights.safetensors") if (out / n).exists()]
    if finished and not (out / "checkpoint.pt").exists() and not args.overwrite:
        raise ValueError(f"--out {out}: holds an artifact ({', '.join(finished)}) and no "
                         f"checkpoint to resume from; choose another folder or pass "
                         f"--overwrite to replace it")
    distributed = "RANK" in os.environ and "WORLD_SIZE" in os.environ
    checkpoint = out / "checkpoint.pt"
    if distributed and args.meta_batch % int(os.environ["WORLD_SIZE"]):
        raise ValueError(f"--meta-batch {args.meta_batch}: must be divisible by the number of "
                         f"processes ({os.environ['WORLD_SIZE']}) under torchrun")
    if distributed:
        import torch.distributed as dist
        args.device = process_device(args.device)
        # the backend follows this process's device: NCCL for GPU tensors, gloo for CPU ones
        dist.init_process_group("nccl" if torch.device(args.device).type == "cuda" else "gloo")
    if args.overwrite and checkpoint.exists() and int(os.environ.get("RANK", "0")) == 0:
        checkpoint.unlink()  # start over, whatever settings it was made with
        print(f"meta-train: --overwrite: discarded {checkpoint}", file=sys.stderr)
    if distributed and args.overwrite:
        dist.barrier()  # no process looks for the checkpoint before rank 0 has removed it
    from ..datasets import get_data_home

    args.data_home = str(get_data_home(args.data_home))
    exclude_file = Path(args.exclude_file) if args.exclude_file else packaged_heldout_path()
    try:
        heldout = read_name_list(exclude_file)
    except FileNotFoundError as exc:
        raise ValueError(f"--exclude-file: {exc}") from None
    names = args.tasks
    from ..datasets.uci121 import list_headers

    try:
        suite_names = {h.name for h in list_headers(Path(args.data_home))}
    except Exception:  # noqa: BLE001 - the loader below names the missing data folder
        suite_names = None
    if suite_names:
        unknown = sorted(set(heldout) - suite_names)
        if unknown:  # a misspelt name would leave its task in the training set
            raise ValueError(f"--exclude-file {exclude_file}: unknown task names {unknown[:10]}"
                             f" (not in uci121)")
    # a held-out task's siblings (same inputs, another target) must not be trained on either
    sibling_of = {s: h for h in heldout for s in same_data_names(h, args.suite)
                  if s not in heldout}
    same_data = sorted(sibling_of)
    dropped = [f"{n} (held out: listed in {exclude_file.name})" if n in heldout else
               f"{n} (same data as held-out task {sibling_of[n]!r})"
               for n in dict.fromkeys(names or []) if n in heldout or n in sibling_of]
    if names and set(names) <= set(heldout) | set(sibling_of):
        raise ValueError(f"--tasks: no task left to train on: {', '.join(dropped)}")
    if dropped:
        print(f"meta-train: not training on {', '.join(dropped)}", file=sys.stderr)
    tasks = load_uci121(args.data_home, names=names, exclude=list(heldout) + same_data)
    small = [n for n in dict.fromkeys(names or []) if n not in heldout and n not in sibling_of
             and n not in {t.name for t in tasks}]
    if small:
        print(f"meta-train: not training on {', '.join(small)} (fewer than 40 rows)",
              file=sys.stderr)
    overlap = {t.name for t in tasks} & (set(heldout) | set(same_data))
    if overlap:  # pragma: no cover - load_uci121 already excludes them
        raise SystemExit(f"training tasks overlap the held-out list: {sorted(overlap)}")
    synthetic = None
    if args.synthetic_tasks:
        from ..meta_learning.synthetic import GENERATOR_VERSION, synthetic_tasks

        tasks = tasks + synthetic_tasks(args.synthetic_tasks, args.synthetic_seed)
        synthetic = {"n_tasks": args.synthetic_tasks, "seed": args.synthetic_seed,
                     "generator": "sklearn_meta.meta_learning.synthetic",
                     "generator_version": GENERATOR_VERSION}
    # the knowledge base only supervises the task encoder: none without one
    targets, kb_info = (encoder_targets(args.kb, [t.name for t in tasks])
                        if args.encoder_steps > 0 else ({}, None))
    reg = derive_regression_tasks(tasks) if args.regression_every > 0 else []
    cfg = MetaConfig(algorithm=args.algorithm, n_steps=args.steps, meta_batch=args.meta_batch,
                     inner_steps=args.inner_steps, inner_lr=args.inner_lr,
                     outer_lr=args.outer_lr, encoder_steps=args.encoder_steps,
                     proto_weight=args.proto_weight,
                     regression_every=args.regression_every, seed=args.seed)
    trainer = MetaTrainer(tasks, cfg, NetConfig(hidden=args.hidden, input_noise=args.input_noise,
                                        column_scale=args.column_scale), device=args.device,
                          regression_tasks=reg, progress=not args.no_progress,
                          encoder_targets=targets)
    t0 = time.time()
    state = trainer.train(args.out)
    elapsed = time.time() - t0
    rank0 = not distributed or torch.distributed.get_rank() == 0
    if rank0:
        losses = [h["loss"] for h in state.history if "loss" in h and not h["regression"]]
        rlosses = [h["loss"] for h in state.history if "loss" in h and h["regression"]]
        head = max(1, len(losses) // 10)
        enc = [h for h in state.history if "encoder_loss_last" in h]
        metrics = {
            "meta_loss_first": sum(losses[:head]) / head if losses else None,
            "meta_loss_last": sum(losses[-head:]) / head if losses else None,
            "regression_meta_loss_last": (sum(rlosses[-max(1, len(rlosses) // 10):])
                                          / max(1, len(rlosses) // 10)) if rlosses else None,
            "encoder_contrastive_loss": enc[0] if enc else None,
            "train_seconds_this_run": trainer.last_run_seconds,
            "train_seconds_total": state.seconds, "wall_seconds_this_run": elapsed,
            "steps": state.step,
            "world_size": torch.distributed.get_world_size() if distributed else 1,
        }
        manifest = {
            "algorithm": cfg.algorithm, "hyperparameters": cfg.to_dict(),
            "suite": args.suite, "training_tasks": sorted(t.name for t in tasks),
            "regression_tasks": sorted(t.name for t in reg),
            "heldout_tasks": sorted(heldout), "heldout_file": exclude_file.name,
            "excluded_same_data_as_heldout": same_data,
            "encoder_supervision": kb_info,
            "synthetic_tasks": synthetic,
            "metrics": metrics, "device": str(trainer.device),
            "inner_lr_learned": float(torch.exp(trainer.net.log_lr.detach())),
        }
        save_artifact(args.out, trainer.net, trainer.encoder if cfg.encoder_steps else None,
                      manifest)
        (Path(args.out) / "history.json").write_text(json.dumps(state.history) + "\n")
        print(json.dumps(metrics, indent=1))
    if distributed:
        # every rank waits for rank 0's save: a rank that tears gloo down while its peer
        # still holds the connection can abort ("terminate called without an active exception")
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    return 0


def process_device(requested: str) -> str:
    """The device of this ``torchrun`` process: one GPU per process (``cuda:LOCAL_RANK``).

    ``auto`` takes the GPUs when there is one for each process on this node and the CPU
    otherwise (the same for every process, so the ranks agree on the backend); ``cuda``
    without an index means ``cuda:LOCAL_RANK`` and needs as many GPUs as local processes.
    """
    import torch

    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(local_rank + 1)))
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if requested == "auto":
        requested = "cuda" if gpus >= local_world else "cpu"
    device = torch.device(requested)
    if device.type != "cuda":
        return str(device)
    if device.index is None:
        if gpus < local_world:
            raise ValueError(f"--device {requested}: {local_world} processes on this node but "
                             f"only {gpus} CUDA device(s); NCCL needs one GPU per process "
                             f"(start fewer processes, or use --device cpu)")
        device = torch.device("cuda", local_rank)
    torch.cuda.set_device(device)
    return str(device)


def encoder_targets(kb_arg: str | None, train_names: list[str]
                    ) -> tuple[dict[str, np.ndarray], dict | None]:
    """Per training task, the knowledge base's normalised scores of its candidate pool (what
    the task encoder learns to predict); ``({}, None)`` for ``--kb none``."""
    if kb_arg is None or kb_arg == "none":
        return {}, None
    from ..search.knowledge_base import DEFAULT_KB, KnowledgeBase

    path = DEFAULT_KB if kb_arg == "packaged" else Path(kb_arg)
    kb = KnowledgeBase.load(path)
    names = [n for n in train_names if n in kb.tasks]
    if not names:
        return {}, None
    cands, names, M = kb.pool_matrix(tasks=names)
    info = {"knowledge_base": path.name,
            "knowledge_base_sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
            "n_candidates": len(cands),
            "tasks": sorted(names), "target": "regret-normalised CV score of each candidate"}
    return {n: M[i] for i, n in enumerate(names)}, info


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m sklearn_meta.cli.meta_train``) until wired into main."""
    parser = argparse.ArgumentParser(prog="sklearn-meta")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())

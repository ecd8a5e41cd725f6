"""Meta-training throughput: batched ``torch.func`` (vmap over padded tasks) vs a per-task loop.

Both compute the same meta-gradient (same model, same inner loop, same episodes; the loop
processes each task unpadded). Reports tasks/second and the ratio.

learn2learn's MAML (the issue asks for it "where it installs") is looked for and the results
say what was found: its last release (0.2.0) does not build on Python >= 3.11 (the sdist ships
Cython output for Python 3.7 that includes the removed ``longintrepr.h``), and its
``clone_module`` works on ``nn.Module`` forward passes, not on the functional network used here,
so the per-task ``torch.func`` loop is the reference implementation of the same inner loop.

    python benchmarks/bench_meta_training.py --data-home ../shared/data
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from sklearn_meta.meta_learning import MetaConfig, MetaTrainer, load_uci121
from sklearn_meta.meta_learning.corpus import packaged_heldout_path, read_name_list


def learn2learn_status() -> str:
    """Whether learn2learn can be imported here, and if not, why (one line for the results)."""
    import importlib
    import sys
    try:
        mod = importlib.import_module("learn2learn")
    except Exception as exc:  # ImportError, or a broken install failing inside its __init__
        why = ("its last release 0.2.0 does not build on Python >= 3.11"
               if sys.version_info >= (3, 11) else f"{type(exc).__name__}: {exc}")
        return (f"learn2learn not installed on Python {sys.version.split()[0]} ({why}); "
                "compared against the per-task loop only")
    return (f"learn2learn {getattr(mod, '__version__', '?')} is installed but not compared: its "
            "MAML clones nn.Module forward passes, the network here is functional")


def timed(fn, repeats: int, device: torch.device) -> float:
    """Median seconds of ``fn()`` after one warm-up (CUDA work waited for before each stop)."""
    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)
    fn()  # warm-up
    sync()
    best = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        sync()
        best.append(time.perf_counter() - t)
    return float(np.median(best))


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data-home", default="../shared/data")
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--meta-batches", default="8,16,32")
    p.add_argument("--algorithms", default="fomaml,reptile,maml")
    p.add_argument("--support", type=int, default=32)
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu",
                   help="'cpu' (default), 'cuda' or 'auto'; results on a GPU go to "
                        "meta_training_throughput_cuda.{json,md}")
    args = p.parse_args(argv)
    from sklearn_meta.meta_learning.trainer import resolve_device
    device = resolve_device(args.device)
    torch.set_num_threads(args.threads)
    tasks = load_uci121(args.data_home, exclude=read_name_list(packaged_heldout_path()))
    rows = []
    for algo in args.algorithms.split(","):
        for T in [int(t) for t in args.meta_batches.split(",")]:
            cfg = MetaConfig(algorithm=algo, meta_batch=T, encoder_steps=0,
                             support_sizes=(args.support,), seed=0)
            tr = MetaTrainer(tasks, cfg, device=device, progress=False)
            batch = tr.sample_batch()
            noise = tr.input_noise(batch)
            tb = timed(lambda: tr.meta_gradient(batch, batched=True, noise=noise), args.repeats, device)
            tl = timed(lambda: tr.meta_gradient(batch, batched=False, noise=noise), args.repeats, device)
            row = {"algorithm": algo, "meta_batch": T, "support": args.support,
                   "inner_steps": cfg.inner_steps, "batched_tasks_per_s": T / tb,
                   "loop_tasks_per_s": T / tl, "speedup": tl / tb}
            rows.append(row)
            print(json.dumps(row), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    l2l = learn2learn_status()
    suffix = "" if device.type == "cpu" else "_cuda"
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else None
    result = {"device": str(device), "gpu": gpu, "threads": args.threads, "learn2learn": l2l, "machine": platform.processor() or platform.machine(),
              "torch": torch.__version__, "rows": rows}
    (out / f"meta_training_throughput{suffix}.json").write_text(json.dumps(result, indent=1) + "\n")
    where = f"GPU: {gpu}, bf16 autocast" if gpu else "CPU"
    lines = [f"# Meta-training throughput ({where}, batched vmap vs per-task loop)\n",
             f"torch {torch.__version__}, {args.threads} CPU thread(s), support {args.support} rows, "
             "query 64, 5 inner steps; median of repeats.\n",
             f"{l2l}.\n",
             "| algorithm | tasks/batch | batched tasks/s | loop tasks/s | speed-up |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['algorithm']} | {r['meta_batch']} | {r['batched_tasks_per_s']:.1f} "
                     f"| {r['loop_tasks_per_s']:.1f} | {r['speedup']:.2f}x |")
    (out / f"meta_training_throughput{suffix}.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

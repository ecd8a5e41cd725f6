"""Re-measure every pool candidate on the held-out tasks with fresh cross-validation folds.

``bench_warm_start.py`` scores a search by the best CV score it has *seen*. That score is
noisy (3-fold CV on 300 rows: one row is 1/300 of accuracy), and the best of 50 noisy scores
is biased upwards (winner's curse), more so the more candidates a search looks at. What a
user gets is the model the search *returns*: the incumbent, chosen by its CV score. This
script scores every candidate again, on the same 300-row sub-sample, with independent CV
folds and model seeds (``random_state`` 1 and 2, averaged; the look-up table used seed 0),
so that ``bench_warm_start.py --rescored`` can report the re-measured quality of each
search's incumbent, free of the selection bias.

Resumable: one JSON file, written after every task; a rerun skips finished tasks.
``--families metamlp`` re-scores only that family in an existing file (after a new
meta-learned initialization, whose weights' sha256 the file records), keeping the others.

    python benchmarks/rescore_heldout_pool.py --out benchmarks/results/heldout_pool_rescored.json
"""
from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from sklearn_meta.cli.build_kb import read_heldout, subsample_task
from sklearn_meta.datasets import load_suite
from sklearn_meta.datasets.derived import derive_regression_tasks
from sklearn_meta.search import load_default_kb
from sklearn_meta.search.build import ARTIFACT_KEY, family_settings
from sklearn_meta.search.evaluate import evaluate_config

SEEDS = (1, 2)


def _score(fam, cfg, X, y, task_type):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vals = [evaluate_config(fam, cfg, X, y, task_type, 3, s)[0] for s in SEEDS]
    return float(np.mean(vals)) if np.all(np.isfinite(vals)) else None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-home", default=os.environ.get("SKLEARN_META_DATA",
                                                         "../shared/data"))
    p.add_argument("--task-type", choices=["classification", "regression"],
                   default="classification")
    p.add_argument("--tasks", nargs="*", default=None, help="default: every held-out task")
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--out", required=True)
    p.add_argument("--families", nargs="+", default=None,
                   help="re-score only these families of the tasks already in --out")
    a = p.parse_args(argv)
    tt = a.task_type
    kb = load_default_kb(tt)
    pool = {f: kb.pool[f] for f in sorted(kb.pool)}
    names = a.tasks or read_heldout(None, "uci121")
    sources = load_suite("uci121", data_home=a.data_home, names=names)
    if tt == "regression":
        sources = derive_regression_tasks(sources)
    out = Path(a.out)
    done = json.loads(out.read_text()) if out.exists() else {
        "setup": {"what": "mean 3-fold CV score over fresh folds/model seeds "
                          f"{list(SEEDS)} on the KB's 300-row sub-sample",
                  "task_type": tt, "seeds": list(SEEDS),
                  "pool_sizes": {f: len(v) for f, v in pool.items()}},
        "scores": {}}
    if a.families:
        unknown = sorted(set(a.families) - set(pool))
        if unknown or not done["scores"]:
            p.error(f"--families: {unknown} not in the pool {sorted(pool)}" if unknown
                    else f"--families: {out} holds no scores to refresh")
        sources = [t for t in sources if t.name in done["scores"]]
    families = a.families or list(pool)
    if "metamlp" in families:
        done["setup"][ARTIFACT_KEY] = family_settings("metamlp")[ARTIFACT_KEY]
    # a refresh in progress: which tasks already have the new scores (so it resumes)
    refreshed = set(done.get("refreshing", {}).get("tasks", [])) if a.families else set()
    start = time.time()
    for i, task in enumerate(sources):
        if (task.name in done["scores"]) if not a.families else (task.name in refreshed):
            continue
        t = subsample_task(task, kb.info.get("subsample_rows", 300))
        jobs = [(f, j, c) for f in families for j, c in enumerate(pool[f])]
        vals = Parallel(n_jobs=a.n_jobs)(delayed(_score)(f, c, t.X, t.y, tt)
                                         for f, _, c in jobs)
        scores = done["scores"].get(task.name) or {}
        scores.update({f: [None] * len(pool[f]) for f in families})
        for (f, j, _), v in zip(jobs, vals):
            scores[f][j] = v
        done["scores"][task.name] = scores
        if a.families:
            refreshed.add(task.name)
            done["refreshing"] = {"families": families, "tasks": sorted(refreshed)}
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(done))
        tmp.replace(out)
        print(f"[{i + 1}/{len(sources)}] {task.name}: {len(jobs)} candidates "
              f"({time.time() - start:.0f}s)", flush=True)
    if a.families and done.pop("refreshing", None) is not None:
        done["setup"].setdefault("refreshed", []).append(
            {"families": families, "date": time.strftime("%Y-%m-%d")})
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(done))
        tmp.replace(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

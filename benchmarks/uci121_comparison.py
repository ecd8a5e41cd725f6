"""uci121 against published results, with meta-learned models scored leave-data-sets-out.

Protocol (Fernández-Delgado et al. 2014; Arora et al. 2020): hyper-parameters chosen on the
``conxuntos`` validation split, accuracy averaged over the four ``conxuntos_kfold`` folds.
Meta-learned estimators: the collection is split into ``--groups`` groups of data sets
(sha256 of the name, siblings sharing their inputs kept together, so membership never
depends on what else is run); for each group an
artifact is meta-trained on the other groups only, and each task is scored with the artifact
whose training list excludes it (the runner refuses any other). Every step resumes.

    python benchmarks/uci121_comparison.py --data-home ../shared/data          # full (hours)
    python benchmarks/uci121_comparison.py --tiny --out /tmp/tiny              # minutes
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from sklearn_meta.benchmark import BenchmarkConfig, ResultsStore, run_benchmark
from sklearn_meta.benchmark.published import read_arora_list
from sklearn_meta.benchmark.report import write_report
from sklearn_meta.datasets import get_data_home, load_suite
from sklearn_meta.datasets.twins import same_data_names
from sklearn_meta.datasets.uci121 import list_headers

BASELINES = ["logreg", "rf", "hgb", "svc", "mlp", "knn"]
META = ["metamlp", "metamlp-random"]
TINY_TASKS = ["balloons", "lenses", "trains", "fertility", "lung-cancer", "post-operative"]


def group_of(name: str, n_groups: int) -> int:
    """Stable group index of a data set; data sets sharing their inputs share a group."""
    key = min(same_data_names(name))
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % n_groups


def meta_train_groups(names: list[str], n_groups: int, out: Path, data_home: Path,
                      steps: int, encoder_steps: int) -> list[str]:
    """One artifact per group, meta-trained on the other groups; skips finished ones."""
    from sklearn_meta.cli.main import main as cli

    artifacts = []
    for g in range(n_groups):
        folder = out / f"artifact_group{g}"
        held = sorted(n for n in names if group_of(n, n_groups) == g)
        train = sorted(n for n in names if group_of(n, n_groups) != g)
        if not (folder / "manifest.json").exists():
            folder.mkdir(parents=True, exist_ok=True)
            exclude = folder / "heldout.txt"
            exclude.write_text("\n".join(held) + "\n")
            cli(["meta-train", "--data-home", str(data_home), "--tasks", ",".join(train),
                        "--exclude-file", str(exclude), "--out", str(folder),
                 "--steps", str(steps), "--encoder-steps", str(encoder_steps)])
        manifest = json.loads((folder / "manifest.json").read_text())
        overlap = set(manifest["training_tasks"]) & set(held)
        if overlap:
            raise RuntimeError(f"group {g}: artifact trained on held-out {sorted(overlap)}")
        artifacts.append(str(folder))
    return artifacts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-home", default=None)
    p.add_argument("--out", default="benchmarks/results/uci121")
    p.add_argument("--groups", type=int, default=4)
    p.add_argument("--steps", type=int, default=2000, help="meta-training steps per group")
    p.add_argument("--encoder-steps", type=int, default=300)
    p.add_argument("--estimators", nargs="+", default=BASELINES + META)
    p.add_argument("--n-jobs", type=int, default=1)
    p.add_argument("--tiny", action="store_true", help="6 small tasks, short training (CI)")
    args = p.parse_args(argv)

    home = get_data_home(args.data_home)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.tiny:
        names, steps, enc_steps = TINY_TASKS, 10, 5
        estimators = ["logreg"] + META
    else:
        arora = set(read_arora_list(home / "published"))
        names = [h.name for h in list_headers(home) if h.name in arora]
        steps, enc_steps, estimators = args.steps, args.encoder_steps, args.estimators
    artifacts = []
    if any(e in META for e in estimators):
        artifacts = meta_train_groups(names, args.groups, out, home, steps, enc_steps)
    tasks = load_suite("uci121", home, names=names, progress=True)
    store = ResultsStore(out / "results.csv")
    run_benchmark(tasks, BenchmarkConfig(estimators=estimators, artifacts=artifacts), store,
                  n_jobs=args.n_jobs)
    report = write_report(store.path, out, ours="metamlp" if "metamlp" in estimators else None,
                          published_dir=home / "published")
    print(f"report: {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

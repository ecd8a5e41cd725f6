"""`sklearn-meta bench` and `sklearn-meta report`: run benchmarks, write reports."""
from __future__ import annotations

import argparse
from pathlib import Path

from ._args import int_at_least, n_jobs, non_negative_int, output_folder, seed, train_size


def register(subparsers: argparse._SubParsersAction) -> None:
    b = subparsers.add_parser(
        "bench", help="estimators × tasks × folds × seeds into a resumable results file")
    b.add_argument("--suite", default="uci121", help="uci121, sklearn or openml:<suite>")
    b.add_argument("--data-home", default=None)
    b.add_argument("--estimators", nargs="+", default=["logreg", "rf", "hgb", "svc", "mlp"])
    b.add_argument("--tasks", nargs="+", default=None, help="task names (default: all)")
    b.add_argument("--exclude", nargs="+", default=None)
    b.add_argument("--max-rows", type=int, default=None, help="drop tasks with more rows")
    b.add_argument("--subsample", type=int_at_least(2, "at least 2 rows"), default=None,
                   help="deterministically sub-sample larger tasks to this many rows")
    b.add_argument("--seeds", nargs="+", type=seed, default=[0])
    b.add_argument("--train-sizes", nargs="+", type=train_size, default=["all"],
                   help="rows kept of each training fold (positive integers or 'all'), "
                        "e.g. 16 64 256 all")
    b.add_argument("--folds", nargs="+", type=non_negative_int, default=None,
                   help="evaluation folds to score, numbered from 0 (default: all)")
    b.add_argument("--uci-splits", choices=["published", "kfold"], default="published",
                   help="uci121 sets with a separate test file: score on it (the published "
                        "protocol; several of those files are scaled differently from their "
                        "training file) or on the 4 k-fold splits of the training file "
                        "(keep a --results file per choice: rows are resumed by fold number)")
    b.add_argument("--no-tune", action="store_true",
                   help="skip hyper-parameter choice on the validation split")
    b.add_argument("--artifacts", nargs="+", default=[],
                   help="meta-learned artifacts; per task the first one not trained on it "
                        "(default: the packaged artifact)")
    b.add_argument("--results", required=True, help="results CSV (appended; resumes)")
    b.add_argument("--n-jobs", type=n_jobs, default=1)
    b.add_argument("--backend", choices=["loky", "threading", "dask"], default=None)
    b.add_argument("--scheduler", default=None, help="dask scheduler address")
    b.set_defaults(handler=_bench)

    pub = subparsers.add_parser(
        "publish", help="run a benchmark estimator on an OpenML task and publish the run")
    pub.add_argument("task", help="OpenML task, e.g. openml:31")
    pub.add_argument("--estimator", required=True, help="a name known to 'bench'")
    pub.add_argument("--seed", type=seed, default=0)
    pub.add_argument("--data-home", default=None)
    pub.set_defaults(handler=_publish)

    r = subparsers.add_parser("report", help="markdown report and plots from a results file")
    r.add_argument("results")
    r.add_argument("--out", required=True, type=output_folder,
                   help="folder for the report and plots (made if missing)")
    r.add_argument("--ours", default=None, help="estimator to count wins/ties/losses for")
    r.add_argument("--metric", default=None,
                   help="metric to report (default: accuracy for classification tasks "
                        "and r2 for regression tasks, each in its own part)")
    r.add_argument("--published", default=None,
                   help="folder with published uci121 results (default: <data-home>/published)")
    r.add_argument("--data-home", default=None)
    r.set_defaults(handler=_report)


def _bench(args: argparse.Namespace) -> int:
    from ..benchmark import BenchmarkConfig, ResultsStore, run_benchmark
    from ..benchmark.runner import check_folds
    from ..datasets import load_suite

    tasks = load_suite(args.suite, args.data_home, names=args.tasks, exclude=args.exclude,
                       max_rows=args.max_rows, subsample=args.subsample, progress=True)
    tasks = _uci_splits(tasks, args.uci_splits)
    if args.folds is not None:
        check_folds(tasks, args.folds, arg="--folds")
    config = BenchmarkConfig(estimators=args.estimators, seeds=args.seeds,
                             train_sizes=args.train_sizes, folds=args.folds,
                             tune=not args.no_tune, artifacts=args.artifacts)
    client = None
    if args.backend == "dask":
        from distributed import Client

        client = Client(args.scheduler) if args.scheduler else Client(processes=False)
    try:
        n = run_benchmark(tasks, config, ResultsStore(args.results), n_jobs=args.n_jobs,
                          backend=args.backend)
    finally:
        if client is not None:
            client.close()
    print(f"wrote {n} rows to {args.results}")
    return 0


def _uci_splits(tasks: list, choice: str) -> list:
    """Tasks with a published test file: kept as published (with a note saying so), or
    scored on their k-fold splits within the training file."""
    import dataclasses
    import sys

    published = [t for t in tasks if t.source.get("test_file") and "kfold_splits" in t.source]
    if not published:
        return tasks
    if choice == "published":
        print(f"note: {len(published)} uci121 task(s) scored on their published test file "
              f"({', '.join(t.name for t in published[:6])}{', ...' if len(published) > 6 else ''}"
              f"); several such files are scaled differently from their training file, so "
              f"their scores are low for every model; --uci-splits kfold uses the k-fold "
              f"splits of the training file", file=sys.stderr)
        return tasks
    return [dataclasses.replace(t, splits=list(t.source["kfold_splits"]))
            if t in published else t for t in tasks]


def _report(args: argparse.Namespace) -> int:
    from ..benchmark.report import check_report_args, read_results, write_report
    from ..datasets import get_data_home

    # the same checks as write_report's, named after the options
    check_report_args(read_results(args.results), args.results, args.metric, args.ours,
                      metric_arg="--metric", ours_arg="--ours")
    published = Path(args.published) if args.published else (
        get_data_home(args.data_home) / "published")
    path = write_report(args.results, args.out, ours=args.ours, metric=args.metric,
                        published_dir=published if published.is_dir() else None)
    print(f"report written to {path}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from ..benchmark.estimators import get_spec
    from ..benchmark.openml_publish import publish_run
    from ..datasets import get_data_home, load_task

    if not args.task.startswith("openml:"):
        raise ValueError(f"task must look like 'openml:<task id>', got {args.task!r}")
    try:  # a misspelt name fails now, not after the task's download
        spec = get_spec(args.estimator)
    except ValueError as exc:
        raise ValueError(f"--estimator: {exc}") from None
    task = load_task(args.task, args.data_home)
    model = spec.build(task.task_type, args.seed, {})
    run_id = publish_run(model, int(args.task.split(":", 1)[1]), get_data_home(args.data_home))
    print(f"published OpenML run {run_id}")
    return 0

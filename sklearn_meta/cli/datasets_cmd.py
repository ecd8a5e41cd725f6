"""`sklearn-meta datasets list|show`: inspect task suites."""
from __future__ import annotations

import argparse

import numpy as np

from ..datasets import load_suite
from ._table import format_table


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("datasets", help="list and inspect task suites")
    sub = p.add_subparsers(dest="datasets_command", required=True, metavar="{list,show}")

    ls = sub.add_parser("list", help="one line per task: name, rows, features, classes")
    ls.add_argument("--suite", default="uci121", help="uci121, sklearn or openml:<suite>")
    ls.add_argument("--data-home", default=None, help="data folder (default $SKLEARN_META_DATA)")
    ls.add_argument("--max-rows", type=int, default=None)
    ls.add_argument("--max-features", type=int, default=None)
    ls.set_defaults(handler=_list)

    show = sub.add_parser("show", help="details of one task")
    show.add_argument("name", help="a task name of --suite, or a reference such as "
                                   "'openml:31' (an OpenML task id), 'uci121:iris', "
                                   "'sklearn:wine'")
    show.add_argument("--suite", default="uci121")
    show.add_argument("--data-home", default=None)
    show.set_defaults(handler=_show)


def _list(args: argparse.Namespace) -> int:
    tasks = load_suite(args.suite, args.data_home, max_rows=args.max_rows,
                       max_features=args.max_features, progress=True)
    print(format_table([t.summary() for t in tasks]))
    print(f"\n{len(tasks)} tasks in suite {args.suite!r}")
    return 0


def _show(args: argparse.Namespace) -> int:
    if ":" in args.name:  # a task reference: openml:<task id>, uci121:<name>, sklearn:<name>
        from ..datasets import load_task

        task = load_task(args.name, args.data_home)
    else:
        (task,) = load_suite(args.suite, args.data_home, names=[args.name])
    print(task)
    for key, value in task.source.items():
        if key != "kfold_splits":
            print(f"  {key}: {value}")
    print(f"  categorical columns: {int(task.categorical.sum())} of {task.n_features}")
    if task.task_type == "classification":
        labels, counts = np.unique(task.y, return_counts=True)
        print("  class counts: " + ", ".join(f"{lab}: {c}" for lab, c in zip(labels, counts)))
    for i, (tr, te) in enumerate(task.splits):
        print(f"  split {i}: {len(tr)} train / {len(te)} test")
    if task.validation_split is not None:
        fit, val = task.validation_split
        print(f"  validation split: {len(fit)} fit / {len(val)} validation")
    print(task.X.describe().T.head(20).to_string())
    return 0

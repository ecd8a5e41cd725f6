"""``sklearn-meta suggest``: the configurations to try first on a data set, from the shell.

Examples::

    sklearn-meta suggest train.csv --target price
    sklearn-meta suggest train.parquet --target churn --estimator hgb -n 5 --json
    sklearn-meta suggest sklearn:wine            # a task reference, as `datasets show` takes

It prints what :func:`sklearn_meta.search.suggest_configs` returns (the estimator's default
first, then the nearest past tasks' winners and portfolio members), with the knowledge-base
tasks it found nearest; ``--json`` writes them for scripts (``MetaSearchCV`` or Optuna's
``enqueue_trial`` take the parameters as they are).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ._table import format_table

#: File suffixes read as tables, and the pandas reader of each.
READERS = {".csv": "read_csv", ".tsv": "read_csv", ".txt": "read_csv",
           ".parquet": "read_parquet", ".pq": "read_parquet", ".feather": "read_feather"}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "suggest", help="configurations to try first on a data set (warm start)",
        description=__doc__.split("\n\n")[0] + " Reads a table (CSV, TSV, Parquet, Feather; "
                    "compressed CSV too) with --target naming the column to predict, or a "
                    "task reference (openml:<task id>, uci121:<name>, sklearn:<name>).")
    p.add_argument("data", help="a table file, or a task reference such as sklearn:wine")
    p.add_argument("--target", default=None,
                   help="column of the table to predict (required for a file)")
    p.add_argument("--estimator", default=None,
                   help="comma-separated family keys (hgb, random_forest, extra_trees, "
                        "logistic_regression/ridge, svc/svr, knn, metamlp); default: all")
    p.add_argument("-n", type=int, default=10, help="how many configurations (default 10)")
    p.add_argument("--strategy", default="auto",
                   choices=["auto", "embedding", "meta-features", "portfolio"])
    p.add_argument("--task-type", default=None, choices=["classification", "regression"],
                   help="default: read from the target")
    p.add_argument("--kb", default=None,
                   help="a knowledge-base file (default: the packaged one of the task type)")
    p.add_argument("--sep", default=None,
                   help="field separator of a text table (default: ',' for .csv, tab for .tsv)")
    p.add_argument("--data-home", default=None, help="data folder for task references")
    p.add_argument("--json", action="store_true", help="write JSON to standard output")
    p.set_defaults(handler=run)


def read_table(path: str, target: str | None, sep: str | None = None) -> tuple[Any, Any]:
    """``(X, y)`` from a table file: every column but ``target``, and ``target``."""
    import pandas as pd

    file = Path(path)
    if not file.exists():
        raise FileNotFoundError(f"data: no such file {path!r} (a task reference has the form "
                                f"openml:<task id>, uci121:<name> or sklearn:<name>)")
    suffixes = [s.lower() for s in file.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2", ".xz", ".zip", ".zst"):
        suffixes = suffixes[:-1]  # pandas decompresses text tables by their suffix
    kind = suffixes[-1] if suffixes else ""
    if kind not in READERS:
        raise ValueError(f"data: {file.name}: unknown table format {kind or '(no suffix)'!r}; "
                         f"expected one of {sorted(READERS)}")
    if target is None:
        raise ValueError("--target: name the column to predict")
    reader = getattr(pd, READERS[kind])
    if READERS[kind] == "read_csv":
        frame = reader(file, sep=sep if sep is not None else ("\t" if kind == ".tsv" else ","))
    else:
        frame = reader(file)
    if target not in frame.columns:
        shown = ", ".join(map(str, list(frame.columns)[:12]))
        other = [c for c in (";", "\t", "|", ",") if frame.shape[1] == 1
                 and c in str(frame.columns[0])]
        hint = (f"; the file seems to separate its fields by {other[0]!r}: pass --sep "
                f"{other[0]!r}" if other else "")
        raise ValueError(f"--target: {target!r} is not a column of {file.name} "
                         f"(columns: {shown}{', ...' if frame.shape[1] > 12 else ''}){hint}")
    y = frame[target]
    if y.isna().any():
        raise ValueError(f"--target: {target!r} has {int(y.isna().sum())} missing values; "
                         f"drop those rows first")
    X = frame.drop(columns=[target])
    if X.shape[1] == 0:
        raise ValueError(f"data: {file.name} has no column besides the target")
    return X, y


def load_data(args: argparse.Namespace) -> tuple[Any, Any, str | None]:
    if ":" in args.data and not Path(args.data).exists():
        from ..datasets import load_task

        if args.target is not None:
            raise ValueError(f"--target: {args.data!r} is a task reference, which names its "
                             f"own target; leave --target out (it is for table files)")
        task = load_task(args.data, args.data_home)
        return task.X, task.y, args.task_type or task.task_type
    X, y = read_table(args.data, args.target, args.sep)
    return X, y, args.task_type


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def run(args: argparse.Namespace) -> int:
    import warnings

    with warnings.catch_warnings():  # one line each, in the command's words
        warnings.formatwarning = _format_warning  # restored on leaving the block
        try:
            return _run(args)
        except ValueError as exc:  # the API's argument names, in the command's options
            raise ValueError(in_options(str(exc))) from None


def in_options(text: str) -> str:
    """A message of the API in the words of the command line."""
    return text.replace("task_type=", "--task-type ")


def _format_warning(message: Any, category: Any, *_: Any, **__: Any) -> str:
    text = in_options(str(message))
    return f"sklearn-meta suggest: warning: {text}\n"


def _run(args: argparse.Namespace) -> int:
    from ..search.knowledge_base import KnowledgeBase
    from ..search.spaces import family_label
    from ..search.suggest import infer_task_type, suggest_pairs

    if args.n < 1:
        raise ValueError(f"-n: expected a positive integer, got {args.n}")
    X, y, task_type = load_data(args)
    task_type = infer_task_type(y, task_type)
    estimator = None if not args.estimator else \
        [e.strip() for e in args.estimator.split(",") if e.strip()]
    kb = KnowledgeBase.load(args.kb) if args.kb else None
    pairs, info = suggest_pairs(X, y, estimator, n=args.n, strategy=args.strategy,
                                knowledge_base=kb, task_type=task_type)
    rows = [{"rank": i + 1, "estimator": family_label(fam, task_type),
             "params": {k: _plain(v) for k, v in cfg.items()}} for i, (fam, cfg) in
            enumerate(pairs)]
    neighbours = [{"task": t, "distance": round(float(d), 4)} for t, d in
                  zip(info.get("neighbours") or [], info.get("distances") or [])]
    if args.json:
        json.dump({"task_type": task_type, "n_rows": int(len(y)), "n_columns": int(X.shape[1]),
                   "strategy": args.strategy, "used_neighbours": info.get("used_neighbours"),
                   "neighbour_space": info.get("kind"), "near": info.get("near"),
                   "near_check": info.get("near_check"),
                   "nearest_tasks": neighbours, "suggestions": rows}, sys.stdout, indent=1)
        print()
        return 0
    print(f"{task_type}, {len(y)} rows x {X.shape[1]} columns; strategy {args.strategy!r}")
    if neighbours:
        check = info.get("near_check")
        why = (f" (in {check['kind']}: nearest {check['task']} at {check['distance']:.3g}, "
               f"near means at most {check['threshold']:.3g})" if check else "")
        how = ("used" if info.get("used_neighbours") else
               f"not used: none is near enough{why}, the portfolio instead")
        print(f"nearest knowledge-base tasks ({info.get('kind')}; {how}): " +
              ", ".join(f"{n['task']} ({n['distance']:.3g})" for n in neighbours))
    print(format_table([{"rank": r["rank"], "estimator": r["estimator"],
                         "parameters": ", ".join(f"{k}={v!r}" for k, v in r["params"].items())
                         or "(defaults)"} for r in rows]))
    return 0

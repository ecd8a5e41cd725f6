"""``sklearn-meta kb``: look into a knowledge base, and add your own finished studies to one.

Examples::

    sklearn-meta kb info                                   # the packaged classification one
    sklearn-meta kb add-study train.csv --target churn --storage search.log --study mine \\
        --out my.kb.json.gz                                # a MetaSearchCV study, any families
    sklearn-meta kb add-study train.csv --target churn --storage sqlite:///optuna.db \\
        --study hgb-tuning --estimator hgb --kb my.kb.json.gz --out my.kb.json.gz
    sklearn-meta suggest new.csv --target churn --kb my.kb.json.gz

``add-study`` reads the data the study was run on (a table file or a task reference, as
``suggest`` reads it), describes it (meta-features, task embedding) and adds the study's
finished trials to a copy of the knowledge base (``KnowledgeBase.add_study``), which
``suggest --kb``, ``suggest_configs(knowledge_base=...)`` and ``MetaSearchCV(knowledge_base=...)``
then draw on. The packaged files are never changed.
"""
from __future__ import annotations

import argparse
import re
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

from ._table import format_table
from .suggest_cmd import in_options, load_data


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("kb", help="inspect a knowledge base; add your own studies to one",
                              description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="kb_command", required=True)
    info = sub.add_parser("info", help="tasks, families and added studies of a knowledge base")
    info.add_argument("--kb", default=None, help="a knowledge-base file (default: the "
                                                 "packaged one of --task-type)")
    info.add_argument("--task-type", default="classification",
                      choices=["classification", "regression"])
    info.set_defaults(handler=run_info)

    add = sub.add_parser(
        "add-study", help="add a finished Optuna study on your data to a knowledge base",
        description="Adds the finished trials of an Optuna study (maximising a score) run on "
                    "DATA to a knowledge base and writes it to --out.")
    add.add_argument("data", help="the table file the study was run on, or a task reference "
                                  "such as sklearn:wine")
    add.add_argument("--target", default=None, help="column of the table that was predicted")
    add.add_argument("--storage", required=True,
                     help="the study's Optuna storage: a journal file (*.log) or a URL such "
                          "as sqlite:///optuna.db")
    add.add_argument("--study", default=None,
                     help="the study's name (default: the storage's only study)")
    add.add_argument("--estimator", default=None,
                     help="family key of the estimator the study tuned (hgb, random_forest, "
                          "extra_trees, logistic_regression/ridge, svc/svr, knn, metamlp); "
                          "default: every family of a study across families (MetaSearchCV "
                          "with a list or None)")
    add.add_argument("--task-name", default=None,
                     help="name of the data set in the knowledge base (default: the file "
                          "name without suffixes)")
    add.add_argument("--kb", default=None,
                     help="the knowledge base to add to (default: the packaged one of the "
                          "task type); may be the same file as --out")
    add.add_argument("--out", required=True, help="where to write the knowledge base "
                                                  "(*.kb.json.gz)")
    add.add_argument("--task-type", default=None, choices=["classification", "regression"],
                     help="default: read from the target")
    add.add_argument("--sep", default=None, help="field separator of a text table")
    add.add_argument("--data-home", default=None, help="data folder for task references")
    add.set_defaults(handler=run_add_study)


def describe(kb: Any, path: Any) -> str:
    """A few lines on a knowledge base: what it holds and which tasks users added."""
    types = sorted({t["task_type"] for t in kb.tasks.values()})
    added = Counter(r.task for r in kb.extra)
    lines = [f"{path}: {len(kb.tasks)} {'/'.join(types) or 'no'} tasks "
             f"({kb.info.get('suite', 'suite not recorded')}), metric "
             f"{', '.join(kb.metric.get(t, '?') for t in types) or '?'}, embedding "
             f"{kb.embedding_name or 'none (meta-features only)'}"]
    per_family = Counter(r.family for r in kb.records())
    lines.append(format_table([{"family": f, "pool configurations": len(kb.pool.get(f, [])),
                                "scored": per_family.get(f, 0),
                                "added": sum(r.family == f for r in kb.extra)}
                               for f in kb.families]))
    if added:
        lines.append("added by add_study: " + ", ".join(f"{t} ({n} configurations)"
                                                       for t, n in sorted(added.items())))
    return "\n".join(lines)


def run_info(args: argparse.Namespace) -> int:
    from ..search.knowledge_base import DEFAULT_KBS, KnowledgeBase

    path = Path(args.kb) if args.kb else DEFAULT_KBS[args.task_type]
    print(describe(KnowledgeBase.load(path), path))
    return 0


def load_user_study(storage: str, name: str | None) -> Any:
    """The study ``name`` of an existing storage; the storage's only study when None."""
    import optuna

    from ..search.storage import make_storage

    if "://" not in storage and not Path(storage).is_file():
        raise FileNotFoundError(f"--storage: no such journal file {storage!r} (a database "
                                f"is given as a URL, e.g. sqlite:///optuna.db)")
    if storage.startswith("sqlite:///") and not Path(storage[len("sqlite:///"):]).is_file():
        raise FileNotFoundError(f"--storage: no such SQLite file "
                                f"{storage[len('sqlite:///'):]!r}")
    store = make_storage(storage)
    names = optuna.get_all_study_names(store)
    if name is None:
        if len(names) != 1:
            raise ValueError(f"--study: name the study to add; {storage} holds "
                             f"{len(names)} studies{': ' + ', '.join(names[:10]) if names else ''}")
        name = names[0]
    if name not in names:
        raise ValueError(f"--study: no study {name!r} in {storage} (it holds: "
                         f"{', '.join(names[:10]) or 'none'})")
    return optuna.load_study(study_name=name, storage=store)


def run_add_study(args: argparse.Namespace) -> int:
    with warnings.catch_warnings(record=True) as caught:  # printed in the command's words
        warnings.simplefilter("always")
        try:
            return _add_study(args)
        except ValueError as exc:
            raise ValueError(cli_words(str(exc))) from None
        finally:
            for w in caught:
                if issubclass(w.category, UserWarning) and "nothing added" not in str(w.message):
                    print(f"sklearn-meta kb add-study: warning: {cli_words(str(w.message))}",
                          file=sys.stderr)


def cli_words(text: str) -> str:
    """A message of the API in this command's options."""
    text = in_options(text)
    for api, flag in (("task_name: ", "--task-name: "), ("estimator: ", "--estimator: ")):
        if text.startswith(api):
            text = flag + text[len(api):]
    return re.sub(r" \(the shipped one: KnowledgeBase\.load\(DEFAULT_KBS\[[^]]*\]\), "
                  r"DEFAULT_KBS from sklearn_meta\.search\.knowledge_base\)",
                  " (leave out --kb for the packaged one, or pass --task-type)", text)


def _add_study(args: argparse.Namespace) -> int:
    from ..search.knowledge_base import DEFAULT_KBS, KnowledgeBase
    from ..search.spaces import family_label, implied_task_type
    from ..search.suggest import infer_task_type

    out = Path(args.out)
    if any(out.resolve() == p.resolve() for p in DEFAULT_KBS.values()):
        raise ValueError("--out: that is a knowledge base shipped with the package; write "
                         "yours elsewhere and pass it with --kb to `suggest`")
    if not out.name.endswith((".json", ".json.gz")):
        raise ValueError(f"--out: expected a *.kb.json.gz (or *.json) file name, got "
                         f"{out.name!r}")
    study = load_user_study(args.storage, args.study)
    X, y, task_type = load_data(args)
    task_type = infer_task_type(y, task_type or implied_task_type(args.estimator))
    base = Path(args.kb) if args.kb else DEFAULT_KBS[task_type]
    kb = KnowledgeBase.load(base)
    name = args.task_name or (args.data if ":" in args.data and not Path(args.data).exists()
                              else Path(args.data).name.split(".")[0])
    added = kb.add_study(study, X, y, args.estimator, name, task_type=task_type)
    if not added:  # e.g. the same command run twice: not an error
        print(f"nothing new: no finished trial of study {study.study_name!r} to add that is "
              f"not in {base} already; {out} not written")
        return 0
    kb.save(out)
    families = Counter(family_label(r.family, task_type) for r in kb.extra if r.task == name)
    print(f"added {added} configurations of study {study.study_name!r} as task {name!r} "
          f"({', '.join(f'{f}: {n}' for f, n in sorted(families.items()))} in all for it) "
          f"to {base.name}; wrote {out}")
    print(f"use it: sklearn-meta suggest DATA --kb {out}  (or knowledge_base={str(out)!r} in "
          f"suggest_configs / MetaSearchCV)")
    return 0

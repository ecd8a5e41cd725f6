"""`sklearn-meta build-kb`: build the warm-start knowledge base with Optuna (resumable)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ._args import int_at_least, n_jobs, positive_int, seed

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def read_heldout(path: str | Path | None, suite: str) -> list[str]:
    """Names listed in the held-out file (``#`` comments ignored). A file given by name must
    exist; without one, the package's list for ``suite`` is used ([] if it has none)."""
    from ..meta_learning.corpus import read_name_list

    if path is None:
        path = ARTIFACTS / f"heldout_{suite}.txt"
        if not path.exists():
            return []
    return read_name_list(path)


def ensure_parent_dir(path: Path, option: str) -> None:
    """Create the folder a file is to be written in; a clear error if that cannot be."""
    if path.is_dir():
        raise ValueError(f"{option}: {path} is a folder; expected a file path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{option}: cannot create the folder of {path}: "
                         f"{exc.strerror or exc}") from None


def subsample_task(task, max_rows: int, random_state: int = 0):
    """Deterministic stratified sub-sample; keeps every row when the remainder would be
    smaller than the number of classes (where a stratified split is impossible)."""
    from ..datasets import stratified_subsample

    if task.n_rows - max_rows < (task.n_classes or 0):
        return task
    return stratified_subsample(task, max_rows, random_state)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "build-kb", help="build the warm-start knowledge base (Optuna, resumable)",
        description="Evaluate a shared candidate pool per estimator family on every task of "
                    "a suite (held-out tasks excluded), persist every study in Optuna storage "
                    "(rerun the same command to resume), then export the knowledge base.")
    p.add_argument("--suite", default="uci121")
    p.add_argument("--data-home", default=None, help="folder holding the suite's data")
    p.add_argument("--task-type", choices=["classification", "regression"],
                   default="classification",
                   help="classification: the suite's tasks; regression: tasks derived from "
                        "them, each predicting its most varied numeric column (uci121 has no "
                        "regression tasks; see sklearn_meta.datasets.derived)")
    p.add_argument("--storage", default="kb-build.log",
                   help="Optuna storage: a journal file path (one machine) or a SQLAlchemy "
                        "URL (many workers); default %(default)s")
    p.add_argument("--out", default=None, help="knowledge base file (default "
                   "<suite>.kb.json.gz, <suite>-regression.kb.json.gz for regression); a "
                   "<name>.manifest.json is written beside it")
    p.add_argument("--replace-packaged", action="store_true",
                   help="allow --out to overwrite a knowledge base shipped in the package "
                        "(every later search reads it)")
    p.add_argument("--families", nargs="+", default=None,
                   help="estimator families (default: all available)")
    p.add_argument("--subsample", type=int_at_least(2, "at least 2 rows"), default=300,
                   help="rows per task, deterministic stratified sub-sample (default 300)")
    p.add_argument("--cv", type=int_at_least(2), default=3, help="CV folds, at least 2 "
                   "(default 3)")
    p.add_argument("--n-jobs", type=n_jobs, default=1)
    p.add_argument("--backend", choices=["loky", "threading", "dask"], default="loky")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address (with "
                   "--backend dask; default: a local in-process cluster)")
    p.add_argument("--heldout", default=None, help="file of held-out task names (default: "
                   "the package's artifacts/heldout_<suite>.txt; for other suites, the "
                   "twins of the uci121 held-out tasks)")
    p.add_argument("--also-heldout", action="store_true",
                   help="also evaluate held-out tasks into the storage (for benchmarks); "
                        "they are never exported")
    p.add_argument("--max-tasks", type=positive_int, default=None,
                   help="evaluate only the first N training tasks")
    p.add_argument("--no-export", action="store_true")
    p.add_argument("--embedder", choices=["auto", "none"], default="auto",
                   help="store task embeddings from the packaged task encoder (auto: when "
                        "it is available)")
    p.add_argument("--augment", default=None, metavar="KINDS",
                   help="also add variants of every training task, comma-separated kinds "
                        "from cols,noise,ovr (named <task>:aug-<kind>; "
                        "sklearn_meta.datasets.augment); 'all' for every kind")
    p.add_argument("--adaptive-prior", choices=["off", "loo"], default="off",
                   help="off: MetaSearchCV's adaptive warm start weighs past tasks equally "
                        "before any score; loo: by meta-feature similarity where "
                        "leave-one-task-out on the knowledge base finds that clearly better "
                        "(on uci121 that choice did not hold on held-out tasks: "
                        "benchmarks/results/warm_start_loo_kb.md)")
    p.add_argument("--random-state", type=seed, default=0)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..datasets import load_suite
    from ..search import build as kb_build
    from ..search.spaces import FAMILIES

    try:
        heldout = set(read_heldout(args.heldout, args.suite))
    except FileNotFoundError as exc:
        raise ValueError(f"--heldout: {exc}") from None
    tasks = load_suite(args.suite, data_home=args.data_home)
    unknown = sorted(heldout - {t.name for t in tasks})
    if unknown:  # a misspelt name would leave its task in the knowledge base
        raise ValueError(f"--heldout: unknown task names {unknown[:10]} (not in suite "
                         f"{args.suite!r})")
    if args.task_type == "regression":
        from ..datasets.derived import derive_regression_tasks

        tasks = [t for t in tasks if t.task_type == "regression"] + derive_regression_tasks(
            [t for t in tasks if t.task_type == "classification"])
    else:
        tasks = [t for t in tasks if t.task_type == "classification"]
    if not tasks:
        raise SystemExit(f"build-kb: no {args.task_type} task in suite {args.suite!r}")
    if args.augment:
        from ..datasets.augment import AUGMENT_KINDS, augment_tasks
        from ..datasets.twins import same_data_names

        kinds = AUGMENT_KINDS if args.augment == "all" else tuple(
            k.strip() for k in args.augment.split(",") if k.strip())
        bad = [k for k in kinds if k not in AUGMENT_KINDS]
        if bad or not kinds:
            raise ValueError(f"--augment: unknown kinds {bad or args.augment!r}; expected "
                             f"'all' or a comma-separated subset of {list(AUGMENT_KINDS)}")
        # variants of training tasks only: a held-out task's variant would be held out anyway
        tasks = tasks + augment_tasks([t for t in tasks if not same_data_names(t.name) & heldout],
                                      kinds)
    tasks = [subsample_task(t, args.subsample, args.random_state) for t in tasks]
    task_type = args.task_type
    from ..search.spaces import FAMILY_ALIASES, family_of

    def key(name: str) -> str:  # aliases as MetaSearchCV takes them ("ridge", "rf", ...)
        try:
            return family_of(name)
        except ValueError:
            raise ValueError(f"--families: unknown family {name!r}; known: {sorted(FAMILIES)} "
                             f"(also accepted: {sorted(FAMILY_ALIASES)})") from None

    families = list(dict.fromkeys(key(f) for f in args.families)) if args.families \
        else [f for f, fam in FAMILIES.items() if fam.available(task_type)]
    skipped = [f for f, fam in FAMILIES.items() if f not in families]
    pool = kb_build.candidate_pool(families, task_type)
    from ..datasets.derived import source_name
    from ..datasets.twins import same_data_names

    # a task sharing its data with a held-out one (twin, sibling, derived) is held out too;
    # from another suite without a --heldout list of its own, also the twins of the uci121
    # tasks the shipped artifact and knowledge base hold out (sklearn's iris is uci121's
    # iris), so that benchmarks on those stay leave-data-sets-out
    uci_guard = set(read_heldout(None, "uci121")) \
        if args.suite != "uci121" and args.heldout is None else set()

    def held(name: str) -> bool:
        return bool(same_data_names(name) & heldout or
                    same_data_names(name, args.suite) & uci_guard)

    train = [t for t in tasks if not held(t.name)]
    if uci_guard and len(train) + len([t for t in tasks if same_data_names(t.name) & heldout]) \
            < len(tasks):
        twins = sorted(t.name for t in tasks if held(t.name) and
                       not same_data_names(t.name) & heldout)
        print(f"build-kb: also held out, the same data as held-out uci121 tasks: {twins}",
              file=sys.stderr)
    if args.max_tasks is not None:
        train = train[: args.max_tasks]
    todo = train + ([t for t in tasks if source_name(t.name) in heldout]
                    if args.also_heldout else [])
    from ..search.spaces import family_label

    print(f"build-kb: {len(train)} training tasks ({len(heldout)} held out), families "
          f"{[family_label(f, task_type) for f in families]}, pool sizes "
          f"{ {family_label(f, task_type): len(v) for f, v in pool.items()} }, "
          f"storage {args.storage}", flush=True)
    suffix = "" if task_type == "classification" else f"-{task_type}"
    out = Path(args.out or f"{args.suite}{suffix}.kb.json.gz")
    if not args.no_export:  # fail now, not after hours of evaluations
        ensure_parent_dir(out, "--out")
        from ..search.knowledge_base import KB_DIR

        shipped = out.resolve().parent == KB_DIR.resolve() and out.exists()
        if shipped and not args.replace_packaged:
            raise ValueError(f"--out {out}: is a knowledge base shipped in the package, which "
                             f"every search reads; write elsewhere, or pass "
                             f"--replace-packaged to replace it")
    if "://" not in str(args.storage):
        ensure_parent_dir(Path(args.storage), "--storage")
    if not train:  # every task held out: an empty knowledge base helps no search
        raise ValueError(f"--suite {args.suite}: all {len(tasks)} {task_type} tasks are held "
                         f"out (listed in --heldout, or the same data as held-out uci121 "
                         f"tasks); no training task is left to build a knowledge base from")
    start = time.time()

    finished = []

    def progress(name: str, ran: dict) -> None:
        finished.append(name)
        print(f"  [{len(finished)}/{len(todo)}] {name}: ran {sum(ran.values())} trials "
              f"({time.time() - start:.0f}s)", flush=True)

    kb_build.build(todo, pool, args.storage, n_jobs=args.n_jobs, backend=args.backend,
                   scheduler=args.scheduler, n_splits=args.cv,
                   random_state=args.random_state, progress=progress)
    if args.no_export:
        return 0
    info = {"suite": args.suite, "task_type": task_type, "subsample_rows": args.subsample, "cv_folds": args.cv,
            "augment": args.augment or None, "random_state": args.random_state,
            "families_skipped": skipped, "score": "mean CV accuracy (R^2 for regression)",
            "created": time.strftime("%Y-%m-%d")}
    embedder = None
    if task_type == "regression":
        info["embedding_note"] = ("no task embeddings: the task encoder reads class labels; "
                                  "regression neighbours are found by meta-features")
    elif args.embedder == "auto":
        from ..search.suggest import default_embedder

        embedder = default_embedder()
    info["families_note"] = ("metamlp left out of this build" if "metamlp" not in families
                             else "")
    kb = kb_build.export(args.storage, train, pool, out, heldout=heldout, embedder=embedder,
                         embedding_name=getattr(embedder, "name", None), info=info,
                         adaptive_prior=args.adaptive_prior)
    print(f"build-kb: wrote {out} ({out.stat().st_size / 1024:.0f} KiB, "
          f"{len(kb.tasks)} tasks)", file=sys.stderr)
    return 0

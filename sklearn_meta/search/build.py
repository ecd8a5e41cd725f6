"""Build the knowledge base: evaluate a shared candidate pool per family on every task.

Every (task, family) pair is one Optuna study in the given storage; each pool
configuration is one trial tagged with its ``pool_index``. A restarted build skips the
trials already complete, so an interrupted build resumes and loses nothing. Tasks run in
parallel through joblib (``backend="loky"``) or a Dask cluster (``backend="dask"``).
"""
from __future__ import annotations

import logging
import os
import warnings
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import optuna

from .evaluate import evaluate_config
from .spaces import FAMILIES, Config, sample_configs
from .storage import make_storage

log = logging.getLogger(__name__)

#: Pool size (default included) per family: cheap families get more candidates. 140 in all,
#: so that a 50-trial search cannot come close to exhausting the pool (a larger pool only adds
#: candidates: the draws are sequential, so a smaller pool is a prefix and a build resumes).
DEFAULT_POOL_SIZES: dict[str, int] = {
    "hgb": 16, "random_forest": 16, "extra_trees": 16,
    "logistic_regression": 16, "svc": 32, "knn": 32, "metamlp": 12,
}
POOL_SEED = 20240601


def candidate_pool(families: Iterable[str], task_type: str = "classification",
                   sizes: Mapping[str, int] | None = None,
                   random_state: int = POOL_SEED) -> dict[str, list[Config]]:
    """Per family: the default ``{}`` then configurations drawn once from its space.

    Each family's draws are seeded by its place in :data:`FAMILIES`, not in ``families``, so
    a family gets the same pool whichever other families are built with it and in whatever
    order they are named (a build storage is matched to the pool by index).
    """
    sizes = {**DEFAULT_POOL_SIZES, **(sizes or {})}
    pool = {}
    for fam in families:
        if fam not in FAMILIES:
            raise ValueError(f"families: unknown family {fam!r}; known: {sorted(FAMILIES)}")
        n = sizes.get(fam, 8)
        space = FAMILIES[fam].space_for(task_type)
        seed = random_state + list(FAMILIES).index(fam)
        pool[fam] = [{}] + sample_configs(space, n - 1, random_state=seed)
    return pool


#: Version of how a configuration is turned into the estimator that is scored
#: (:func:`~sklearn_meta.search.evaluate.evaluate_config`). 2: the estimator ``MetaSearchCV``
#: builds (scale-sensitive families behind standardisation, regressors on a standardised
#: target); 3: the MetaMLP family with ``n_ensemble=3`` (was 1; the estimator's default
#: then, a fixed argument of the family since the default became "auto").
#: Scores stored under another version are not resumed into a build.
SCORING_VERSION = 3


def build_settings(X: Any, y: Any, n_splits: int, random_state: int) -> dict[str, Any]:
    """What a stored score depends on besides its configuration: the CV folds, the seed,
    the exact rows (a digest, so a different sub-sample is noticed) and how the estimator is
    built (:data:`SCORING_VERSION`)."""
    import hashlib

    import pandas as pd

    h = hashlib.sha256()
    if isinstance(X, pd.DataFrame):
        h.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    else:
        h.update(np.ascontiguousarray(X).tobytes())
    h.update(np.asarray(pd.Series(np.asarray(y)).astype(str)).astype("U").tobytes())
    return {"n_splits": int(n_splits), "random_state": int(random_state),
            "n_rows": int(len(y)), "data_sha256": h.hexdigest(),
            "scoring_version": SCORING_VERSION}


#: Key of a MetaMLP study's build settings naming the meta-learned initialization (its
#: weights' sha256) that the family's estimators started from when they were scored.
ARTIFACT_KEY = "metamlp_artifact_weights_sha256"


def family_settings(family: str) -> dict[str, Any]:
    """What a family's scores depend on beyond :func:`build_settings`: for MetaMLP, the
    packaged meta-learned initialization its estimators start from (``init="pretrained"``),
    so scores from two artifacts are never mixed in one storage or knowledge base."""
    if family != "metamlp":
        return {}
    import json

    from ..artifacts.io import pretrained_path

    try:
        manifest = json.loads((pretrained_path() / "manifest.json").read_text())
        return {ARTIFACT_KEY: str(manifest["weights_sha256"])}
    except (OSError, ValueError, KeyError):  # no packaged artifact: random initialization
        return {ARTIFACT_KEY: None}


def _check_stored(study: optuna.Study, family: str, configs: Sequence[Config],
                  settings: Mapping[str, Any]) -> None:
    """Refuse to resume a study built with other settings or another pool: its stored
    scores would be filed under the wrong configurations."""
    stored = study.user_attrs.get("build_settings")
    if not study.get_trials(deepcopy=False):
        return  # no scores to mis-file
    if stored is not None and ARTIFACT_KEY in settings and ARTIFACT_KEY not in stored:
        raise ValueError(
            f"storage: study {study.study_name!r} holds MetaMLP scores that do not record "
            f"the meta-learned initialization they were made with (a storage filled before "
            f"sklearn-meta recorded it); the packaged one now is "
            f"{str(settings[ARTIFACT_KEY])[:12]}. Use a new --storage, or delete the "
            f"{family!r} studies (optuna.delete_study) so they are scored again")
    if stored is not None and stored != dict(settings):
        diff = {k: (stored.get(k), settings[k]) for k in settings if stored.get(k) != settings[k]}
        raise ValueError(
            f"storage: study {study.study_name!r} was built with other settings "
            f"(stored vs now: {diff}); its scores do not apply. Use a new --storage, or the "
            f"same --cv, --subsample and --random-state as before (a scoring_version "
            f"differs when the storage was filled by a sklearn-meta that built its "
            f"estimators otherwise; {ARTIFACT_KEY} when another meta-learned "
            f"initialization is packaged now)")
    for t in study.get_trials(deepcopy=False):
        idx, cfg = t.user_attrs.get("pool_index"), t.user_attrs.get("config")
        if idx is None or cfg is None or idx >= len(configs):
            continue
        if cfg != _jsonable(configs[idx]):
            raise ValueError(
                f"storage: study {study.study_name!r} holds configuration {cfg} as pool "
                f"entry {idx} of {family!r}, but the pool now has {_jsonable(configs[idx])} "
                f"there (a storage from another pool); use a new --storage")


def study_name(task: str, family: str) -> str:
    return f"{task}::{family}"


def run_task(task: Any, pool: Mapping[str, list[Config]], storage: Any,
             n_splits: int = 3, random_state: int = 0) -> dict[str, int]:
    """Evaluate every pool configuration of every family on ``task`` (resumable).

    Returns the number of trials newly run per family.
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = make_storage(storage)
    from ..preprocessing.pipeline import needs_preprocessing

    X = task.X
    if hasattr(X, "to_numpy") and not needs_preprocessing(X):
        X = X.to_numpy(dtype=np.float64)  # all numeric: as every KB so far was scored
    settings = build_settings(X, task.y, n_splits, random_state)
    ran: dict[str, int] = {}
    for family, configs in pool.items():
        study = optuna.create_study(study_name=study_name(task.name, family),
                                    storage=storage, direction="maximize",
                                    load_if_exists=True)
        study.set_user_attr("task", task.name)
        study.set_user_attr("family", family)
        fam_settings = {**settings, **family_settings(family)}
        _check_stored(study, family, configs, fam_settings)
        study.set_user_attr("build_settings", fam_settings)
        # failures are deterministic (e.g. more neighbours than rows): not retried
        done = {t.user_attrs.get("pool_index") for t in study.get_trials(deepcopy=False)
                if t.state in (optuna.trial.TrialState.COMPLETE,
                               optuna.trial.TrialState.FAIL)}
        ran[family] = 0
        for idx, cfg in enumerate(configs):
            if idx in done:
                continue
            score, seconds = evaluate_config(family, cfg, X, task.y, task.task_type,
                                             n_splits=n_splits, random_state=random_state)
            trial = optuna.trial.create_trial(
                params={}, distributions={}, value=score if np.isfinite(score) else None,
                state=(optuna.trial.TrialState.COMPLETE if np.isfinite(score)
                       else optuna.trial.TrialState.FAIL),
                user_attrs={"pool_index": idx, "config": _jsonable(cfg),
                            "fit_seconds": round(seconds, 3)})
            study.add_trial(trial)
            ran[family] += 1
    return ran


def _jsonable(cfg: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in cfg.items():
        if isinstance(v, np.generic):
            v = v.item()
        out[k] = v
    return out


def build(tasks: Sequence[Any], pool: Mapping[str, list[Config]], storage: Any,
          n_jobs: int = 1, backend: str = "loky", scheduler: str | None = None,
          n_splits: int = 3, random_state: int = 0,
          progress: Callable[[str, dict], None] | None = None) -> dict[str, dict[str, int]]:
    """Run :func:`run_task` for every task, in parallel; returns trials run per task."""
    if backend not in ("loky", "threading", "dask", "sequential"):
        raise ValueError(f"backend must be 'loky', 'threading', 'dask' or 'sequential', "
                         f"got {backend!r}")
    if isinstance(storage, str) and storage.startswith("sqlite") and (
            n_jobs != 1 or backend == "dask"):
        raise ValueError("storage: SQLite does not support concurrent writers; use a "
                         "journal file (e.g. kb.log) on one machine or a server database "
                         "URL (postgresql://, mysql://) for many workers")
    # create the storage once up front (fails early on a bad URL)
    make_storage(storage)
    results: dict[str, dict[str, int]] = {}
    if backend == "sequential" or (n_jobs == 1 and backend != "dask"):
        for task in tasks:
            results[task.name] = run_task(task, pool, storage, n_splits, random_state)
            if progress:
                progress(task.name, results[task.name])
        return results
    from joblib import Parallel, delayed, parallel_backend

    client = None
    own_client = False
    if backend == "dask":
        try:
            from dask.distributed import Client
        except ImportError as exc:  # pragma: no cover - optional dependency
            raise ImportError("backend='dask' needs dask[distributed]: "
                              "pip install 'dask[distributed]'") from exc
        if isinstance(scheduler, Client):
            client = scheduler
        else:
            client = Client(scheduler) if scheduler else Client(processes=False)
            own_client = True
        ctx = parallel_backend("dask", client=client)
    else:
        ctx = parallel_backend(backend, n_jobs=n_jobs)
    try:
        with ctx, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # results stream back as tasks finish, so progress is reported during the build
            out = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                delayed(_run_named)(t, pool, storage, n_splits, random_state) for t in tasks)
            for name, ran in out:
                results[name] = ran
                if progress:
                    progress(name, ran)
    finally:
        if own_client:
            client.close()
    return {t.name: results[t.name] for t in tasks}


def _run_named(task: Any, *args: Any) -> tuple[str, dict[str, int]]:
    return task.name, run_task(task, *args)


def collect(storage: Any, task_names: Iterable[str], families: Iterable[str],
            pool_sizes: Mapping[str, int]) -> dict[str, dict[str, list[float | None]]]:
    """Read the pool scores back: ``{family: {task: [score or None per pool index]}}``."""
    storage = make_storage(storage)
    existing = {s.study_name for s in optuna.get_all_study_summaries(storage)}
    out: dict[str, dict[str, list[float | None]]] = {}
    for family in families:
        out[family] = {}
        for task in task_names:
            name = study_name(task, family)
            scores: list[float | None] = [None] * pool_sizes[family]
            if name in existing:
                study = optuna.load_study(study_name=name, storage=storage)
                for t in study.get_trials(deepcopy=False,
                                          states=(optuna.trial.TrialState.COMPLETE,)):
                    idx = t.user_attrs.get("pool_index")
                    if idx is not None and idx < len(scores):
                        scores[idx] = float(t.value)
            out[family][task] = scores
    return out


def scoring_artifact(storage: Any, task_names: Iterable[str]) -> str | None:
    """The meta-learned initialization (weights sha256, None: random) that scored the
    MetaMLP studies of ``task_names``; ``"unrecorded"`` for a storage filled before it was
    recorded. ``ValueError`` when the studies were scored with different ones."""
    storage = make_storage(storage)
    existing = {s.study_name for s in optuna.get_all_study_summaries(storage)}
    found: dict[str | None, list[str]] = {}
    for task in task_names:
        name = study_name(task, "metamlp")
        if name not in existing:
            continue
        study = optuna.load_study(study_name=name, storage=storage)
        if not study.get_trials(deepcopy=False):
            continue
        stored = study.user_attrs.get("build_settings") or {}
        found.setdefault(stored.get(ARTIFACT_KEY, "unrecorded"), []).append(task)
    if len(found) > 1:
        what = "; ".join(f"{str(k)[:12]}: {len(v)} tasks (e.g. {v[0]})" for k, v in found.items())
        raise ValueError(f"storage: its MetaMLP scores come from different meta-learned "
                         f"initializations ({what}); delete the studies of the stale ones "
                         f"(optuna.delete_study) and build again so every task is scored "
                         f"with one")
    return next(iter(found)) if found else None


def export(storage: Any, tasks: Sequence[Any], pool: Mapping[str, list[Config]],
           path: Any, heldout: Iterable[str] = (), embedder: Any = None,
           embedding_name: str | None = None, info: Mapping[str, Any] | None = None,
           adaptive_prior: str = "off"):
    """Write the knowledge base file and its manifest from the build storage.

    Held-out tasks are never exported; ``ValueError`` if one is passed in ``tasks``.
    ``adaptive_prior``: ``"off"`` (the adaptive warm start weighs past tasks equally before
    any evidence) or ``"loo"`` (a meta-feature similarity prior where leave-one-task-out
    finds one clearly better, :func:`~sklearn_meta.search.composition.choose_adaptive_prior`);
    the leave-one-task-out evidence is stored either way.
    Returns the :class:`~sklearn_meta.search.knowledge_base.KnowledgeBase`.
    """
    import hashlib
    import json
    from pathlib import Path

    from .knowledge_base import KnowledgeBase

    from ..datasets.twins import same_data_names

    heldout = set(heldout)
    leaked = sorted(t.name for t in tasks if same_data_names(t.name) & heldout)
    if leaked:
        raise ValueError(f"tasks: held-out tasks may not enter the knowledge base: {leaked}")
    sizes = {f: len(v) for f, v in pool.items()}
    scores = collect(storage, [t.name for t in tasks], list(pool), sizes)
    from .spaces import FAMILIES

    # what the scores mean: how each configuration became an estimator (with these fixed
    # arguments of its family), so a reader can tell a knowledge base scored another way
    types = {t.task_type for t in tasks}
    task_type = "regression" if types == {"regression"} else "classification"
    info = {**dict(info or {}), "scoring_version": SCORING_VERSION,
            "fixed_arguments": {f: FAMILIES[f].fixed_for(task_type) for f in pool
                                if f in FAMILIES}}
    if "metamlp" in pool:  # its scores depend on the meta-learned initialization used
        info[ARTIFACT_KEY] = scoring_artifact(storage, [t.name for t in tasks])
    kb = KnowledgeBase(pool={f: list(v) for f, v in pool.items()}, scores={},
                       embedding_name=embedding_name, info=info)
    for task in tasks:
        if not any(s is not None for f in pool for s in scores[f][task.name]):
            continue  # not evaluated (yet)
        kb.add_task(task.name, task.X, task.y, task.task_type, embedder)
    for f in pool:  # rounded as the file stores them, so that what is chosen from them
        # below (portfolio share, adaptive prior) is what a reader recomputes from the file
        kb.scores[f] = {t: [None if s is None or not np.isfinite(s) else round(s, 5)
                            for s in v] for t, v in scores[f].items() if t in kb.tasks}
    task_types = {kb.tasks[t]["task_type"] for t in kb.tasks}
    if len(task_types) == 1:  # how "auto" mixes neighbours and portfolio, chosen by LOO
        from .composition import adaptive_prior_info, choose_adaptive_prior, \
            choose_portfolio_share

        only_type = task_types.pop()
        comp = choose_portfolio_share(kb, only_type)
        # and whether the adaptive rule starts from a meta-feature similarity prior
        if adaptive_prior not in ("off", "loo"):
            raise ValueError(f"adaptive_prior must be 'off' or 'loo', got {adaptive_prior!r}")
        kb.info["adaptive_prior"] = adaptive_prior_info(choose_adaptive_prior(kb, only_type),
                                                        adopt=adaptive_prior == "loo")
        kb.info["auto_portfolio_share"] = comp["share"]
        kb.info["auto_composition"] = {
            "chosen_by": comp["chosen_by"], "neighbours_by": comp["kind"],
            "n_tasks": comp["n_tasks"],
            "mean_regret_at_10_by_share": {f"{s:.2f}": round(v, 5)
                                           for s, v in comp["regret"].items()
                                           if np.isfinite(v)},
            "standard_error_by_share": {f"{s:.2f}": round(v, 5) for s, v in comp["se"].items()
                                        if np.isfinite(v)}}
    path = Path(path)
    kb.save(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    evaluated = {f: sum(any(s is not None for s in v) for v in kb.scores[f].values())
                 for f in pool}
    manifest = {
        "file": path.name, "sha256": digest, "format_version": kb.to_dict()["format_version"],
        "training_tasks": kb.task_names, "n_training_tasks": len(kb.task_names),
        "heldout_excluded": sorted(heldout), "families": {f: {"pool_size": sizes[f],
                                                             "tasks_evaluated": evaluated[f]}
                                                         for f in pool},
        "embedding": embedding_name, **info,
    }
    (path.parent / (path.name.split(".")[0] + ".manifest.json")).write_text(
        json.dumps(manifest, indent=1) + "\n")
    return kb

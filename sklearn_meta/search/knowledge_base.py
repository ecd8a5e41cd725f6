"""The knowledge base: per source task its meta-features, embedding and scored configurations.

File format (JSON, gzip-compressed, ``format_version`` 1)::

    {"format": "sklearn-meta-kb", "format_version": 1, "metric": {...},
     "meta_feature_names": [...], "embedding_name": str | null,
     "tasks": {name: {"task_type", "n_rows", "n_features", "n_classes",
                      "meta_features": [...], "embedding": [...] | null}},
     "pool": {family: [config, ...]},                  # shared candidates, index 0 = default
     "scores": {family: {task: [score | null, ...]}},   # raw CV scores, one per pool entry
     "extra": [{"task", "family", "config", "score"}],  # configs outside the pool (studies)
     "info": {...}}  # build settings and choices made at export, e.g. "auto_portfolio_share"
                     # (how strategy="auto" mixes neighbours and portfolio) with the evidence
                     # behind it in "auto_composition"

Scores are raw cross-validated scores; :meth:`KnowledgeBase.normalised` turns them into
per-task regret-normalised scores in [0, 1] (1 = best configuration seen on that task across
all families, 0 = worst) so knowledge transfers across tasks of different difficulty.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from .spaces import Config, config_key

FORMAT = "sklearn-meta-kb"
FORMAT_VERSION = 1
MF_GROUPS = ("general", "statistical", "info-theory")
KB_DIR = Path(__file__).resolve().parents[1] / "kb"
DEFAULT_KB = KB_DIR / "uci121.kb.json.gz"
#: The shipped knowledge base of each task type (pools differ: classifiers vs regressors).
DEFAULT_KBS = {"classification": DEFAULT_KB,
               "regression": KB_DIR / "uci121-regression.kb.json.gz"}


def _standardized(col: np.ndarray) -> np.ndarray:
    """A float column centred and scaled to unit variance (NaN kept; constant: 0)."""
    col = np.asarray(col, dtype=np.float64)
    col = np.where(np.isfinite(col), col, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns
        big = np.nanmax(np.abs(col)) if np.isfinite(col).any() else 0.0
        if not big > 0:
            return np.where(np.isnan(col), np.nan, 0.0)
        unit = col / big  # no overflow in the variance of values near the float limit
        sd = np.nanstd(unit)
        centred = unit - np.nanmean(unit)
    return centred / sd if sd > 1e-12 else np.where(np.isnan(col), np.nan, 0.0)


def scale_free(X: Any) -> Any:
    """``X`` as the knowledge base's tasks were described: every column numeric and
    standardised, as uci121 ships its data sets (categorical, text and boolean columns as
    the codes of their sorted levels, date-times as numbers; missing values kept; sparse
    matrices unchanged: centring would densify them).

    A task is described this way both when it enters a knowledge base and when its
    neighbours are looked up: a third of the meta-features (mean, sd, range, covariance,
    ...) depend on the units of the columns, and others on whether levels are text or codes,
    so the same table in dollars or in thousands of dollars, or raw instead of coded and
    standardised as uci121 ships it, would otherwise look like another task and never be
    near any past one.
    """
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        cols = []
        for j in range(X.shape[1]):
            col = X.iloc[:, j]
            if pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(
                    col.dtype):
                if pd.api.types.is_datetime64_any_dtype(col.dtype) or \
                        pd.api.types.is_timedelta64_dtype(col.dtype):
                    values = col.astype("int64").where(col.notna()).to_numpy(np.float64)
                else:
                    codes, _ = pd.factorize(col.astype(str).where(col.notna()), sort=True)
                    values = np.where(codes < 0, np.nan, codes).astype(np.float64)
            else:
                values = col.to_numpy(dtype=np.float64, na_value=np.nan)
            cols.append(_standardized(values))
        return pd.DataFrame(np.column_stack(cols) if cols else np.empty((len(X), 0)),
                            index=X.index, columns=X.columns)
    if hasattr(X, "tocsr"):
        return X
    arr = np.asarray(X)
    if arr.ndim != 2 or arr.dtype.kind not in "iufb":
        if arr.ndim == 2 and arr.dtype == object:
            return scale_free(pd.DataFrame(arr).infer_objects())
        return X  # bad shapes: described (or refused) as given
    return np.column_stack([_standardized(arr[:, j]) for j in range(arr.shape[1])]) \
        if arr.shape[1] else arr.astype(np.float64)


def drop_constant_columns(X: Any) -> Any:
    """``X`` without its columns of one value (missing values aside), unless every column is
    one: a constant column says nothing about the task, yet leaves correlations, skewness
    and kurtosis of all columns undefined (NaN), which would move the task far from its
    neighbours (one constant ``year`` column did, and "auto" dropped them)."""
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        keep = (X.nunique(dropna=True) != 1).to_numpy()
        return X.loc[:, keep] if keep.any() and not keep.all() else X
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "fiub" and X.size:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            keep = ~(np.nanmax(X, axis=0) == np.nanmin(X, axis=0))
        return X[:, keep] if keep.any() and not keep.all() else X
    return X


def compute_meta_features(X: Any, y: Any, task_type: str | None = None) -> dict[str, float]:
    """pymfe-named meta-features (``meta_features.extract``) of :func:`scale_free` ``X``
    without its constant columns, NaN where undefined. ``task_type``: how to read ``y``
    (default: as ``meta_features`` reads it); the search passes the one it decided, so
    that a 100-class integer target is not described as a regression target."""
    import meta_features

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = meta_features.extract(drop_constant_columns(scale_free(X)), y,
                                  groups=list(MF_GROUPS), random_state=0,
                                  target_type=task_type or "auto")
    return {str(k): float(v) for k, v in s.items()}


def embed_task(embedder: Callable[..., np.ndarray], X: Any, y: Any,
               task_type: str | None = None) -> np.ndarray:
    """``embedder(X, y)``, told the task type where it takes one (the packaged encoder's
    does; a user's ``(X, y)`` callable is called as it is)."""
    if task_type is not None and getattr(embedder, "takes_task_type", False):
        return np.ravel(np.asarray(embedder(X, y, task_type=task_type), dtype=float))
    return np.ravel(np.asarray(embedder(X, y), dtype=float))


@dataclass
class Record:
    """One evaluated configuration on one task."""

    task: str
    family: str
    config: Config
    score: float


@dataclass
class KnowledgeBase:
    """Evaluated configurations of past tasks, with the descriptions used to find neighbours."""

    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    pool: dict[str, list[Config]] = field(default_factory=dict)
    scores: dict[str, dict[str, list[float | None]]] = field(default_factory=dict)
    extra: list[Record] = field(default_factory=list)
    meta_feature_names: list[str] = field(default_factory=list)
    embedding_name: str | None = None
    metric: dict[str, str] = field(default_factory=lambda: {
        "classification": "accuracy", "regression": "r2"})
    info: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # the fields hold every score: far too long to print
        types = sorted({t["task_type"] for t in self.tasks.values()})
        n_pool = sum(len(v) for v in self.pool.values())
        user = sorted({r.task for r in self.extra})
        return (f"KnowledgeBase({len(self.tasks)} {'/'.join(types) or 'no'} tasks"
                f"{f' ({len(user)} added by add_study)' if user else ''}, families "
                f"{self.families}, {n_pool} pool configurations, "
                f"{len(self.extra)} added configurations, "
                f"embedding={self.embedding_name!r})")

    # ----------------------------------------------------------------- access
    @property
    def task_names(self) -> list[str]:
        return sorted(self.tasks)

    @property
    def families(self) -> list[str]:
        return sorted(set(self.pool) | {r.family for r in self.extra})

    def records(self, family: str | None = None, task_type: str | None = None) -> list[Record]:
        """All evaluated configurations (pool and extra), optionally of one family."""
        out = []
        for fam, by_task in self.scores.items():
            if family is not None and fam != family:
                continue
            for task, scores in by_task.items():
                if task_type and self.tasks.get(task, {}).get("task_type") != task_type:
                    continue
                for cfg, s in zip(self.pool[fam], scores):
                    if s is not None and np.isfinite(s):
                        out.append(Record(task, fam, dict(cfg), float(s)))
        out += [r for r in self.extra if (family is None or r.family == family) and (
            not task_type or self.tasks.get(r.task, {}).get("task_type") == task_type)]
        return out

    def score_range(self) -> dict[str, tuple[float, float]]:
        """Per task: (worst, best) raw score over every evaluated configuration."""
        lo: dict[str, float] = {}
        hi: dict[str, float] = {}
        for r in self.records():
            lo[r.task] = min(lo.get(r.task, np.inf), r.score)
            hi[r.task] = max(hi.get(r.task, -np.inf), r.score)
        return {t: (lo[t], hi[t]) for t in lo}

    def normalised(self, record: Record, ranges: Mapping[str, tuple[float, float]] | None
                   = None) -> float:
        """Regret-normalised score of ``record`` in [0, 1] (1 = best on its task)."""
        ranges = ranges if ranges is not None else self.score_range()
        lo, hi = ranges[record.task]
        return 1.0 if hi - lo < 1e-12 else (record.score - lo) / (hi - lo)

    def pool_matrix(self, family: str | None = None, tasks: Iterable[str] | None = None,
                    ) -> tuple[list[tuple[str, int]], list[str], np.ndarray]:
        """Normalised pool scores as a (tasks x candidates) matrix (NaN = not evaluated).

        Returns ``(candidates, task_names, matrix)`` where a candidate is
        ``(family, pool_index)``.
        """
        ranges = self.score_range()
        names = [t for t in (tasks if tasks is not None else self.task_names) if t in ranges]
        fams = [family] if family else sorted(self.pool)
        cands = [(f, i) for f in fams for i in range(len(self.pool.get(f, [])))]
        M = np.full((len(names), len(cands)), np.nan)
        for j, (f, i) in enumerate(cands):
            by_task = self.scores.get(f, {})
            for r, t in enumerate(names):
                s = by_task.get(t, [None] * (i + 1))[i]
                if s is not None and np.isfinite(s):
                    lo, hi = ranges[t]
                    M[r, j] = 1.0 if hi - lo < 1e-12 else (s - lo) / (hi - lo)
        return cands, names, M

    def meta_feature_matrix(self, names: list[str] | None = None) -> tuple[list[str], np.ndarray]:
        names = names if names is not None else self.task_names
        M = np.array([[np.nan if v is None else v for v in self.tasks[t]["meta_features"]]
                      for t in names], dtype=float)
        return names, M

    def embedding_matrix(self) -> tuple[list[str], np.ndarray] | None:
        names = [t for t in self.task_names if self.tasks[t].get("embedding") is not None]
        if not names:
            return None
        return names, np.array([self.tasks[t]["embedding"] for t in names], dtype=float)

    # ------------------------------------------------------------- building
    def add_task(self, name: str, X: Any, y: Any, task_type: str = "classification",
                 embedder: Callable[[Any, Any], np.ndarray] | None = None) -> None:
        """Describe a task (meta-features, and the embedding when ``embedder`` is given) on
        the rows a query is described by (``build-kb --subsample``'s sub-sample of a larger
        table, :func:`~sklearn_meta.search.suggest.description_rows`), so that the same data
        lies at distance 0 from itself."""
        from .suggest import description_rows

        n_rows = int(len(y))
        X, y = description_rows(X, y, self.info.get("subsample_rows"), task_type,
                                int(self.info.get("random_state", 0)))
        mf = compute_meta_features(X, y, task_type)
        if not self.meta_feature_names:
            self.meta_feature_names = sorted(mf)
        y = np.asarray(y)
        self.tasks[name] = {
            "task_type": task_type, "n_rows": n_rows, "n_features": int(np.shape(X)[1]),
            "n_classes": int(len(np.unique(y))) if task_type == "classification" else None,
            "meta_features": [_num(mf.get(k)) for k in self.meta_feature_names],
            "embedding": ([float(v) for v in embed_task(embedder, X, y, task_type)]
                          if embedder is not None else None),
        }

    def add_study(self, study: Any, X: Any, y: Any, estimator: Any, task_name: str,
                  embedder: Callable[[Any, Any], np.ndarray] | None = None,
                  task_type: str | None = None) -> int:
        """Add the finished trials of a user's Optuna study on data ``(X, y)``.

        The study must maximise the score. Its parameters are the estimator's: with a
        Pipeline, those of its last step (``"clf__C"`` -> ``"C"``; a bare estimator's may be
        named that way too). A study of ``MetaSearchCV`` across families (its trials name
        the family in an ``"estimator"`` parameter) adds each trial to its own family:
        ``estimator=None`` takes every family of it, an estimator or key only that one.
        Parameters outside the family's space (other steps', unknown ones) are dropped,
        trials with a non-finite score skipped. ``task_name`` must be new or one added by
        ``add_study`` before (the knowledge base's own tasks are not extended with other
        data). Without ``embedder`` the packaged task encoder embeds the task when it made
        the knowledge base's embeddings, so the task is found by the default strategy too.
        Returns the number of configurations added.
        """
        from optuna.trial import TrialState

        from .resume import ERROR_ATTR, SCORING_ATTR
        from .spaces import (FAMILIES, family_label, family_of, implied_task_type,
                             param_prefix, task_type_of)
        from .suggest import infer_task_type
        from .warm_start import FAMILY_PARAM

        if len(study.directions) != 1 or study.direction.name != "MAXIMIZE":
            raise ValueError("study: only single-objective studies that maximise a score "
                             "can be added (a loss minimised: add a study whose objective "
                             "returns the matching score, e.g. accuracy or R^2, to maximise)")
        trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        multi = any(FAMILY_PARAM in t.params for t in trials)
        if estimator is None and not multi:
            raise ValueError("estimator: name the estimator the study tuned (an instance or a "
                             "family key such as 'hgb'); only a study across families "
                             "(MetaSearchCV with a list or None) records it per trial")
        wanted = family_of(estimator) if estimator is not None else None
        searched = sorted({str(t.params[FAMILY_PARAM]) for t in trials
                           if FAMILY_PARAM in t.params})
        if task_type is None:  # a key: "ridge"/"svr" name regressors, else read from y
            task_type = task_type_of(estimator) if estimator is not None and not \
                isinstance(estimator, str) else \
                infer_task_type(y, implied_task_type(estimator if estimator is not None
                                                     else searched))
        own_types = {t["task_type"] for n, t in self.tasks.items()
                     if not any(r.task == n for r in self.extra)}
        if own_types and task_type not in own_types:  # e.g. a regressor's study into the
            # classifiers' file: searches would read it against none of the shipped tasks
            raise ValueError(
                f"study: a {task_type} study, but this knowledge base holds "
                f"{'/'.join(sorted(own_types))} tasks; add it to a {task_type} knowledge "
                f"base (the shipped one: KnowledgeBase.load(DEFAULT_KBS[{task_type!r}]), "
                f"DEFAULT_KBS from sklearn_meta.search.knowledge_base)")
        if task_name in self.tasks and not any(r.task == task_name for r in self.extra):
            raise ValueError(f"task_name: {task_name!r} is already one of the knowledge "
                             f"base's own tasks; add the study under a new name")
        metric = self.metric.get(task_type)
        scored_by = study.user_attrs.get(SCORING_ATTR)  # MetaSearchCV records its metric
        if scored_by not in (None, "default", metric):
            if scored_by == "callable":
                warnings.warn(f"add_study: the study was scored by a callable; its scores "
                              f"are taken as {metric} (this knowledge base's metric)",
                              UserWarning, stacklevel=2)
            else:
                raise ValueError(f"study: it maximised {scored_by!r}, but this knowledge "
                                 f"base holds {metric} scores ({task_type}); scores of "
                                 f"another metric would be normalised against them as if "
                                 f"they were {metric}: add a study scored by {metric!r}")
        digest = data_digest(X, y)
        known_digest = self.tasks.get(task_name, {}).get("data_values_digest")
        if known_digest is not None and known_digest != digest:
            # its description (meta-features, embedding) is that of the first data: the
            # scores of other data under that name would be found by the wrong neighbours
            old = self.tasks[task_name]
            raise ValueError(f"task_name: {task_name!r} was added with other data "
                             f"({old['n_rows']} rows x {old['n_features']} columns, "
                             f"now {len(y)} x {np.shape(X)[1]}); add this study under a "
                             f"new name")
        prefix = param_prefix(estimator) if estimator is not None and \
            not isinstance(estimator, str) else ""
        records, foreign, of_family, failed, outside = [], set(), 0, 0, []
        for t in trials:
            if multi:  # {"estimator": "hgb", "hgb__learning_rate": ...}: that family's own
                label = str(t.params.get(FAMILY_PARAM))
                try:
                    family = family_of(label)
                except ValueError:
                    foreign.add(f"{FAMILY_PARAM}={label}")
                    continue
                if wanted is not None and family != wanted:
                    continue  # another family's trial: not this estimator's configuration
                items = {k[len(label) + 2:]: v for k, v in t.params.items()
                         if k.startswith(f"{label}__")}
                foreign.update(k for k in t.params if k != FAMILY_PARAM
                               and not k.startswith(f"{label}__"))
                bare = len(t.params) == 1  # the family's default
            else:
                family, items = wanted, {}
                known = set(FAMILIES[family].space_for(task_type))
                for k, v in t.params.items():
                    if prefix:  # a Pipeline: its last step's parameters only
                        key = k[len(prefix):] if k.startswith(prefix) else None
                    else:  # a bare estimator: "C", or a step-style name such as "svc__C"
                        key = k if k in known or "__" not in k else k.split("__", 1)[1]
                    if key is None:
                        foreign.add(k)
                    else:
                        items[key] = v
                bare = not t.params
            of_family += 1
            space = FAMILIES[family].space_for(task_type)
            cfg = {k: v for k, v in items.items() if k in space}
            foreign.update(k for k in items if k not in space)
            if ERROR_ATTR in t.user_attrs:  # fits failed: its value holds error_score
                failed += 1
                continue
            off = [f"{k}={v!r}" for k, v in cfg.items() if not in_space(v, space[k])]
            if off:  # fitted into the space later, it would be another configuration
                outside.append(off[0])
                continue
            if t.value is not None and np.isfinite(t.value) and (cfg or bare):
                records.append(Record(task_name, family, cfg, float(t.value)))
        label = family_label(wanted, task_type) if wanted is not None else None
        if multi and wanted is not None and not of_family:
            raise ValueError(f"study: no finished trial of the {label!r} family; it searched "
                             f"{[family_label(f, task_type) for f in searched]}")
        check_score_range([r.score for r in records], metric)
        if failed:
            warnings.warn(f"add_study: {failed} trial(s) whose fits failed (scored "
                          f"error_score) skipped", UserWarning, stacklevel=2)
        if outside:
            warnings.warn(f"add_study: {len(outside)} trial(s) with values outside the "
                          f"family's search space skipped (e.g. {outside[0]}; the knowledge "
                          f"base's candidates lie inside it)", UserWarning, stacklevel=2)
        family = label if label is not None else "/".join(
            family_label(f, task_type) for f in searched)
        if not records and foreign:
            space = (f" space {sorted(FAMILIES[wanted].space_for(task_type))}"
                     if wanted is not None else "s")
            raise ValueError(f"study: none of its parameters {sorted(foreign)[:8]} belong to "
                             f"the {family!r} estimator's{space}; is this the estimator the "
                             f"study tuned?")
        if foreign:
            warnings.warn(f"add_study: parameters outside the {family!r} space the knowledge "
                          f"base knows were dropped: {sorted(foreign)[:8]}", UserWarning,
                          stacklevel=2)
        def same(r: Record) -> tuple:  # scores are saved to 5 decimals (to_dict)
            return r.task, r.family, repr(sorted(r.config.items())), round(r.score, 5)

        seen = {same(r) for r in self.extra}
        records = [r for r in records if same(r) not in seen]  # a study added twice: once
        if not records:
            warnings.warn(f"add_study: no new finished trial with a finite score in "
                          f"{study.study_name!r}; nothing added", UserWarning, stacklevel=2)
            return 0
        if task_name not in self.tasks:
            if embedder is None and self.embedding_name is not None:
                from .suggest import default_embedder

                emb = default_embedder()
                embedder = emb if getattr(emb, "name", None) == self.embedding_name else None
            self.add_task(task_name, X, y, task_type, embedder)
        self.tasks[task_name].setdefault("data_values_digest", digest)
        self.extra.extend(records)
        return len(records)

    # ------------------------------------------------------------------ io
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "format_version": FORMAT_VERSION, "metric": self.metric,
            "meta_feature_names": self.meta_feature_names,
            "embedding_name": self.embedding_name, "info": self.info,
            "tasks": self.tasks, "pool": self.pool,
            "scores": {f: {t: [None if s is None or not np.isfinite(s) else round(s, 5)
                               for s in v] for t, v in d.items()}
                       for f, d in self.scores.items()},
            "extra": [{"task": r.task, "family": r.family, "config": r.config,
                       "score": round(r.score, 5)} for r in self.extra],
        }

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(self.to_dict(), separators=(",", ":"), allow_nan=False,
                          default=_json_default).encode()
        if path.suffix == ".gz":  # no time stamp in the header: equal content, equal bytes
            with gzip.GzipFile(filename=str(path), mode="wb", mtime=0) as fh:
                fh.write(data)
        else:
            path.write_bytes(data)
        manifest = manifest_path(path)
        if manifest.is_file():  # saved through this API: its manifest's digest follows
            try:
                m = json.loads(manifest.read_text())
            except ValueError:
                m = None
            if isinstance(m, dict) and m.get("file") == path.name and "sha256" in m:
                m["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
                manifest.write_text(json.dumps(m, indent=1) + "\n")
        return path

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "KnowledgeBase":
        if d.get("format") != FORMAT:
            raise ValueError(f"not a sklearn-meta knowledge base (format={d.get('format')!r})")
        if int(d.get("format_version", -1)) > FORMAT_VERSION:
            raise ValueError(f"knowledge base format_version {d['format_version']} is newer "
                             f"than this sklearn-meta supports ({FORMAT_VERSION}); upgrade")
        return cls(tasks=dict(d["tasks"]), pool={f: list(v) for f, v in d["pool"].items()},
                   scores={f: dict(v) for f, v in d["scores"].items()},
                   extra=[Record(**r) for r in d.get("extra", [])],
                   meta_feature_names=list(d["meta_feature_names"]),
                   embedding_name=d.get("embedding_name"), metric=dict(d["metric"]),
                   info=dict(d.get("info", {})))

    @classmethod
    def load(cls, path: str | Path | None = None) -> "KnowledgeBase":
        """Load a knowledge base file; ``None`` loads the one shipped with the package."""
        path = Path(path) if path is not None else DEFAULT_KB
        if not path.exists():
            raise FileNotFoundError(f"knowledge base file not found: {path}")
        if not path.is_file():
            raise ValueError(f"{path}: not a file; expected a knowledge base file "
                             "(*.kb.json.gz)")
        check_manifest_digest(path)
        opener = gzip.open if path.suffix == ".gz" else open
        try:
            with opener(path, "rb") as fh:
                d = json.loads(fh.read())
            if not isinstance(d, dict):
                raise ValueError(f"expected a JSON object, got {type(d).__name__}")
            return cls.from_dict(d)
        except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError,
                AttributeError) as exc:
            cause = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
            raise ValueError(f"{path}: not a valid sklearn-meta knowledge base ({cause})") \
                from exc

    def dedup_key(self, family: str, config: Mapping[str, Any]) -> str:
        return f"{family}|{config_key(config)}"


def data_digest(X: Any, y: Any) -> str:
    """A digest of the values of ``(X, y)``, whatever holds them: the same rows as a numpy
    array or a DataFrame give the same digest (``joblib.hash`` of the objects did not)."""
    import pandas as pd
    from pandas.util import hash_pandas_object

    if hasattr(X, "toarray"):
        X = X.toarray()
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    target = pd.Series(np.asarray(y).ravel())
    h = hashlib.sha256()
    for part in (frame.reset_index(drop=True), target):
        h.update(hash_pandas_object(part, index=False).to_numpy().tobytes())
    h.update(repr(frame.shape).encode())
    return h.hexdigest()


def in_space(value: Any, dist: Any) -> bool:
    """Whether ``value`` lies in an Optuna distribution of a family's space."""
    from .spaces import _same

    if hasattr(dist, "choices"):
        return any(_same(value, c) for c in dist.choices)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return False
    span = dist.high - dist.low
    return dist.low - 1e-9 * span <= float(value) <= dist.high + 1e-9 * span


def check_score_range(scores: list[float], metric: str | None) -> None:
    """Refuse scores that cannot be this knowledge base's metric (a log-loss or an error
    study added as accuracy or R^2 would be normalised against the others as if it were)."""
    if not scores:
        return
    lo, hi, mid = min(scores), max(scores), float(np.median(scores))
    if metric == "accuracy" and (lo < 0 or hi > 1):
        bad = f"scores from {lo:.4g} to {hi:.4g}, not accuracies in [0, 1]"
    elif metric == "r2" and (hi > 1 or mid < -1):
        bad = (f"scores from {lo:.4g} to {hi:.4g} (median {mid:.4g}), not R^2 values of a "
               f"tuned model")
    else:
        return
    raise ValueError(f"study: {bad}; this knowledge base holds {metric} scores: add a study "
                     f"scored by {metric!r}")


def manifest_path(path: Path) -> Path:
    """The manifest ``build-kb`` writes beside a knowledge base file."""
    return path.parent / (path.name.split(".")[0] + ".manifest.json")


def check_manifest_digest(path: Path) -> None:
    """Refuse a knowledge base file whose sha256 differs from the one its manifest recorded
    (edited or damaged after export); a file without a manifest is not checked."""
    manifest = manifest_path(path)
    if not manifest.is_file():
        return
    try:
        m = json.loads(manifest.read_text())
    except ValueError:
        return  # not ours to judge: the knowledge base file itself is still read
    if not (isinstance(m, dict) and m.get("file") == path.name and m.get("sha256")):
        return
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != m["sha256"]:
        raise ValueError(f"{path}: its sha256 {digest[:12]}… differs from the one recorded in "
                         f"{manifest.name} ({str(m['sha256'])[:12]}…): the file was changed "
                         f"after it was exported; rebuild it with `sklearn-meta build-kb`, or "
                         f"remove the manifest to load it unchecked")


_DEFAULT_CACHE: dict[str, KnowledgeBase] = {}


def resolve_kb(knowledge_base: Any, task_type: str = "classification") -> KnowledgeBase:
    """``knowledge_base`` as given: a :class:`KnowledgeBase`, a path to one, or None (the
    shipped one of ``task_type``)."""
    if knowledge_base is None:
        return load_default_kb(task_type)
    if isinstance(knowledge_base, KnowledgeBase):
        return knowledge_base
    if isinstance(knowledge_base, (str, Path)):
        return KnowledgeBase.load(knowledge_base)
    raise TypeError(f"knowledge_base: expected a KnowledgeBase, a path to a knowledge base "
                    f"file or None, got {type(knowledge_base).__name__}")


def load_default_kb(task_type: str = "classification") -> KnowledgeBase:
    """The shipped knowledge base of ``task_type`` (cached).

    Classification tasks come from uci121; regression tasks are derived from them
    (:mod:`sklearn_meta.datasets.derived`). A missing regression file falls back to the
    classification one, whose lack of regression tasks leaves only the defaults.
    """
    if task_type not in DEFAULT_KBS:
        raise ValueError(f"task_type must be one of {sorted(DEFAULT_KBS)}, got {task_type!r}")
    if task_type not in _DEFAULT_CACHE:
        path = DEFAULT_KBS[task_type]
        _DEFAULT_CACHE[task_type] = (KnowledgeBase.load(path) if path.exists()
                                     else load_default_kb("classification"))
    return _DEFAULT_CACHE[task_type]


def _num(v: Any) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if np.isfinite(v) else None


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"cannot store {type(o).__name__} in a knowledge base")

"""`suggest_configs`: configurations worth trying first on a new data set.

Order: the estimator's default, then the best configurations of the nearest knowledge-base
tasks (weighted by similarity, deduplicated), then members of the greedy portfolio.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import warnings
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator

from meta_features import infer_target_type
from meta_features._validation import MAX_INT_CLASSES  # integer targets: classes up to it
from meta_features._validation import arrow_to_pandas

from ..preprocessing.pipeline import make_preprocessor
from .._warnings import warn_user
from .composition import interleave
from .knowledge_base import KnowledgeBase, compute_meta_features, embed_task, resolve_kb
from .neighbours import Neighbours, task_space
from .portfolio import kb_portfolio
from .members import (check_members, list_task_type, member_estimator, readable_problem,
                      target_scale_problem)
from .spaces import (FAMILIES, Config, bound_to_rows, config_key, cv_train_rows, family_of,
                     fit_to_space, implied_task_type, param_prefix, row_capped, task_type_of,
                     to_optuna_space, with_prefix)

STRATEGIES = ("embedding", "meta-features", "portfolio", "auto")
#: Share of the suggestions (after the estimator's default) that go to portfolio members when
#: neighbours are used; the rest are the neighbours' best configurations. ``strategy="auto"``
#: uses the share stored in the knowledge base (``kb.info["auto_portfolio_share"]``, chosen
#: by leave-one-task-out when it was exported, :mod:`sklearn_meta.search.composition`).
PORTFOLIO_SHARE = 1 / 3
#: Knowledge-base tasks shown as "neighbours" in the details of a suggestion.
N_NEIGHBOURS_SHOWN = 5
Embedder = Callable[[Any, Any], np.ndarray]


def default_embedder() -> Embedder | None:
    """The packaged learned task encoder as an ``embedder(X, y)``, or None if unavailable.

    The callable carries a ``name`` that identifies the encoder weights; a knowledge base's
    embeddings are only used with the encoder that made them.
    """
    try:
        import torch

        from ..artifacts.io import load_artifact, pretrained_path

        art = load_artifact(pretrained_path())
    except Exception:  # noqa: BLE001 - missing torch, artifact or a corrupt file
        return None
    if art.encoder is None:
        return None
    enc = art.encoder.eval()

    def embed(X: Any, y: Any, task_type: str | None = None) -> np.ndarray:
        regression = None if task_type is None else task_type == "regression"
        with torch.no_grad():
            return np.asarray(enc.encode(encoder_input(X), np.ravel(np.asarray(y)),
                                         regression=regression))

    digest = hashlib.sha256(json.dumps(art.manifest, sort_keys=True, default=str)
                            .encode()).hexdigest()[:16]
    embed.name = f"metamlp_uci121-encoder:{digest}"  # type: ignore[attr-defined]
    embed.takes_task_type = True  # type: ignore[attr-defined]
    return embed


def encoder_input(X: Any) -> np.ndarray:
    """``X`` as the finite numeric table the task encoder reads.

    A finite numeric table passes unchanged (the encoder standardises it, as it did for the
    knowledge base's tasks). Missing or infinite numbers are replaced by their column's
    median (NaN would otherwise spread through the embedding and put every data set with a
    missing value at the same point); categorical, text or date-time columns go through the
    MetaMLP estimators' preprocessing (imputation, one-hot, scaling).
    """
    import pandas as pd

    from ..preprocessing.column_kinds import categorical_columns, temporal_columns

    if hasattr(X, "tocsr"):
        X = X.toarray()
    if isinstance(X, pd.DataFrame):
        if len(categorical_columns(X)) or len(temporal_columns(X)):
            Z = np.asarray(make_preprocessor(X).fit_transform(
                X.replace([np.inf, -np.inf], np.nan)), dtype=np.float64)
            return np.nan_to_num(Z, nan=0.0, posinf=0.0, neginf=0.0)
        arr = X.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        try:
            arr = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError):  # e.g. an object array of strings
            return encoder_input(pd.DataFrame(np.asarray(X, dtype=object)).infer_objects())
    if np.all(np.isfinite(arr)):
        return arr
    arr = np.where(np.isfinite(arr), arr, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns
        med = np.nanmedian(arr, axis=0)
    med = np.where(np.isfinite(med), med, 0.0)
    return np.where(np.isnan(arr), med, arr)




TASK_TYPES = ("classification", "regression")


def infer_task_type(y: Any, task_type: str | None = None) -> str:
    """The task type of a target: ``task_type`` when given (checked), else read as
    ``meta_features.extract`` reads it (whole-number floats with many distinct values, like
    scikit-learn's diabetes, are regression, and so are integers with more than
    :data:`MAX_INT_CLASSES` distinct values and more than one per ten rows: a 2000-row integer
    price is not a 450-class problem). Where that reading goes against
    the dtype (integers read as regression, whole-number floats as more than 10 classes), or
    may miss the meaning (integers read as more than 10 classes: counts such as visits or
    days; whole-number floats that look like class codes read as regression,
    :func:`looks_like_codes`), a warning says so and how to choose."""
    import pandas as pd

    refuse_unreadable_target(y)
    if task_type is not None:
        if task_type not in TASK_TYPES:
            raise ValueError(f"task_type must be None (read from y), 'classification' or "
                             f"'regression', got {task_type!r}")
        y_arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
        if task_type == "regression":
            try:
                np.asarray(y_arr, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError("y: task_type='regression' needs a numeric target") from None
        elif y_arr.dtype.kind == "f":
            yf = y_arr[np.isfinite(y_arr)]
            if not np.all(yf == np.round(yf)):
                raise ValueError("y: task_type='classification' needs class labels, got "
                                 "continuous values (numbers with fractions)")
        return task_type
    dtypes = y.dtypes.tolist() if isinstance(y, pd.DataFrame) else [getattr(y, "dtype", None)]
    if dtypes and all(isinstance(d, pd.CategoricalDtype) for d in dtypes):
        return "classification"  # whatever its categories are (OpenML's integer class codes)
    y_arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    y_arr = y_arr.ravel()
    if y_arr.dtype == object and len(y_arr) and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
            for v in y_arr):
        try:  # integers stored as objects (after a merge, astype(object)): read as integers
            y_arr = y_arr.astype(np.int64)
        except OverflowError:
            pass
    if y_arr.dtype.kind in "iu" and len(y_arr):
        n_values = np.unique(y_arr).size
        if n_values > max(MAX_INT_CLASSES, len(y_arr) / 10):
            warn_user(f"y: an integer target with {n_values} distinct values is read as "
                      f"regression; pass task_type='classification' (or y as strings) to "
                      f"search it as classes")
            return "regression"
        if n_values > 10:  # counts (visits, days) read as classes: say so, and how to choose
            warn_user(f"y: an integer target with {n_values} distinct values is read as "
                      f"{n_values} classes; pass task_type='regression' if it is a count or a "
                      f"measurement")
    kind = infer_target_type(y_arr)
    if kind == "regression" and y_arr.dtype.kind == "f":
        yf = y_arr[np.isfinite(y_arr)]
        # warned only where the values look like class codes: whole non-negative numbers
        # that nearly fill 0..max (a CSV column of codes with gaps is read as floats), not
        # prices, delays or amounts, which are regression by their dtype and values alike
        if len(yf) and np.all(yf == np.round(yf)) and looks_like_codes(yf):
            warn_user(f"y: a float target of whole numbers with {np.unique(yf).size} distinct "
                      f"values is read as regression; pass task_type='classification' (or "
                      f"y as integers or strings) to search it as classes")
    if kind == "classification" and y_arr.dtype.kind == "f":
        n_values = np.unique(y_arr[np.isfinite(y_arr)]).size
        if n_values > 10:
            warn_user(f"y: a float target of whole numbers with {n_values} distinct values "
                      f"is read as {n_values} classes; pass task_type='regression' to search "
                      f"it as regression")
    return kind


def looks_like_codes(values: np.ndarray) -> bool:
    """Whether whole numbers look like class codes: none negative, their distinct values fill
    at least half of ``0..max`` (codes 0..K-1 or 1..K, some unused), and at least five rows
    per value on average (diabetes' 214 progression scores in 442 rows are measurements)."""
    if not len(values) or values.min() < 0:
        return False
    n_values = np.unique(values).size
    return bool(values.max() + 1 <= 2 * n_values and 5 * n_values <= len(values))


def refuse_unreadable_target(y: Any, fitting: bool = False) -> None:
    """Refuse targets no family reads correctly: durations and dates (their numbers are
    nanoseconds; classifiers would take each value as a class); with ``fitting`` (before a
    search's first trial), a categorical target whose categories are numbers with fractions
    (it is classes, but scikit-learn's classifiers refuse such labels as continuous)."""
    import pandas as pd

    dtypes = y.dtypes.tolist() if isinstance(y, pd.DataFrame) else [getattr(y, "dtype", None)]
    for dt in dtypes:
        if dt is not None and (pd.api.types.is_timedelta64_dtype(dt)
                               or pd.api.types.is_datetime64_any_dtype(dt)):
            raise ValueError(f"y: a {dt} target; convert it to numbers first (e.g. "
                             f"y.dt.total_seconds() for durations) or to labels")
        if fitting and isinstance(dt, pd.CategoricalDtype):
            cats = np.asarray(dt.categories)
            if cats.dtype.kind == "f" and not np.all(cats[np.isfinite(cats)]
                                                     == np.round(cats[np.isfinite(cats)])):
                raise ValueError("y: a categorical target whose categories are numbers with "
                                 "fractions; classifiers need labels (y.astype(str)), "
                                 "regression numbers (y.astype(float))")


def check_estimator_arg(estimator: Any) -> None:
    """Refuse an estimator class (instead of an instance) and an empty list, by name."""
    if isinstance(estimator, type):
        raise TypeError(f"estimator: expected an instance such as {estimator.__name__}(), "
                        f"got the class {estimator.__name__}")
    if isinstance(estimator, (list, tuple)) and len(estimator) == 0:
        raise ValueError("estimator: an empty list; give estimators or family keys, or None "
                         "for every family")


#: Families whose fit time grows at least quadratically with the rows (kernel SVMs); left out
#: of "every family" (``estimator=None``) beyond this many rows, where one fit takes minutes
#: to hours. Naming the family explicitly (``estimator=["svc", ...]``) keeps it.
QUADRATIC_FAMILIES = ("svc",)
MAX_ROWS_QUADRATIC = 20_000


def default_families(task_type: str, n_rows: int | None = None,
                     exclude: Sequence[str] = ()) -> list[str]:
    """Every family available for ``task_type`` (for ``estimator=None``), less ``exclude``
    and, beyond ``MAX_ROWS_QUADRATIC`` rows, the kernel SVMs (with a warning)."""
    fams = [f for f, fam in FAMILIES.items() if fam.available(task_type) and f not in exclude]
    if n_rows is not None and n_rows > MAX_ROWS_QUADRATIC:
        dropped = [f for f in fams if f in QUADRATIC_FAMILIES]
        if dropped:
            warnings.warn(f"estimator=None: {dropped} left out for {n_rows} rows (their fit "
                          f"time grows quadratically; more than {MAX_ROWS_QUADRATIC} rows "
                          f"takes minutes to hours per fit); name them in a list to include "
                          f"them", UserWarning, stacklevel=3)
            fams = [f for f in fams if f not in dropped]
    return fams


def _families(estimator: Any, task_type: str, n_rows: int | None = None,
              ) -> tuple[list[str], BaseEstimator | None]:
    check_estimator_arg(estimator)
    if estimator is None:
        return default_families(task_type, n_rows), None
    if isinstance(estimator, (list, tuple)):
        return [family_of(e) for e in estimator], None
    return [family_of(estimator)], (estimator if not isinstance(estimator, str) else None)


def _check_exclude(exclude_tasks: Any, kb: KnowledgeBase) -> set[str]:
    """``exclude_tasks`` as a set of knowledge-base task names (a bare string is refused: it
    would otherwise be read as a set of characters and exclude nothing)."""
    if exclude_tasks is None:
        return set()
    if isinstance(exclude_tasks, str) or not hasattr(exclude_tasks, "__iter__"):
        raise TypeError(f"exclude_tasks: expected a list of knowledge-base task names, got "
                        f"{exclude_tasks!r}")
    names = set(exclude_tasks)
    unknown = sorted(str(t) for t in names - set(kb.tasks))
    if unknown:
        warnings.warn(f"exclude_tasks: not in the knowledge base (nothing to exclude): "
                      f"{unknown[:10]}", UserWarning, stacklevel=3)
    return names


def description_rows(X: Any, y: Any, max_rows: int | None, task_type: str,
                     random_state: int = 0) -> tuple[Any, Any]:
    """``(X, y)`` cut to the rows a knowledge base described each of its tasks by: the same
    deterministic (stratified, for classes) sub-sample of ``max_rows`` rows that
    ``build-kb --subsample`` took. Meta-features such as the number of rows, and the cost
    of computing them, then compare with the knowledge base's; a large or sparse table is
    never described (nor densified) whole."""
    n = _n_rows(X)
    if not max_rows or n is None or n <= max_rows:
        return X, y
    import pandas as pd

    from ..datasets.task import stratified_rows

    y_arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    if y_arr.ndim != 1 or len(y_arr) != n:
        return X, y  # refused later with a clear message, by the checks that read y
    if task_type == "classification":
        if n - max_rows < len(pd.unique(pd.Series(y_arr).astype(str))):
            return X, y  # as build-kb: a stratified cut would drop whole classes
        keep = stratified_rows(y_arr.astype(str), int(max_rows), random_state)
    else:
        keep = np.sort(np.random.RandomState(random_state).choice(n, size=int(max_rows),
                                                                  replace=False))
    if isinstance(X, pd.DataFrame):
        X_sub = X.iloc[keep]
    elif hasattr(X, "tocsr"):
        X_sub = X.tocsr()[keep]
    else:
        X_sub = np.asarray(X) if not isinstance(X, np.ndarray) else X
        X_sub = X_sub[keep]
    return X_sub, y_arr[keep]


def neighbours_for(X: Any, y: Any, kb: KnowledgeBase, kind: str, task_type: str,
                   embedder: Embedder | None = None,
                   exclude_tasks: Sequence[str] | None = None) -> Neighbours:
    """Knowledge-base tasks nearest to ``(X, y)`` by meta-features or embedding, both
    computed on the rows :func:`description_rows` keeps."""
    X, y = description_rows(X, y, kb.info.get("subsample_rows"), task_type,
                            int(kb.info.get("random_state", 0)))
    if kind == "embedding":
        vec = embed_task(embedder, X, y, task_type)  # type: ignore[arg-type]
    else:
        mf = compute_meta_features(X, y, task_type)
        vec = np.array([np.nan if mf.get(k) is None else mf[k]
                        for k in kb.meta_feature_names], dtype=float)
    return task_space(kb, kind, task_type).query(vec, set(exclude_tasks or ()))


def _resolve_kind(strategy: str, kb: KnowledgeBase, embedder: Embedder | None,
                  ) -> tuple[str | None, Embedder | None]:
    if strategy == "portfolio":
        return None, None
    if strategy in ("embedding", "auto"):
        emb = embedder
        if emb is None and kb.embedding_matrix() is not None:
            emb = default_embedder()
            if emb is not None and getattr(emb, "name", None) != kb.embedding_name:
                emb = None  # the KB was embedded by another encoder
        if emb is not None and kb.embedding_matrix() is not None:
            return "embedding", emb
        if strategy == "embedding":
            warnings.warn("strategy='embedding': no task embedder/embeddings available; "
                          "falling back to meta-features", UserWarning, stacklevel=3)
    return "meta-features", None


#: A nearest distance at most this is the same description: the same data.
SAME_DATA_DISTANCE = 1e-9


def _neighbour_ranking(kb: KnowledgeBase, nb: Neighbours, families: list[str],
                       task_type: str, n_neighbors: int | None) -> list[tuple[str, Config]]:
    """Candidate (family, config) ordered by similarity-weighted normalised score over the
    ``n_neighbors`` nearest tasks (None: every knowledge-base task, weighted by similarity)."""
    tasks = nb.names[:n_neighbors]
    w = dict(zip(tasks, nb.weights[:n_neighbors]))
    ranges = kb.score_range()
    by_task: dict[str, dict[str, float]] = {t: {} for t in tasks}
    configs: dict[str, tuple[str, Config]] = {}
    for fam in families:
        for r in kb.records(fam, task_type):
            if r.task in by_task:
                key = kb.dedup_key(fam, r.config)
                s = kb.normalised(r, ranges)
                by_task[r.task][key] = max(by_task[r.task].get(key, -np.inf), s)
                configs[key] = (fam, r.config)
    medians = {t: float(np.median(list(v.values()))) if v else 0.0 for t, v in by_task.items()}
    total = sum(w.values()) or 1.0
    util = {key: sum(w[t] * by_task[t].get(key, medians[t]) for t in tasks) / total
            for key in configs}
    # a task described exactly as this one is this data (a user's own study of it): its own
    # best configurations first, not one vote among every similarity-weighted task
    same = [t for t, d in zip(nb.names, nb.distances) if d <= SAME_DATA_DISTANCE and t in by_task]
    first = sorted(((-v, k) for t in same for k, v in by_task[t].items()))
    order = list(dict.fromkeys([k for _, k in first] + sorted(util, key=lambda k: -util[k])))
    return [configs[k] for k in order]


def _n_rows(X: Any) -> int | None:
    if hasattr(X, "tocsr"):  # len() of a scipy sparse matrix raises
        return int(X.shape[0])
    try:
        return int(len(X))
    except TypeError:
        return None


def resolve_spaces(X: Any, y: Any, estimator: Any, search_space: Mapping[str, Any] | None,
                   task_type: str | None = None, train_rows: int | None = None,
                   ) -> tuple[str, list[str], BaseEstimator | None, dict[str, dict]]:
    """``(task type, families, estimator instance or None, bare search space per family)``;
    a user's ``search_space`` (single estimator only) replaces the family's default space.
    Default spaces have their row-count parameters capped for models trained on
    ``train_rows`` rows (None: those of a 5-fold cross-validation of ``X``;
    :func:`~sklearn_meta.search.spaces.bound_to_rows`)."""
    if y is None:  # the knowledge describes supervised tasks: neighbours need the target
        raise ValueError("y: the target is required (None given); suggestions come from past "
                         "tasks like (X, y)")
    if task_type is None:  # "ridge", "svr": the user named a regressor
        task_type = implied_task_type(estimator)
    if isinstance(estimator, BaseEstimator):
        own = task_type_of(estimator)
        if task_type is not None and task_type != own:
            raise ValueError(f"task_type={task_type!r} contradicts the estimator "
                             f"{type(estimator).__name__}, a {own} model")
        task_type = infer_task_type(y, own)  # checks y suits the estimator's type
    elif isinstance(estimator, (list, tuple)):
        task_type = list_task_type(estimator, y, task_type, infer_task_type)
    else:
        task_type = infer_task_type(y, task_type)
    n_rows = _n_rows(X)
    families, instance = _families(estimator, task_type, n_rows)
    if train_rows is None and n_rows is not None:
        train_rows = cv_train_rows(n_rows)
    spaces = {f: bound_to_rows(FAMILIES[f].space_for(task_type), train_rows)
              for f in families}
    if search_space is not None:
        if len(families) != 1:
            raise ValueError("search_space: only with a single estimator")
        prefix = param_prefix(instance) if instance is not None else ""
        user = to_optuna_space(search_space, arg="search_space")
        spaces[families[0]] = {k[len(prefix):]: v for k, v in user.items()
                               if k.startswith(prefix)}
        known = set(FAMILIES[families[0]].space_for(task_type))
        if not set(spaces[families[0]]) & known:
            hint = f" (with a Pipeline, name them '{prefix}<param>')" if prefix else ""
            warnings.warn(f"search_space: none of its parameters {sorted(user)[:8]} is one the "
                          f"knowledge base knows for this estimator {sorted(known)}{hint}; "
                          f"no warm-start values can be placed in it", UserWarning,
                          stacklevel=3)
    return task_type, families, instance, spaces


def fitted_config(family: str, cfg: Mapping[str, Any], space: Mapping[str, Any],
                  task_type: str, complete: bool = True) -> Config:
    """``cfg`` (completed with the family's defaults) fitted into ``space``: the form in which
    suggestions are enqueued and compared."""
    full = {**_family_defaults(family, task_type, space), **cfg} if complete else cfg
    return fit_to_space(full, space)


def check_train_rows(train_rows: Any) -> None:
    """``train_rows`` is None or a positive integer."""
    if train_rows is not None and (not isinstance(train_rows, (int, np.integer)) or
                                   isinstance(train_rows, bool) or train_rows < 1):
        raise ValueError(f"train_rows: expected a positive integer (the rows each model is "
                         f"trained on) or None, got {train_rows!r}")


def warn_settings_outside_space(instance: Any, own: Mapping[str, Any], fitted: Config,
                                space: Mapping[str, Any], user_space: bool,
                                capped: Sequence[str] = ()) -> None:
    """Warn where values the user set on ``instance`` (not its class defaults) could not be
    kept in the first configuration: outside the search space, they were clipped or
    snapped, and the configuration the user wrote would never be tried. ``capped``: the
    parameters whose bound the training rows set (a wider space would not help)."""
    from .spaces import _same, final_model

    model = final_model(instance)
    try:
        defaults = type(model)().get_params(deep=False)
    except Exception:  # noqa: BLE001 - a class that needs arguments: every value is the user's
        defaults = {}
    changed = []
    for k, v in own.items():
        if k in defaults and _same(v, defaults[k]):
            continue
        got = fitted.get(k)
        if k in fitted and (_same(v, got) or (_is_num(v) and _is_num(got) and
                                              np.isclose(float(v), float(got), rtol=1e-9))):
            continue
        dist = space[k]
        where = (f"{dist.low:g}..{dist.high:g}" if hasattr(dist, "low") else
                 f"one of {list(getattr(dist, 'choices', []))[:8]}")
        if k in capped:
            where += ", capped by the rows each model is trained on"
        changed.append(f"{k}={v!r} (space: {where}; tried as {got!r})" if k in fitted else
                       f"{k}={v!r} (space: {where}; left out)")
    if changed:
        how = ("widen param_distributions" if user_space else
               "pass param_distributions with a wider range")
        advice = f"To try it as it is, {how} (or fit it directly)"
        if capped and all("capped by the rows" in c for c in changed):
            advice = ("On so few rows a kNN cannot have more neighbours than rows, and a "
                      "leaf of more than half the rows leaves no split")
        warn_user(f"estimator: settings outside the search space were fitted into it, so "
                  f"the first configuration is not the one the estimator was given: "
                  f"{'; '.join(changed)}. {advice}")


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def suggest_pairs(X: Any, y: Any, estimator: Any = None, n: int = 10,
                  strategy: str = "auto", *, search_space: Mapping[str, Any] | None = None,
                  knowledge_base: KnowledgeBase | None = None,
                  embedder: Embedder | None = None, n_neighbors: int | None = None,
                  exclude_tasks: Sequence[str] | None = None, task_type: str | None = None,
                  train_rows: int | None = None, warn_about_models: bool = True,
                  ) -> tuple[list[tuple[str, Config]], dict[str, Any]]:
    """Like :func:`suggest_configs` but returns ``(family, bare config)`` pairs and details.
    ``warn_about_models=False``: no warning about the user's models reading ``X`` and ``y``
    (for callers that checked them already, such as :class:`MetaSearchCV`)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if n_neighbors is not None and (not isinstance(n_neighbors, (int, np.integer))
                                    or n_neighbors < 1):
        raise ValueError(f"n_neighbors must be a positive integer or None (every "
                         f"knowledge-base task, weighted by similarity), got {n_neighbors!r}")
    X = arrow_to_pandas(X)
    n_rows = _n_rows(X)
    if y is not None and n_rows is not None and hasattr(y, "__len__") and len(y) != n_rows:
        # every strategy, "portfolio" (which reads no data) included
        raise ValueError(f"y: expected {n_rows} values (one per row of X), got {len(y)}")
    from .input_checks import check_column_names, check_target_present

    check_column_names(X)  # as the searches refuse them, before any description of X
    if y is not None:
        check_target_present(y)
    check_train_rows(train_rows)
    task_type, families, instance, spaces = resolve_spaces(X, y, estimator, search_space,
                                                           task_type, train_rows)
    own_models = [estimator] if isinstance(estimator, BaseEstimator) else [
        m for m in estimator if isinstance(m, BaseEstimator)] \
        if isinstance(estimator, (list, tuple)) else []
    for model in own_models if warn_about_models else []:
        problem = readable_problem(model, X, ", so these suggestions cannot be fitted on X "
                                             "as it is")
        if problem is not None:
            warnings.warn(problem, UserWarning, stacklevel=3)
        if y is not None:
            scale = target_scale_problem(model, y)
            if scale is not None:
                warnings.warn(scale, UserWarning, stacklevel=3)
    if task_type == "classification" and y is not None:
        from .input_checks import check_classification_target

        check_classification_target(None, y)  # one class: nothing to suggest a classifier for
    kb = resolve_kb(knowledge_base, task_type)
    exclude_tasks = _check_exclude(exclude_tasks, kb)

    out: list[tuple[str, Config]] = []
    seen: set[str] = set()

    def add(fam: str, cfg: Mapping[str, Any], complete: bool = True) -> None:
        if len(out) >= n or fam not in spaces:
            return
        fitted = fitted_config(fam, cfg, spaces[fam], task_type, complete)
        key = f"{fam}|{config_key(fitted)}"
        if key not in seen:
            seen.add(key)
            out.append((fam, fitted))

    details: dict[str, Any] = {"families": families, "task_type": task_type}
    if len(families) == 1:  # the estimator's own default first
        fam = families[0]
        cur = (instance.get_params() if instance is not None else
               FAMILIES[fam].make(task_type).get_params())
        pre = param_prefix(instance) if instance is not None else ""
        own = {k: cur[pre + k] for k in spaces[fam] if pre + k in cur}
        add(fam, own, complete=False)
        if instance is not None and out:
            warn_settings_outside_space(
                instance, own, out[0][1], spaces[fam], search_space is not None,
                row_capped(spaces[fam], FAMILIES[fam].space_for(task_type))
                if search_space is None else ())

    kind, emb = _resolve_kind(strategy, kb, embedder)
    if not any(t["task_type"] == task_type for t in kb.tasks.values()):
        kind = None  # no past task of this type: default + portfolio only
    nb = None
    if kind == "embedding":
        try:
            nb = neighbours_for(X, y, kb, kind, task_type, emb, exclude_tasks)
        except (ValueError, TypeError) as exc:  # e.g. non-numeric columns the encoder can't read
            warnings.warn(f"task embedding failed ({exc}); using meta-features instead",
                          UserWarning, stacklevel=2)
            kind = "meta-features"
    if kind == "meta-features":
        nb = neighbours_for(X, y, kb, kind, task_type, None, exclude_tasks)
    if nb is not None:
        shown = min(n_neighbors or N_NEIGHBOURS_SHOWN, N_NEIGHBOURS_SHOWN)
        details.update(kind=kind, neighbours=nb.names[:shown],
                       distances=nb.distances[:shown].tolist(), near=nb.near,
                       confidence=nb.confidence)
        if len(nb.names):  # what decided "near"; the check below may ask another space
            details["near_check"] = {"kind": kind, "task": nb.names[0],
                                     "distance": float(nb.distances[0]),
                                     "threshold": float(nb.threshold)}
        if strategy == "auto" and nb.near and kind == "embedding":
            # the learned embedding squeezes unfamiliar data into familiar regions, so the
            # out-of-distribution check also asks the meta-feature space (scaled, L1)
            mf = neighbours_for(X, y, kb, "meta-features", task_type, None, exclude_tasks)
            mf_near = mf.near
            details["near"] = bool(mf_near)
            details["near_check"] = {"kind": "meta-features", "task": mf.names[0],
                                     "distance": float(mf.distances[0]),
                                     "threshold": float(mf.threshold)}
            if not mf_near:
                nb = None
        if strategy == "auto" and nb is not None and not nb.near:
            nb = None  # nothing close enough: trust the portfolio instead
    details["used_neighbours"] = nb is not None
    share = PORTFOLIO_SHARE
    if strategy == "auto":  # the knowledge base's own leave-one-task-out choice
        share = float(kb.info.get("auto_portfolio_share", PORTFOLIO_SHARE))
        own = {r.task for r in kb.extra}
        if nb is not None and own & set(nb.names[:N_NEIGHBOURS_SHOWN]):
            # the user's own studies are among the nearest tasks: the share chosen for the
            # shipped tasks (the regression KB's is 1.0, the portfolio alone) would hide them
            share = min(share, PORTFOLIO_SHARE)
    details["portfolio_share"] = share
    portfolio = [(fam, kb.pool[fam][idx]) for fam, idx in
                 kb_portfolio(kb, families, size=n + 10, task_type=task_type) if fam in spaces]
    ranked: Iterable[tuple[str, Config]] = ()
    if nb is not None:  # the neighbours' ranking, then more neighbours' candidates
        ranked = itertools.chain(
            _neighbour_ranking(kb, nb, families, task_type, n_neighbors),
            _neighbour_ranking(kb, nb, families, task_type, len(nb.names))
            if n_neighbors is not None else ())

    def take(pair: tuple[str, Config]) -> bool:
        before = len(out)
        add(*pair)
        return len(out) > before

    # portfolio members at a share of the positions after the default (position-wise, so the
    # list for n is the first n of a longer one); no neighbours: the portfolio alone
    interleave(ranked, portfolio, share if nb is not None else 1.0, take, n - len(out))
    for fam in families:  # no knowledge of this task type (e.g. regression): the defaults
        add(fam, {})
    if len(out) < n:
        has_type = any(t["task_type"] == task_type for t in kb.tasks.values())
        missing = [f for f in families if not kb.pool.get(f)]
        why = (f"it holds no {task_type} task" if not has_type else
               f"it has no candidates for {missing}" if missing else "")
        if why:
            warnings.warn(f"knowledge_base: {why}; {len(out)} of the {n} suggestions asked "
                          f"for (the defaults)", UserWarning, stacklevel=3)
    return out, details


def suggest_configs(X: Any, y: Any, estimator: Any = None, n: int = 10,
                    strategy: str = "auto", *, search_space: Mapping[str, Any] | None = None,
                    knowledge_base: KnowledgeBase | None = None,
                    embedder: Embedder | None = None, n_neighbors: int | None = None,
                    exclude_tasks: Sequence[str] | None = None,
                    task_type: str | None = None,
                    train_rows: int | None = None) -> list[dict[str, Any]]:
    """Up to ``n`` configurations to try first on ``(X, y)``, best first.

    Parameters
    ----------
    estimator : estimator, family key, list of them, or None
        One estimator: parameter dicts for it (Pipeline step prefix included), starting with
        its current (default) values. A list or None: dicts ``{"estimator": instance}`` with
        ready-to-fit estimators across families (``n=1`` is a zero-shot choice): a list's
        instances (Pipelines too) with the suggestion set on them, one per family; models
        built from family keys behind the MetaMLP estimators' preprocessing (a ``Pipeline``)
        when ``X`` has non-numeric columns or missing values, and always for SVC, kNN and
        logistic regression (:mod:`~sklearn_meta.search.members`).
    strategy : {"embedding", "meta-features", "portfolio", "auto"}
        How neighbours are found; "auto" uses the embedding when available and falls back
        to the portfolio when no knowledge-base task is near, and mixes neighbours and
        portfolio members in the share the knowledge base stores (``info
        ["auto_portfolio_share"]``, chosen by leave-one-task-out when it was built; the
        shipped regression knowledge base stores 1.0: its portfolio alone).
    search_space : dict, optional
        The caller's space (Optuna, scipy or list distributions); suggestions are clipped
        and snapped into it, unknown keys dropped. Default: the family's default space.
    n_neighbors : int or None, default=None
        Knowledge-base tasks whose results rank the candidates, nearest first; None: all of
        them, weighted by similarity (chosen by leave-one-task-out on the knowledge base,
        ``benchmarks/results/warm_start_loo_kb.md``).
    embedder : callable ``(X, y) -> vector``, optional
        Task embedder; default: the packaged task encoder when the KB was embedded by it.
    exclude_tasks : names of KB tasks to ignore as neighbours (leave-one-out evaluation).
    task_type : {"classification", "regression"} or None, default=None
        None: read from ``y`` (a warning says so where the reading goes against its dtype);
        an estimator instance decides by itself.
    train_rows : int or None, default=None
        Rows each model will be trained on. Parameters counted in rows (``n_neighbors``,
        ``min_samples_leaf``) transfer from past tasks in absolute numbers; the default
        spaces cap them for this many rows (a kNN cannot have more neighbours than rows,
        a leaf of more than half the rows leaves no split). None: the training rows of a
        5-fold cross-validation of ``X``. A ``search_space`` given is used as it is.
    """
    X = arrow_to_pandas(X)  # pyarrow / polars tables: column types kept
    pairs, details = suggest_pairs(X, y, estimator, n, strategy, search_space=search_space,
                                   knowledge_base=knowledge_base, embedder=embedder,
                                   n_neighbors=n_neighbors, exclude_tasks=exclude_tasks,
                                   task_type=task_type, train_rows=train_rows)
    if estimator is not None and not isinstance(estimator, (list, tuple)):
        prefix = param_prefix(estimator) if not isinstance(estimator, str) else ""
        return [with_prefix(cfg, prefix) for _, cfg in pairs]
    members = list(estimator) if estimator is not None else []
    task_type = details["task_type"]
    given = dict(zip(check_members(members), members))
    return [{"estimator": member_estimator(given.get(f, f), f, task_type, X, cfg)[0]}
            for f, cfg in pairs]


def _family_defaults(family: str, task_type: str, space: Mapping[str, Any]) -> Config:
    params = FAMILIES[family].make(task_type).get_params()
    return {k: params[k] for k in space if k in params}

"""Checks of a search's arguments and data that run before any trial: what would make every
trial (or every trial of one family) fail is refused or left out up front, with a message that
names the argument, instead of after the whole budget ran."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state, get_tags

from .spaces import final_model
from .suggest import _n_rows


def int_seed(random_state: Any) -> int | None:
    """An int seed for Optuna's samplers from scikit-learn's ``random_state`` (None, an int
    or a ``RandomState``, from which one number is drawn)."""
    if isinstance(random_state, (bool, np.bool_)) or not (
            random_state is None or isinstance(random_state, (int, np.integer,
                                                              np.random.RandomState))):
        raise ValueError(f"random_state: expected None, an int or a numpy RandomState, got "
                         f"{random_state!r}")
    if random_state is None or isinstance(random_state, (int, np.integer)):
        if random_state is not None and not 0 <= random_state < 2 ** 32:
            raise ValueError(f"random_state: an int seed must be between 0 and 2**32 - 1, "
                             f"got {random_state}")
        return None if random_state is None else int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def stored_choices_check(param_distributions: Any) -> None:
    """Refuse list choices that an Optuna storage cannot hold as they are (a ``class_weight``
    dict over integer labels comes back with string keys, an estimator object is not JSON):
    the search keeps its study in a storage with ``n_jobs != 1`` or ``storage=``, and such a
    choice would fail the refit after every trial ran (or corrupt ``best_params_``)."""
    plain = (type(None), bool, int, float, str, np.integer, np.floating, np.bool_)
    items = param_distributions.items() if isinstance(param_distributions, Mapping) else []
    for name, d in items:
        if isinstance(d, (list, tuple, np.ndarray)):
            odd = [c for c in d if not isinstance(c, plain)]
            if odd:
                raise ValueError(
                    f"param_distributions[{name!r}]: the choice {odd[0]!r} is not None, a "
                    f"bool, a number or a string; with n_jobs != 1 or a storage the study "
                    f"is stored as JSON, which cannot hold it as it is (dict keys become "
                    f"strings, objects fail): search it with n_jobs=1 and no storage, or "
                    f"name the choices by strings and map them in a Pipeline step")


#: Scorer names whose binary metric needs the positive class (scikit-learn's default 1).
POS_LABEL_SCORERS = frozenset({"f1", "precision", "recall", "jaccard", "average_precision"})


def check_positive_label_scoring(scoring: Any, y: Any) -> None:
    """Refuse, before any trial runs, a binary scorer by name (``"f1"``, ``"precision"``...)
    on two labels of which none is 1: scikit-learn's metric then fails in every fold
    (``pos_label=1 is not a valid label``), and the search would run every trial for that."""
    names = [scoring] if isinstance(scoring, str) else (
        list(scoring) if isinstance(scoring, (list, tuple, set)) else
        list(scoring.values()) if isinstance(scoring, Mapping) else [])
    bad = [n for n in names if isinstance(n, str) and n in POS_LABEL_SCORERS]
    if not bad:
        return
    try:
        labels = np.unique(np.asarray(y).ravel())
    except TypeError:  # mixed labels: refused elsewhere with their own message
        return
    if labels.size == 2 and not any(v == 1 for v in labels.tolist()):
        raise ValueError(
            f"scoring={bad[0]!r} scores class 1 as the positive one, but y's labels are "
            f"{labels.tolist()}; use make_scorer({bad[0]}_score, "
            f"pos_label={labels.tolist()[-1]!r}) (from sklearn.metrics) to say which label "
            f"is positive")


def check_classification_target(scoring: Any, y: Any) -> None:
    """Refuse, before any trial runs, a classification target every trial would fail on: a
    single class (no classifier fits one), or labels that are not numbers under a regression
    metric by name (``"r2"``, ``"neg_mean_squared_error"``...), which subtracts labels."""
    import pandas as pd

    arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    arr = arr.ravel()
    try:
        labels = pd.unique(arr)
    except TypeError:  # unhashable labels: refused elsewhere with their own message
        return
    if len(labels) < 2:
        shown = repr(getattr(labels[0], "item", lambda: labels[0])()) if len(labels) else "none"
        raise ValueError(f"y: a single class ({shown}) in {len(arr)} rows; a classifier "
                         f"needs at least 2 classes")
    if arr.dtype.kind in "biuf":
        return  # numeric labels: a regression metric is odd but computable
    from sklearn.metrics import get_scorer

    names = [scoring] if isinstance(scoring, str) else (
        list(scoring) if isinstance(scoring, (list, tuple, set)) else
        list(scoring.values()) if isinstance(scoring, Mapping) else [])
    for name in names:
        if not isinstance(name, str):
            continue
        try:
            func = get_scorer(name)._score_func
        except (ValueError, AttributeError):  # unknown names: refused by the scorer check
            continue
        if getattr(func, "__module__", "").startswith("sklearn.metrics._regression"):
            raise ValueError(f"scoring={name!r} is a regression metric, and y holds class "
                             f"labels that are not numbers ({', '.join(map(repr, labels[:3].tolist()))}"
                             f"{', ...' if len(labels) > 3 else ''}); "
                             f"choose a classification metric such as 'accuracy' or "
                             f"'neg_log_loss'")


#: A target whose spread is below this has squared errors that underflow float64 (1e-308).
TINY_TARGET_SPREAD = 1e-150


def check_column_names(X: Any) -> None:
    """Refuse a DataFrame with duplicated column names or names mixing strings and other
    types (scikit-learn refuses both, deep inside every fit)."""
    import pandas as pd

    if not isinstance(X, pd.DataFrame):
        return
    dup = X.columns[X.columns.duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"X: duplicated column names {dup[:5]}; every column needs its "
                         f"own name")
    kinds = {type(c) for c in X.columns if not isinstance(c, str)}
    if kinds and any(isinstance(c, str) for c in X.columns):
        raise ValueError(f"X: column names mix strings and {sorted(k.__name__ for k in kinds)}"
                         f"; scikit-learn needs all of them strings (X.columns = "
                         f"X.columns.astype(str))")


def check_target_present(y: Any) -> None:
    """Refuse a target with missing values (None, NaN, pandas NA), naming how many."""
    import pandas as pd

    y_arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    if y_arr.dtype.kind in "biu" or y_arr.size == 0:
        return
    miss = int(pd.isna(pd.DataFrame(y_arr.reshape(len(y_arr), -1))).to_numpy().sum())
    if miss:
        raise ValueError(f"y: contains {miss} missing value(s); drop those rows first")


def check_search_data(X: Any, y: Any, single_output: bool = True,
                      need_columns: bool = True) -> None:
    """Refuse, before any trial runs, what would make every fit fail: a target with missing
    values, rows of ``X`` and ``y`` that do not match, infinite values in ``X``, duplicated
    or mixed-type column names, no rows; with ``need_columns`` (every model but a user's
    single estimator, whose pipeline may make columns), no columns; with ``single_output``
    (models the search builds), a ``y`` of several columns."""
    import pandas as pd

    from ..preprocessing.column_kinds import infinite_columns
    from ..preprocessing.inputs import mixed_labels_message
    from ..preprocessing.text_columns import warn_number_text_columns

    n = _n_rows(X)
    shape = getattr(X, "shape", None)
    if shape is None and n is not None:
        try:
            shape = np.shape(X)
        except ValueError:  # ragged rows: left to the estimators' own checks
            shape = None
    if shape is not None and len(shape) == 2 and (
            shape[0] == 0 or (need_columns and shape[1] == 0)):
        raise ValueError(f"X: expected at least one row and one column, got shape "
                         f"{tuple(shape)}; every trial would fail")
    if y is not None:
        y_arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
        if n is not None and len(y_arr) != n:
            raise ValueError(f"y: expected {n} values (one per row of X), got {len(y_arr)}")
        if single_output and y_arr.ndim > 1 and int(np.prod(y_arr.shape[1:])) != 1:
            raise ValueError(f"y: expected one target column, got shape {y_arr.shape}; the "
                             f"families MetaSearchCV builds and its knowledge base are "
                             f"single-output (pass a multi-output estimator instance with "
                             f"param_distributions to search it)")
        check_target_present(y_arr)
        if y_arr.dtype.kind == "f":
            n_inf = int(np.isinf(y_arr).sum())
            if n_inf:
                raise ValueError(f"y: contains {n_inf} infinite value(s); drop or replace "
                                 f"them first")
            big = float(np.abs(y_arr).max()) if y_arr.size else 0.0
            spread = float(np.std(y_arr / big)) * big if big > 0 else 0.0
            with np.errstate(over="ignore"):
                overflows = not np.isfinite(spread * spread * len(y_arr))
            if overflows:
                raise ValueError(f"y: values too large (up to {big:.3g}): sums of their "
                                 f"squares overflow float64 in every model and score; "
                                 f"rescale the target (e.g. divide by 1e100)")
            if 0 < spread < TINY_TARGET_SPREAD:
                raise ValueError(f"y: values that vary by only {spread:.3g}: their squared "
                                 f"errors underflow float64, so every model would score as "
                                 f"perfect while learning nothing; rescale the target (e.g. "
                                 f"multiply by 1e100)")
        if y_arr.dtype == object:
            try:
                np.unique(y_arr)
            except TypeError:  # e.g. ["a", 1]: every classifier's label encoding fails
                raise ValueError(mixed_labels_message(y_arr)) from None
    if isinstance(X, pd.DataFrame):
        check_column_names(X)
        bad = [str(c) for c in infinite_columns(X)]
        warn_number_text_columns(X)
    elif hasattr(X, "tocsr"):
        bad = ["(sparse)"] if np.isinf(X.tocsr().data).any() else []
    else:
        try:
            arr = np.asarray(X, dtype=float)
        except (TypeError, ValueError):
            return  # non-numeric arrays: left to the estimators' own checks
        bad = ["?"] if np.isinf(arr).any() else []
    if bad:
        cols = "" if bad in (["?"], ["(sparse)"]) else f" (columns {bad[:5]})"
        raise ValueError(f"X: contains infinity{cols}; replace it before searching (by NaN: "
                         f"the estimators the search builds impute missing values)")


def beyond_float32_columns(X: Any) -> list:
    """Columns (names, or positions for arrays) of numbers of ``X`` with finite values beyond
    the float32 range (|x| > 3.4e38): tree ensembles of scikit-learn cast ``X`` to float32 and
    refuse them as infinite."""
    import pandas as pd

    limit = float(np.finfo(np.float32).max)
    if isinstance(X, pd.DataFrame):
        num = X.select_dtypes("number")
        if num.shape[1] == 0:
            return []
        A, names = num.to_numpy(dtype=np.float64, na_value=np.nan), list(num.columns)
    elif hasattr(X, "tocsr"):
        A, names = abs(X.tocsr()).max(axis=0).toarray(), list(range(X.shape[1]))
    else:
        try:
            A = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError):
            return []
        if A.ndim != 2:
            return []
        names = list(range(A.shape[1]))
    with np.errstate(invalid="ignore"):
        big = np.any(np.isfinite(A) & (np.abs(A) > limit), axis=0)
    return [names[j] for j in np.flatnonzero(big)]


def check_sample_weight(weights: Any, n_rows: int | None, where: str) -> None:
    """Refuse, before any trial runs, sample weights that would fail every fold (or fail
    with a fold's row count in the message): not one per row of ``X``, missing or infinite,
    or none positive (negative ones are left to the estimator, as scikit-learn does)."""
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"sample_weight (for {where}): expected numbers, got "
                         f"{type(weights).__name__}") from None
    if w.ndim != 1 or (n_rows is not None and len(w) != n_rows):
        raise ValueError(f"sample_weight (for {where}): expected {n_rows} values (one per row "
                         f"of X), got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"sample_weight (for {where}): contains "
                         f"{int((~np.isfinite(w)).sum())} missing or infinite value(s)")
    if not w.sum() > 0:
        raise ValueError(f"sample_weight (for {where}): expected at least one positive weight")


def takes_sparse(estimator: BaseEstimator) -> bool:
    """Whether ``estimator`` accepts scipy sparse ``X`` (scikit-learn's input tags): a
    Pipeline as its first step says, otherwise the model that learns (inside a
    ``TransformedTargetRegressor`` too, which passes ``X`` on as it is)."""
    from sklearn.pipeline import Pipeline

    target = estimator if isinstance(estimator, Pipeline) else final_model(estimator)
    try:
        return bool(get_tags(target).input_tags.sparse)
    except (AttributeError, TypeError, ValueError):  # no tags: let its trials say
        return True


def n_indexed(index: Any) -> int:
    """Rows a split's training part selects: indices, or a boolean mask's True entries."""
    arr = np.atleast_1d(np.asarray(index))
    return int(np.count_nonzero(arr)) if arr.dtype == bool else len(arr)


def sparse_problem(estimator: BaseEstimator, shape: tuple[int, int]) -> str | None:
    """Why ``estimator`` cannot fit a scipy sparse ``X`` of ``shape``: it takes dense input
    only, or it densifies sparse input (MetaMLP) and this one is beyond its limit; None when
    it can."""
    model = final_model(estimator)
    name = type(model).__name__
    if not takes_sparse(estimator):
        return f"{name} takes no sparse X (densify it, X.toarray(), to keep it)"
    limit = getattr(model, "_max_dense_cells", None)
    if limit is not None and int(shape[0]) * int(shape[1]) > limit:
        return (f"{name} densifies sparse X, and {shape[0]} x {shape[1]} is beyond its "
                f"{limit:,} cells (reduce the columns, e.g. with TruncatedSVD)")
    return None


def unusable_families(bases: Mapping[str, BaseEstimator], fit_params: Mapping[str, Any],
                      scoring: Any, sparse: tuple[int, int] | bool = False,
                      family_fit_params: Mapping[str, Mapping[str, Any]] | None = None
                      ) -> dict[str, str]:
    """``{family: reason}`` for the families whose model takes no fit parameter given (e.g.
    ``sample_weight`` for k-nearest neighbours), has none of the methods a scorer needs
    (e.g. ``predict_proba`` for ``neg_log_loss``: SVC) or, with sparse ``X`` (``sparse``: its
    shape; True: any shape), cannot read it (HistGradientBoosting; MetaMLP beyond the size it
    densifies): every trial of theirs would fail."""
    from sklearn.metrics import get_scorer
    from sklearn.utils.validation import has_fit_parameter

    if isinstance(scoring, dict):
        named = list(scoring.items())
    elif isinstance(scoring, (list, tuple, set)):
        named = [(s, s) for s in scoring]
    else:
        named = [] if scoring is None else [(scoring, scoring)]
    needs = []
    for name, sc in named:
        try:
            scorer = get_scorer(sc) if isinstance(sc, str) else sc
        except ValueError:
            continue  # an unknown name is reported by the scorer check
        rm = getattr(scorer, "_response_method", None)
        if rm is not None:
            needs.append((name if isinstance(name, str) else repr(name),
                          (rm,) if isinstance(rm, str) else tuple(rm)))
    out = {}
    for fam, base in bases.items():
        model = final_model(base)
        if sparse is not False:
            why = sparse_problem(base, sparse if isinstance(sparse, tuple) else (0, 0))
            if why is not None:
                out[fam] = why
                continue
        given = fit_params if family_fit_params is None else family_fit_params.get(fam, {})
        missing = [k for k in given if not has_fit_parameter(model, k)]
        if missing:
            out[fam] = f"{type(model).__name__}.fit takes no {missing[0]!r}"
            continue
        for name, methods in needs:
            if not any(hasattr(base, m) for m in methods):
                out[fam] = (f"{type(model).__name__} has no {' or '.join(methods)}, which "
                            f"scoring {name!r} needs")
                break
    return out

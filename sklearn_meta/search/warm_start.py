"""Enqueue knowledge-base suggestions into any Optuna study."""
from __future__ import annotations

from typing import Any, Mapping

import optuna

from .suggest import suggest_pairs

#: User attribute listing the parameters a warm-start trial sets (others keep defaults).
KEYS_ATTR = "sklearn_meta_keys"
SOURCE_ATTR = "sklearn_meta_warm_start"
FAMILY_PARAM = "estimator"


def warm_start_study(study: optuna.Study, X: Any, y: Any, estimator: Any, n: int = 10,
                     strategy: str = "auto", *, search_space: Mapping[str, Any] | None = None,
                     **suggest_kwargs: Any) -> list[dict[str, Any]]:
    """Enqueue up to ``n`` suggestions (``skip_if_exists``) and return the enqueued params.

    For one estimator the parameter names are the estimator's (``set_params`` names). For
    several families (``estimator`` None or a list) each trial fixes ``"estimator"`` to the
    family key and names parameters ``"<family>__<param>"``; :class:`MetaSearchCV` uses the
    same convention. Each enqueued trial carries the user attribute ``sklearn_meta_keys``:
    the parameters it sets; an objective may leave the others at their defaults.
    """
    if not isinstance(study, optuna.Study):
        raise ValueError(f"study must be an optuna.Study, got {type(study).__name__}")
    pairs, details = suggest_pairs(X, y, estimator, n, strategy, search_space=search_space,
                                   **suggest_kwargs)
    single = estimator is not None and not isinstance(estimator, (list, tuple))
    prefix = ""
    if single and not isinstance(estimator, str):
        from .spaces import param_prefix

        prefix = param_prefix(estimator)
    enqueued = []
    for rank, (fam, cfg) in enumerate(pairs):
        if single:
            params = {f"{prefix}{k}": v for k, v in cfg.items()}
        else:
            params = {FAMILY_PARAM: fam, **{f"{fam}__{k}": v for k, v in cfg.items()}}
        study.enqueue_trial(params, user_attrs={KEYS_ATTR: sorted(params),
                                                SOURCE_ATTR: rank}, skip_if_exists=True)
        enqueued.append(params)
    return enqueued

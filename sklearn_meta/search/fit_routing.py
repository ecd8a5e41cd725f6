"""Fit parameters on their way to the model: from scikit-learn's metadata routing to the
``step__param`` form fits take with routing off, and under the prefix of the preprocessing
pipeline the search added."""
from __future__ import annotations

from typing import Any, Mapping

from sklearn.utils.metadata_routing import process_routing


def routed_params(routed: Any, child: str, method: str) -> dict[str, Any]:
    """Parameters ``process_routing`` sent to ``child.method`` ({} for a child not routed)."""
    try:
        return dict(getattr(getattr(routed, child), method))
    except AttributeError:
        return {}


def as_step_params(estimator: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    """Fit parameters routed to a Pipeline (by its steps' requests) in the ``step__param``
    form it takes with routing off, nested Pipelines included; other estimators: as given."""
    steps = getattr(estimator, "steps", None)
    if not params or steps is None:
        return dict(params)
    routed = process_routing(estimator, "fit", **params)
    out: dict[str, Any] = {}
    for name, step in steps:
        if step is None or isinstance(step, str) or name not in routed:
            continue
        given = {**routed[name].get("fit", {}), **routed[name].get("fit_transform", {})}
        out.update({f"{name}__{k}": v for k, v in as_step_params(step, given).items()})
    return out


def routed_fit_params(fit_params: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Fit parameters (e.g. ``sample_weight``) addressed to the model inside the
    preprocessing pipeline the search added (``model__sample_weight``)."""
    return {prefix + k: v for k, v in fit_params.items()}

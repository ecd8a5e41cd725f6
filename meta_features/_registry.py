"""Group registry: which module computes which features, and name resolution."""
from __future__ import annotations

from types import ModuleType
from typing import Iterable, Union

import pandas as pd

from . import clustering, complexity, concept, general, info_theory, itemset, landmarking, model_based, statistical

_MODULES: dict[str, ModuleType] = {
    "general": general,
    "statistical": statistical,
    "info-theory": info_theory,
    "landmarking": landmarking,
    "model-based": model_based,
    "clustering": clustering,
    "complexity": complexity,
    "itemset": itemset,
    "concept": concept,
}

ALL_GROUPS: tuple[str, ...] = (
    "general",
    "statistical",
    "info-theory",
    "landmarking",
    "model-based",
    "clustering",
    "complexity",
    "itemset",
    "concept",
)
DEFAULT_GROUPS: tuple[str, ...] = ("general", "info-theory", "statistical", "model-based", "landmarking")


def register(name: str, module: ModuleType) -> None:
    """Make ``module`` (with ``FEATURES`` and ``compute``) available as group ``name``."""
    _MODULES[name] = module


def available_groups() -> tuple[str, ...]:
    return tuple(g for g in ALL_GROUPS if g in _MODULES)


def resolve_groups(groups: Union[str, Iterable[str]]) -> tuple[str, ...]:
    """Turn the ``groups`` argument into an ordered tuple of implemented group names."""
    if isinstance(groups, str):
        groups = [groups]
    try:
        requested = list(groups)
    except TypeError:
        raise ValueError(f"groups: expected a group name or a list of names, got {groups!r}.") from None
    if not requested:
        raise ValueError(
            "groups: expected at least one group name ('default', 'all' or a group), got none.")
    out: list[str] = []
    for g in requested:
        if not isinstance(g, str):
            raise ValueError(f"groups: expected strings, got {g!r}.")
        key = g.lower().replace("_", "-")
        if key == "all":
            names = list(available_groups())
        elif key == "default":
            names = [x for x in DEFAULT_GROUPS if x in _MODULES]
        elif key in ALL_GROUPS:
            if key not in _MODULES:
                raise ValueError(f"groups: group {g!r} is not implemented yet; implemented: {available_groups()}.")
            names = [key]
        else:
            raise ValueError(
                f"groups: unknown group {g!r}; expected 'default', 'all' or names from {ALL_GROUPS}."
            )
        for name in names:
            if name not in out:
                out.append(name)
    return tuple(sorted(out, key=ALL_GROUPS.index))


def module(group: str) -> ModuleType:
    return _MODULES[group]


def list_features(groups: Union[str, Iterable[str]] = "all") -> pd.DataFrame:
    """Name, group, description and whether a target is needed, for every feature."""
    rows = []
    for g in resolve_groups(groups):
        for name, (desc, needs_y) in _MODULES[g].FEATURES.items():
            rows.append({"name": name, "group": g, "description": desc, "needs_target": needs_y})
    return pd.DataFrame(rows, columns=["name", "group", "description", "needs_target"])

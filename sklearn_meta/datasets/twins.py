"""Tasks that hold the same data under different names, for leave-data-sets-out checks.

Holding out a task by name is not enough when its data is also in the corpus under another
name: scikit-learn's bundled copies of uci121 members, and uci121 members that share their
inputs with a sibling (another target or class grouping of the same rows). Every check that a
meta-learned artifact never saw a task compares the task's whole group against the artifact's
training list.
"""
from __future__ import annotations

# scikit-learn bundled data set -> the uci121 member holding the same data
SKLEARN_TWINS: dict[str, str] = {
    "iris": "iris",
    "wine": "wine",
    "breast_cancer": "breast-cancer-wisc-diag",
    "digits": "optical",
}

# uci121 members that share their input rows (same source, another target/grouping)
UCI121_SIBLINGS: tuple[frozenset[str], ...] = tuple(frozenset(g) for g in (
    {"cardiotocography-3clases", "cardiotocography-10clases"},
    {"vertebral-column-2clases", "vertebral-column-3clases"},
    {"energy-y1", "energy-y2"},
    {"pittsburg-bridges-MATERIAL", "pittsburg-bridges-REL-L", "pittsburg-bridges-SPAN",
     "pittsburg-bridges-T-OR-D", "pittsburg-bridges-TYPE"},
    {"oocytes_merluccius_nucleus_4d", "oocytes_merluccius_states_2f"},
    {"oocytes_trisopterus_nucleus_2f", "oocytes_trisopterus_states_5b"},
    {"monks-1", "monks-2", "monks-3"},
    {"image-segmentation", "statlog-image"},
))


def same_data_names(name: str, suite: str = "uci121") -> set[str]:
    """uci121 names whose data equals (or shares its inputs with) task ``suite:name``."""
    from .derived import source_name

    name = source_name(name)  # a derived task ("abalone:col4") holds its source's rows
    base = SKLEARN_TWINS.get(name, name) if suite == "sklearn" else name
    names = {base}
    for group in UCI121_SIBLINGS:
        if base in group:
            names |= group
    if suite not in ("sklearn", "uci121"):
        names.add(name)
    return names

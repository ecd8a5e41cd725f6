"""General meta-features: simple counts and ratios (pymfe ``general`` group)."""
from __future__ import annotations

import numpy as np

from ._validation import TaskData

GROUP = "general"

# name -> (description, needs a class target)
FEATURES: dict[str, tuple[str, bool]] = {
    "attr_to_inst": ("Ratio of the number of attributes to the number of instances.", False),
    "cat_to_num": ("Ratio of categorical to numeric attributes (NaN if none numeric).", False),
    "freq_class": ("Relative frequency of each class.", True),
    "inst_to_attr": ("Ratio of the number of instances to the number of attributes.", False),
    "nr_attr": ("Number of attributes.", False),
    "nr_bin": ("Number of binary attributes (exactly two distinct values).", False),
    "nr_cat": ("Number of categorical attributes.", False),
    "nr_class": ("Number of classes.", True),
    "nr_inst": ("Number of instances.", False),
    "nr_num": ("Number of numeric attributes.", False),
    "num_to_cat": ("Ratio of numeric to categorical attributes (NaN if none categorical).", False),
}

#: Features with one value per data set (not summarised); NaN-filled under the same name
#: when the group cannot compute them, so the output names never depend on the data.
SCALAR_FEATURES = {"attr_to_inst", "cat_to_num", "inst_to_attr", "nr_attr", "nr_bin", "nr_cat", "nr_class", "nr_inst", "nr_num", "num_to_cat"}


def _n_unique(col: np.ndarray) -> int:
    """Distinct values of a raw column, missing counted once (as np.unique does)."""
    if col.dtype.kind == "f":
        miss = np.isnan(col)
        return int(np.unique(col[~miss]).size + bool(miss.any()))
    return int(np.unique(col).size)


def compute(data: TaskData) -> dict[str, float | np.ndarray]:
    """Compute the general features (they never fail on valid input)."""
    n, p = data.n, data.nr_attr
    n_cat = int(data.is_cat.sum())
    out: dict[str, float | np.ndarray] = {
        "attr_to_inst": p / n,
        "inst_to_attr": n / p,
        "nr_attr": float(p),
        "nr_inst": float(n),
        "nr_cat": float(n_cat),
        "nr_num": float(p - n_cat),
        "cat_to_num": np.nan if p == n_cat else n_cat / (p - n_cat),
        "num_to_cat": np.nan if n_cat == 0 else (p - n_cat) / n_cat,
        "nr_bin": float(sum(_n_unique(c) == 2 for c in data.X_cols)),
    }
    if data.is_classif:
        out["nr_class"] = float(data.classes.size)
        out["freq_class"] = data.class_freqs / n
    return out

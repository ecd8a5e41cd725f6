"""Itemset meta-features (pymfe ``itemset`` group) on the categorical view ``C``.

Every attribute value becomes a binary item. ``one_itemset``: frequency of each
item. ``two_itemset``: for each pair of items from two different attributes, the
fraction of rows where exactly one of the two is present (pymfe's XOR
definition). Computed from contingency tables, O(n * pairs of attributes),
instead of pymfe's explicit XOR of boolean columns.
"""
from __future__ import annotations

import numpy as np

from ._validation import TaskData

GROUP = "itemset"

FEATURES: dict[str, tuple[str, bool]] = {
    "one_itemset": ("Frequency of each attribute value (item) in the discretised data.", False),
    "two_itemset": ("For each pair of values of two different attributes, fraction of rows "
                    "holding exactly one of them (XOR).", False),
}


def compute(data: TaskData) -> dict[str, float | np.ndarray]:
    """Item frequencies and pairwise XOR frequencies (missing cells, code -1, are an item too)."""
    C, n = data.C, data.n
    if C.shape[1] == 0:
        return {}
    codes, counts = [], []
    for col in C.T:
        _, inv, cnt = np.unique(col, return_inverse=True, return_counts=True)
        codes.append(inv.ravel())
        counts.append(cnt)
    one = np.concatenate(counts) / n
    two = []
    for i in range(len(codes)):
        for j in range(i + 1, len(codes)):
            ki, kj = counts[i].size, counts[j].size
            both = np.bincount(codes[i] * kj + codes[j], minlength=ki * kj).reshape(ki, kj)
            two.append((counts[i][:, None] + counts[j][None, :] - 2 * both).ravel())
    return {"one_itemset": one, "two_itemset": np.concatenate(two) / n if two else np.empty(0)}

"""Itemset meta-features (pymfe ``itemset`` group) on the categorical view ``C``.

Every attribute value becomes a binary item. ``one_itemset``: frequency of each
item. ``two_itemset``: for each pair of items from two different attributes, the
fraction of rows where exactly one of the two is present (pymfe's XOR
definition). Computed from contingency tables, O(n * pairs of attributes),
instead of pymfe's explicit XOR of boolean columns.

``two_itemset`` has one value per pair of items, so its size grows with the square of the
number of attributes (2,000 rows x 3,000 numeric columns, 12 bins each: 650 million values,
5 GB). Beyond ``MAX_TWO_ITEMSET_VALUES`` values it is computed on a deterministic random
sample of attribute pairs (``random_state``) that holds about that many values, and a note
says so; below it (every uci121 data set) all pairs are used and values equal pymfe's.
"""
from __future__ import annotations

import numpy as np

from ._validation import TaskData

GROUP = "itemset"
#: Largest number of ``two_itemset`` values computed exactly (40 MB as float64).
MAX_TWO_ITEMSET_VALUES = 5_000_000

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
    pairs = _pairs(np.array([c.size for c in counts]), data)
    two = []
    for i, j in pairs:
        ki, kj = counts[i].size, counts[j].size
        both = np.bincount(codes[i] * kj + codes[j], minlength=ki * kj).reshape(ki, kj)
        two.append((counts[i][:, None] + counts[j][None, :] - 2 * both).ravel())
    return {"one_itemset": one, "two_itemset": np.concatenate(two) / n if two else np.empty(0)}


def _pairs(k: np.ndarray, data: TaskData) -> list[tuple[int, int]]:
    """Attribute pairs ``i < j`` in loop order: all of them, or a sample of whole pairs holding
    about ``MAX_TWO_ITEMSET_VALUES`` values when all would exceed it (noted in ``data``)."""
    p = len(k)
    total = (int(k.sum()) ** 2 - int((k ** 2).sum())) // 2
    if total <= MAX_TWO_ITEMSET_VALUES:
        return [(i, j) for i in range(p) for j in range(i + 1, p)]
    n_pairs = p * (p - 1) // 2
    mean_size = total / n_pairs
    take = max(1, min(n_pairs, int(MAX_TWO_ITEMSET_VALUES / mean_size)))
    flat = np.sort(np.random.RandomState(data.random_state).choice(n_pairs, take,
                                                                   replace=False))
    # flat index -> (i, j) of the row-major upper triangle
    starts = np.concatenate([[0], np.cumsum(np.arange(p - 1, 0, -1))])
    i = np.searchsorted(starts, flat, side="right") - 1
    j = flat - starts[i] + i + 1
    data.notes.append(f"two_itemset: {take} of {n_pairs} attribute pairs sampled "
                      f"({total} values in all; cap {MAX_TWO_ITEMSET_VALUES})")
    return list(zip(i.tolist(), j.tolist()))

"""Synthetic classification tasks drawn from a random prior, to widen the meta-training corpus.

74 real training tasks are few for a meta-learned initialization; priors over random
data-generating processes (TabPFN, Hollmann et al. 2023) supply as many tasks as wanted.
Each task here: 512 rows, 3-30 columns from linearly mixed Gaussians with the marginals of
tabular data (log-normal, binary, integer-valued and plain columns); 2-6 classes given by a
random tanh network or by additive axis-aligned rules (tree-like) on a random subset of the
columns, with Gumbel noise of random strength; every class holds at least 8 rows. Tasks are
a pure function of ``(random_state, index)``, so an artifact's manifest names them exactly.
Whether they help is measured in ``benchmarks/results/metaval_metamlp.md``.
"""
from __future__ import annotations

import numpy as np

from .corpus import CorpusTask

#: Version of the generator recorded in artifact manifests (bump when draws change).
GENERATOR_VERSION = 1
N_ROWS = 512
MIN_CLASS_ROWS = 8


def synthetic_task(rng: np.random.Generator, name: str) -> CorpusTask:
    """One task drawn from the prior with ``rng`` (redrawn until every class has
    :data:`MIN_CLASS_ROWS` rows)."""
    while True:
        n, d, k = N_ROWS, int(rng.integers(3, 31)), int(rng.integers(2, 7))
        Z = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) / np.sqrt(d)
        X = Z.copy()
        for j in range(d):  # marginal shapes seen in tabular data
            r = rng.random()
            if r < 0.2:
                X[:, j] = np.exp(Z[:, j])
            elif r < 0.35:
                X[:, j] = (Z[:, j] > rng.normal()).astype(float)
            elif r < 0.5:
                X[:, j] = np.floor(Z[:, j] * rng.uniform(1, 3))
        informative = rng.choice(d, size=int(rng.integers(1, d + 1)), replace=False)
        if rng.random() < 0.5:  # a random tanh network
            h = np.tanh(Z[:, informative] @ rng.normal(size=(len(informative), 16))
                        * rng.uniform(0.5, 2))
            logits = h @ rng.normal(size=(16, k))
        else:  # additive axis-aligned rules
            logits = np.zeros((n, k))
            for _ in range(int(rng.integers(2, 8))):
                j, t = rng.choice(informative), rng.normal()
                logits[Z[:, j] > t, rng.integers(k)] += rng.uniform(0.5, 2)
        logits = logits / (logits.std() + 1e-9) * rng.uniform(1, 4) + rng.gumbel(size=logits.shape)
        y = logits.argmax(1)
        _, counts = np.unique(y, return_counts=True)
        if len(counts) >= 2 and counts.min() >= MIN_CLASS_ROWS:
            _, y = np.unique(y, return_inverse=True)
            return CorpusTask(name, X, y.astype(np.int64))


def synthetic_tasks(n_tasks: int, random_state: int = 0) -> list[CorpusTask]:
    """``n_tasks`` tasks named ``synthetic-<random_state>-<i>``, drawn in order from one
    generator seeded by ``random_state``."""
    if int(n_tasks) < 0:
        raise ValueError(f"n_tasks must be >= 0, got {n_tasks!r}")
    rng = np.random.default_rng(int(random_state))
    return [synthetic_task(rng, f"synthetic-{int(random_state)}-{i}")
            for i in range(int(n_tasks))]

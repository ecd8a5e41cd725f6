"""Building torch modules from a seed without touching torch's global random stream.

``torch.nn`` initialises weights from torch's one process-wide CPU generator. A fit that seeds
it and builds a network must not be interleaved with another thread doing the same (a
threading joblib backend, a user's thread pool): the other thread's seed or state restore
would land between this one's seed and its draws, and the same ``random_state`` would give
different networks. All module construction of the estimators goes through
:func:`isolated_rng`, which holds one lock and forks the CPU generator only (forking every CUDA
device's generator as well would start CUDA on a GPU machine for a CPU fit).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

import torch

_LOCK = threading.RLock()


@contextmanager
def isolated_rng(seed: int | None = None) -> Iterator[None]:
    """Inside: torch's CPU generator seeded with ``seed`` (None: left as it is) and no other
    thread of this process drawing from or seeding it through this function; after: its
    state as before."""
    with _LOCK, torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(int(seed))
        yield

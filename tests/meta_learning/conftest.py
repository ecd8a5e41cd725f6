from pathlib import Path

import pytest
import torch


@pytest.fixture(scope="session")
def uci_home(data_home) -> Path:
    """The folder holding ``uci121/`` (the top-level ``data_home`` fixture: on CI its absence
    is a failure, elsewhere a skip)."""
    return data_home


@pytest.fixture(scope="session")
def small_corpus(uci_home):
    from sklearn_meta.meta_learning import load_uci121
    names = ["balance-scale", "glass", "ecoli", "pima", "seeds", "vertebral-column-3clases",
             "yeast", "car"]
    return load_uci121(uci_home, names=names)


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

import os
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]


def data_home() -> Path | None:
    for cand in (os.environ.get("SKLEARN_META_DATA"), ROOT.parent / "shared" / "data",
                 ROOT / ".." / "shared" / "data", Path("/work/shared/data")):
        if cand and (Path(cand) / "uci121").is_dir():
            return Path(cand)
    return None


@pytest.fixture(scope="session")
def uci_home() -> Path:
    home = data_home()
    if home is None:
        pytest.skip("uci121 data not found (set SKLEARN_META_DATA)")
    return home


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

"""Locating and reading uci121 data sets for the meta_features tests."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]


def data_home() -> Optional[Path]:
    env = os.environ.get("SKLEARN_META_DATA")
    home = Path(env) if env else REPO.parent / "shared" / "data"
    return home if (home / "uci121").is_dir() else None


def read_uci(name: str, home: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """Inputs and target of one uci121 data set, through the project's loader."""
    from sklearn_meta.datasets import load_task

    task = load_task(f"uci121:{name}", home)
    return task.X, task.y

"""Reading uci121 data sets for the meta_features tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def read_uci(name: str, home: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """Inputs and target of one uci121 data set, through the project's loader."""
    from sklearn_meta.datasets import load_task

    task = load_task(f"uci121:{name}", home)
    return task.X, task.y

"""Tiny reader for the local uci121 folder format (test-only, no dependency on sklearn_meta)."""
from __future__ import annotations

import gzip
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
    folder = home / "uci121" / name
    data_file = folder / f"{name}_R.dat.gz"
    if not data_file.exists():
        with gzip.open(folder / f"{name}.txt.gz", "rt") as fh:
            for line in fh:
                if line.startswith("fich1="):
                    data_file = folder / (line.split("=", 1)[1].strip() + ".gz")
                    break
    df = pd.read_csv(data_file, sep="\t", index_col=0)
    y = df.pop("clase").to_numpy()
    return df, y

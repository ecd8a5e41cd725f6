"""An append-only CSV store of benchmark rows, so interrupted runs resume where they left."""
from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

KEY = ("suite", "task", "estimator", "seed", "train_size", "fold")
COLUMNS = KEY + (
    "status", "accuracy", "balanced_accuracy", "log_loss", "r2", "rmse",
    "fit_time", "predict_time", "peak_memory_mb", "params", "artifact", "n_train", "n_test",
    "error", "sklearn_meta_version", "sklearn_version", "torch_version", "git_commit",
    "timestamp",
)


class ResultsStore:
    """Rows keyed by (suite, task, estimator, seed, train_size, fold) in one CSV file."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def read(self) -> pd.DataFrame:
        self._check_is_results_file()  # before anything is cut from or appended to it
        self._drop_partial_row()
        if not self.path.exists() or self.path.stat().st_size == 0:
            return pd.DataFrame(columns=list(COLUMNS))
        return pd.read_csv(self.path, keep_default_na=True)

    def _check_is_results_file(self) -> None:
        """Refuse an existing, non-empty file whose header is not a results file's (a file
        named by mistake), untouched."""
        if not self.path.is_file() or self.path.stat().st_size == 0:
            return
        with self.path.open("rb") as fh:
            header = fh.readline(1 << 16).decode("utf-8", "replace").strip().split(",")
        missing = [c for c in ("suite", "task", "estimator") if c not in header]
        if missing:
            raise ValueError(f"results file {self.path}: not a sklearn-meta results file (its "
                             f"header lacks {missing}); pass a new or an earlier results "
                             f"file")

    def _drop_partial_row(self) -> None:
        """A run killed while writing leaves a last line without its newline: that row is
        incomplete (its unit is run again), and appending after it would corrupt the file."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with self.path.open("rb+") as fh:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) == b"\n":
                return
            fh.seek(0)
            data = fh.read()
            fh.truncate(data.rfind(b"\n") + 1)

    def done_keys(self) -> set[tuple]:
        """Keys of rows already stored (any status: errors are not retried silently)."""
        frame = self.read()
        if frame.empty:
            return set()
        return {tuple(_norm(v) for v in row) for row in frame[list(KEY)].itertuples(index=False)}

    def append(self, rows: Iterable[dict[str, Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._check_is_results_file()
        self._drop_partial_row()
        new = not self.path.exists() or self.path.stat().st_size == 0
        with self.path.open("a", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(COLUMNS), extrasaction="ignore")
            if new:
                writer.writeheader()
            writer.writerows(rows)
            fh.flush()
            os.fsync(fh.fileno())


def _norm(value: Any) -> Any:
    """Make CSV-read and in-memory key values compare equal."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


def unit_key(suite: str, task: str, estimator: str, seed: int, train_size: Any,
             fold: int) -> tuple:
    return tuple(_norm(v) for v in (suite, task, estimator, seed, train_size, fold))

"""Resume for the per-task CSV files of the scripts in ``benchmarks/``.

Those scripts rewrite ``<tag>_per_task.csv`` after every task. With ``--resume`` they start
from that file and skip the units (task, size, repeat, model) it already holds; with
``--rerun-models`` the rows of the named models are dropped first and computed again (for
example after a new default changed only one model), the others are kept.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

UNIT = ("task", "size", "rep", "model")


def _key(values: Iterable[Any]) -> tuple[str, ...]:
    # sizes are ints or "all"; the CSV reads them back as strings or ints alike
    return tuple(str(v) for v in values)


class RowCheckpoint:
    """Rows computed so far, the units among them, and an atomic write of the CSV."""

    def __init__(self, path: str | os.PathLike, *, resume: bool = False,
                 rerun_models: Sequence[str] = ()) -> None:
        self.path = Path(path)
        self.rows: list[dict[str, Any]] = []
        if rerun_models and not resume:
            raise ValueError("rerun_models: only meaningful with resume=True")
        if resume and self.path.exists() and self.path.stat().st_size > 0:
            frame = pd.read_csv(self.path)
            missing = [c for c in UNIT if c not in frame.columns]
            if missing:
                raise ValueError(f"{self.path}: not a per-task results file (no {missing} "
                                 f"column); remove it or run without --resume")
            unknown = sorted(set(rerun_models) - set(frame["model"].astype(str)))
            if unknown:
                print(f"note: --rerun-models {unknown}: no rows of them in {self.path}")
            frame = frame[~frame["model"].astype(str).isin(list(rerun_models))]
            self.rows = frame.to_dict("records")
        self._done = {_key(r[c] for c in UNIT) for r in self.rows}

    def done(self, task: str, size: Any, rep: int, model: str) -> bool:
        return _key((task, size, rep, model)) in self._done

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        self._done.add(_key(row[c] for c in UNIT))

    def save(self) -> None:
        """Write every row (a temporary file, then a rename: an interrupted write never
        leaves a truncated CSV behind)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        pd.DataFrame(self.rows).to_csv(tmp, index=False)
        os.replace(tmp, self.path)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

"""Resume for the per-task CSV files of the scripts in ``benchmarks/``.

Those scripts rewrite ``<tag>_per_task.csv`` after every task. With ``--resume`` they start
from that file and skip the units (task, size, repeat, model) it already holds; with
``--rerun-models`` the rows of the named models are dropped first and computed again (for
example after a new default changed only one model), the others are kept.
"""
from __future__ import annotations

import json
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
                 rerun_models: Sequence[str] = (), settings: dict[str, Any] | None = None
                 ) -> None:
        self.path = Path(path)
        self.settings_path = self.path.with_name(self.path.stem + ".settings.json")
        self.settings = dict(settings or {})
        self.rows: list[dict[str, Any]] = []
        if rerun_models and not resume:
            raise ValueError("rerun_models: only meaningful with resume=True")
        if resume and self.settings and self.settings_path.exists():
            # rows made with other settings (seed, row caps, ...) must not be mixed in
            before = json.loads(self.settings_path.read_text())
            diff = sorted(k for k in set(before) | set(self.settings)
                          if before.get(k) != self.settings.get(k))
            if diff:
                raise ValueError(f"{self.path}: made with other settings ({', '.join(diff)}: "
                                 f"{[before.get(k) for k in diff]} then, "
                                 f"{[self.settings.get(k) for k in diff]} now); use the same "
                                 f"options or run without --resume")
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
        if self.settings:
            self.settings_path.write_text(json.dumps(self.settings, indent=1, sort_keys=True)
                                          + "\n")

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

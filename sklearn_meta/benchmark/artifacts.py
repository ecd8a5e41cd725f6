"""Leave-data-sets-out: pick, per task, a meta-learned artifact that never saw that task."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

MANIFEST = "manifest.json"
_TRAIN_KEYS = ("train_tasks", "training_tasks")


def training_tasks(artifact: str | Path) -> set[str]:
    """Names of the tasks an artifact was meta-trained on, read from its manifest."""
    path = Path(artifact)
    manifest = path / MANIFEST if path.is_dir() else path.with_suffix(".json")
    if not manifest.exists():
        where = (f"no {MANIFEST} in it" if path.is_dir() else
                 "no such folder" if not path.exists() else f"no manifest at {manifest}")
        raise FileNotFoundError(f"artifact {path}: {where}")
    data = json.loads(manifest.read_text())
    for key in _TRAIN_KEYS:
        if key in data:
            return {str(t).split(":")[-1] for t in data[key]}
    raise ValueError(f"artifact {path}: manifest {manifest} lists no training tasks "
                     f"(expected one of {_TRAIN_KEYS})")


def artifact_for_task(task_name: str, artifacts: Sequence[str | Path],
                      suite: str = "uci121") -> str | None:
    """The first artifact that never saw ``task_name``'s data, else None.

    Not only the name: a task's twins and siblings (`same_data_names`) must all be absent
    from the artifact's training list.
    """
    from ..datasets.twins import same_data_names

    related = same_data_names(task_name, suite) | {task_name}
    for artifact in artifacts:
        if not related & training_tasks(artifact):
            return str(artifact)
    return None

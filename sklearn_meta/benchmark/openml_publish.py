"""Publish a benchmark run to OpenML through openml's scikit-learn extension.

Only where OpenML is reachable and an API key is configured (``openml.config.apikey`` or
``~/.openml/config``): openml re-runs the model on the task's official splits, uploads the
flow if it is new, and the run (predictions per fold) with our tags.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from ..datasets.openml_suite import configure_cache

DEFAULT_TAGS = ("sklearn-meta",)


def publish_run(model: Any, task_id: int, data_home: str | Path, *,
                tags: Sequence[str] = DEFAULT_TAGS) -> int:
    """Run ``model`` on OpenML task ``task_id`` with openml's own protocol and publish it.

    Returns the new run id. Raises ``ValueError`` without an API key, ``RuntimeError`` (with
    openml's reason) when the server cannot be reached or refuses the run.
    """
    import openml

    if not isinstance(task_id, int) or task_id < 1:
        raise ValueError(f"task_id must be a positive OpenML task id, got {task_id!r}")
    if not openml.config.apikey:
        raise ValueError("publishing to OpenML needs an API key: set openml.config.apikey or "
                         "'apikey = ...' in ~/.openml/config")
    configure_cache(Path(data_home))
    try:
        task = openml.tasks.get_task(task_id, download_splits=True)
        run = openml.runs.run_model_on_task(model, task, avoid_duplicate_runs=True,
                                            upload_flow=True)
        run.publish()
        for tag in tags:
            run.push_tag(tag)
    except Exception as exc:  # openml raises many types: network, server, validation
        raise RuntimeError(f"could not publish a run of {type(model).__name__} on OpenML task "
                           f"{task_id}: {type(exc).__name__}: {exc}") from exc
    return int(run.run_id)

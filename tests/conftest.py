"""Shared fixtures: where the real data lives; command-line usage errors."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# torch's OpenMP runtime before scikit-learn's (test modules import scikit-learn first; see
# meta_features/_openmp.py): otherwise HistGradientBoosting runs ~8x slower in the tests
import meta_features  # noqa: F401,E402

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_home() -> Path | None:
    """``$SKLEARN_META_DATA``, else ``../shared/data`` beside the repository, if it exists."""
    env = os.environ.get("SKLEARN_META_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(REPO_ROOT.parent / "shared" / "data")
    for path in candidates:
        if (path / "uci121").is_dir():
            return path
    return None


@pytest.fixture(scope="session")
def data_home() -> Path:
    """The folder holding ``uci121/``; on CI its absence is a failure, elsewhere a skip."""
    home = shared_data_home()
    if home is None:
        msg = "uci121 data not found (set SKLEARN_META_DATA to the folder holding uci121/)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return home


@pytest.fixture
def usage_error(capsys):
    """``usage_error(argv)``: stderr of ``sklearn-meta argv`` failing on its arguments
    (argparse exits with status 2)."""
    from sklearn_meta.cli.main import main

    def run(argv: list[str]) -> str:
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        return capsys.readouterr().err

    return run

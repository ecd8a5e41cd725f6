"""The uci121 loader against the real collection and against broken copies of it."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from sklearn_meta.datasets import DatasetError, load_suite, load_task
from sklearn_meta.datasets.uci121 import list_headers


@pytest.fixture(scope="module")
def all_tasks(data_home):
    return load_suite("uci121", data_home)


def test_suite_has_116_tasks_matching_their_headers(all_tasks, data_home):
    headers = {h.name: h for h in list_headers(data_home)}
    assert len(all_tasks) == 116 == len(headers)
    for task in all_tasks:
        h = headers[task.name]
        assert task.n_rows == h.n_rows, task.name
        assert task.n_features == h.n_inputs, task.name
        assert set(np.unique(task.y)) <= set(range(h.n_classes)), task.name
        assert task.n_classes >= 2
        assert task.validation_split is not None
        fit, val = task.validation_split
        if h.n_fit is not None:
            assert len(fit) == h.n_fit and len(val) == h.n_validation, task.name
        folds = task.source.get("kfold_splits", task.splits)
        assert len(folds) == 4
        for tr, te in folds:
            assert len(tr) + len(te) == h.n_train_file_rows, task.name
            assert np.intersect1d(tr, te).size == 0
        if h.test_file:
            (tr, te), = task.splits
            assert len(tr) == h.n_train_file_rows and len(te) == h.n_test_file_rows


def test_known_task_content(data_home):
    task = load_task("uci121:abalone", data_home)
    assert task.X.shape == (4177, 8)
    assert task.n_classes == 3
    assert task.X.iloc[0, 0] == pytest.approx(-1.15421)
    assert task.y[:2].tolist() == [2, 0]
    # each published fold splits all rows 3133 / 1044 (the folds are independent draws,
    # so their test parts may overlap: that is the published protocol, kept as is)
    for tr, te in task.splits:
        assert (len(tr), len(te)) == (3133, 1044)
        assert np.array_equal(np.union1d(tr, te), np.arange(4177))


def test_filters_and_subsample(data_home):
    small = load_suite("uci121", data_home, max_rows=150, max_classes=2)
    assert small and all(t.n_rows <= 150 and t.n_classes == 2 for t in small)
    assert {t.name for t in load_suite("uci121", data_home, names=["iris", "wine"])} == {
        "iris", "wine"}
    rest = load_suite("uci121", data_home, max_rows=150, exclude=["balloons"])
    assert "balloons" not in {t.name for t in rest}
    a = load_suite("uci121", data_home, names=["letter"], subsample=1000, random_state=3)[0]
    b = load_suite("uci121", data_home, names=["letter"], subsample=1000, random_state=3)[0]
    assert a.n_rows == 1000 and a.X.equals(b.X)
    assert a.n_classes == 26  # stratified: every class kept
    assert a.source["subsampled_from"] == 20000
    for tr, te in a.splits:
        assert tr.max() < 1000 and te.max() < 1000


def _copy_task(data_home: Path, name: str, tmp_path: Path) -> Path:
    dst = tmp_path / "uci121" / name
    shutil.copytree(data_home / "uci121" / name, dst)
    return dst


def test_unknown_suite_and_name(data_home):
    with pytest.raises(DatasetError, match="unknown suite 'nope'"):
        load_suite("nope", data_home)
    with pytest.raises(DatasetError, match="no task named 'no-such-set'"):
        load_suite("uci121", data_home, names=["no-such-set"])
    with pytest.raises(ValueError, match="max_rows"):
        load_suite("uci121", data_home, max_rows=-1)


def test_missing_folder(tmp_path):
    with pytest.raises(DatasetError, match="uci121.*not found.*SKLEARN_META_DATA"):
        load_suite("uci121", tmp_path)


def test_truncated_data_file(data_home, tmp_path):
    folder = _copy_task(data_home, "iris", tmp_path)
    data = folder / "iris_R.dat.gz"
    data.write_bytes(data.read_bytes()[: len(data.read_bytes()) // 2])
    with pytest.raises(DatasetError, match=r"'iris'.*(corrupt or truncated|rows)"):
        load_suite("uci121", tmp_path)


def test_rows_missing_from_data_file(data_home, tmp_path):
    folder = _copy_task(data_home, "iris", tmp_path)
    data = folder / "iris_R.dat.gz"
    lines = gzip.decompress(data.read_bytes()).decode().splitlines()
    data.write_bytes(gzip.compress(("\n".join(lines[:-5]) + "\n").encode()))
    with pytest.raises(DatasetError, match="145 rows, header says 150"):
        load_suite("uci121", tmp_path)


def test_split_index_out_of_range(data_home, tmp_path):
    folder = _copy_task(data_home, "iris", tmp_path)
    path = folder / "conxuntos.dat.gz"
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    lines[1] = lines[1] + " 999"
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    with pytest.raises(DatasetError, match=r"'iris'.*validation split.*out of range"):
        load_suite("uci121", tmp_path)


def test_single_class_target(data_home, tmp_path):
    folder = _copy_task(data_home, "iris", tmp_path)
    data = folder / "iris_R.dat.gz"
    lines = gzip.decompress(data.read_bytes()).decode().splitlines()
    fixed = [lines[0]] + ["\t".join(ln.split("\t")[:-1] + ["0"]) for ln in lines[1:]]
    data.write_bytes(gzip.compress(("\n".join(fixed) + "\n").encode()))
    with pytest.raises(DatasetError, match="'iris'.*single class"):
        load_suite("uci121", tmp_path)


def test_missing_header_is_named(data_home, tmp_path):
    folder = _copy_task(data_home, "iris", tmp_path)
    (folder / "iris.txt.gz").unlink()
    with pytest.raises(DatasetError, match="'iris'.*missing file.*iris.txt.gz"):
        load_suite("uci121", tmp_path)


def test_a_misspelt_exclusion_is_refused_not_ignored():
    """Leave-data-sets-out: an excluded name that matches no task would leave its task in."""
    from sklearn_meta.datasets import load_suite
    from sklearn_meta.datasets._errors import DatasetError

    with pytest.raises(DatasetError, match="exclude: suite 'sklearn' has no task named 'irs'"):
        load_suite("sklearn", exclude=["irs"])

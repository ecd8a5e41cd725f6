"""`openml_suite` against fixtures in openml's own cache layout, through the real openml API.

No network: every socket connection and DNS lookup is refused (and recorded), so a test that
loads from the warm cache also proves openml did not try the server.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.model_selection import KFold, StratifiedKFold

openml = pytest.importorskip("openml")

from openml_fixture import FixtureTask, cache_dir, write_task  # noqa: E402

from sklearn_meta.datasets._errors import DatasetError  # noqa: E402
from sklearn_meta.datasets.openml_suite import (  # noqa: E402
    configure_cache,
    load_openml_suite_ids,
    load_openml_task,
)

IRIS_TASK, IRIS_DID = 59, 61
DIAB_TASK, DIAB_DID = 4823, 4800


def _iris_frame() -> pd.DataFrame:
    iris = load_iris(as_frame=True)
    frame = iris.data.copy()
    frame.columns = ["sepallength", "sepalwidth", "petallength", "petalwidth"]
    frame["petalsize"] = pd.Categorical(
        pd.cut(frame["petallength"], [0, 2, 5, 10], labels=["small", "medium", "large"])
        .astype(str), categories=["small", "medium", "large"])
    names = np.array(["Iris-setosa", "Iris-versicolor", "Iris-virginica"])
    frame["class"] = pd.Categorical(names[iris.target], categories=list(names))
    return frame


def _diabetes_frame() -> pd.DataFrame:
    diab = load_diabetes(as_frame=True)
    frame = diab.data.copy()
    frame["sex"] = pd.Categorical(np.where(frame["sex"] > 0, "male", "female"),
                                  categories=["female", "male"])
    frame["progression"] = diab.target.astype(float)
    return frame


def _folds(splitter, frame: pd.DataFrame, target: str) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.asarray(tr), np.asarray(te))
            for tr, te in splitter.split(frame, frame[target])]


@pytest.fixture
def iris(tmp_path: Path) -> FixtureTask:
    """Classification task 59 / dataset 61, data as parquet (what openml 0.15 downloads)."""
    frame = _iris_frame()
    folds = _folds(StratifiedKFold(3, shuffle=True, random_state=0), frame, "class")
    return write_task(tmp_path / "openml", IRIS_TASK, IRIS_DID, "iris", frame, "class",
                      "classification", folds, data_format="parquet")


@pytest.fixture
def diabetes(tmp_path: Path) -> FixtureTask:
    """Regression task with only dataset.arff cached although a parquet url is advertised."""
    frame = _diabetes_frame()
    folds = _folds(KFold(3, shuffle=True, random_state=1), frame, "progression")
    return write_task(tmp_path / "openml", DIAB_TASK, DIAB_DID, "diabetes (sklearn)", frame,
                      "progression", "regression", folds, data_format="arff",
                      parquet_url=True)


def _assert_splits(task, fixture: FixtureTask) -> None:
    assert len(task.splits) == len(fixture.folds) == 3
    for (tr, te), (ftr, fte) in zip(task.splits, fixture.folds):
        np.testing.assert_array_equal(tr, ftr)
        np.testing.assert_array_equal(te, fte)


def test_configure_cache_points_openml_at_data_home(tmp_path: Path, offline: list[str]) -> None:
    root = configure_cache(tmp_path)
    assert root == tmp_path / "openml" and root.is_dir()
    assert Path(openml.config.get_cache_directory()) == cache_dir(root)


def test_classification_task_from_parquet_cache(tmp_path: Path, iris: FixtureTask,
                                                offline: list[str]) -> None:
    for _ in range(2):  # second load goes through openml's pickled caches
        task = load_openml_task(IRIS_TASK, tmp_path)
        assert task.name == "iris"
        assert task.task_type == "classification"
        assert task.X.shape == (150, 5)
        assert list(task.X.columns) == list(iris.frame.columns[:-1])
        assert isinstance(task.X["petalsize"].dtype, pd.CategoricalDtype)
        pd.testing.assert_series_equal(task.X["petalsize"], iris.frame["petalsize"])
        np.testing.assert_array_equal(task.categorical, [False, False, False, False, True])
        np.testing.assert_array_equal(task.y, iris.frame["class"].astype(str).to_numpy())
        assert task.n_classes == 3
        _assert_splits(task, iris)
        assert task.source == {"suite": "openml", "openml_task_id": IRIS_TASK,
                               "openml_dataset_id": IRIS_DID,
                               "path": str(cache_dir(tmp_path / "openml"))}
    assert offline == []


def test_regression_task_from_arff_cache(tmp_path: Path, diabetes: FixtureTask,
                                         offline: list[str]) -> None:
    task = load_openml_task(DIAB_TASK, tmp_path)
    assert task.name == "diabetes_sklearn"
    assert task.task_type == "regression" and task.n_classes is None
    assert task.X.shape == (442, 10)
    assert isinstance(task.X["sex"].dtype, pd.CategoricalDtype)
    assert list(task.X["sex"].cat.categories) == ["female", "male"]
    expected_mask = [c == "sex" for c in diabetes.frame.columns[:-1]]
    np.testing.assert_array_equal(task.categorical, expected_mask)
    assert task.y.dtype == np.float64
    np.testing.assert_allclose(task.y, diabetes.frame["progression"].to_numpy())
    np.testing.assert_allclose(task.X["bmi"].to_numpy(), diabetes.frame["bmi"].to_numpy())
    _assert_splits(task, diabetes)
    assert task.source["openml_dataset_id"] == DIAB_DID
    assert offline == []  # no parquet download attempted although the url is advertised


def test_missing_task_fails_fast_with_task_id(tmp_path: Path, iris: FixtureTask,
                                              offline: list[str]) -> None:
    start = time.monotonic()
    with pytest.raises(DatasetError, match=r"OpenML task 987654\b.*could not be reached"):
        load_openml_task(987654, tmp_path)
    assert time.monotonic() - start < 10
    assert offline  # it did try (and was refused), so the message is about the network


def test_uncached_task_on_a_machine_without_network_is_tried_once(
        tmp_path: Path, offline: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """openml's default five retries with growing pauses cost ~10 s offline; when the server
    cannot be reached at all, the load fails after the probe alone (openml is not called)
    and leaves openml's setting as it was."""
    monkeypatch.setattr(openml.config, "connection_n_retries", 5)
    from sklearn_meta.datasets.openml_suite import _PROXY_VARS
    for var in _PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    start = time.monotonic()
    with pytest.raises(DatasetError, match=r"OpenML task 987654\b.*could not be reached"):
        load_openml_task(987654, tmp_path)
    assert time.monotonic() - start < 3
    assert len(offline) <= 3  # the reachability probe and one request, not five retries
    assert openml.config.connection_n_retries == 5


def test_reachability_probe_defers_to_a_configured_proxy(monkeypatch: pytest.MonkeyPatch,
                                                         offline: list[str]) -> None:
    from sklearn_meta.datasets.openml_suite import _PROXY_VARS, _server_unreachable

    for var in _PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    assert "network disabled" in _server_unreachable("https://www.openml.org/api/v1/xml")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert _server_unreachable("https://www.openml.org/api/v1/xml") is None


def test_corrupt_data_file_is_a_dataset_error(tmp_path: Path, iris: FixtureTask,
                                              offline: list[str]) -> None:
    pq = cache_dir(tmp_path / "openml") / "datasets" / str(IRIS_DID) / f"dataset_{IRIS_DID}.pq"
    pq.write_bytes(b"not a parquet file")
    with pytest.raises(DatasetError, match=rf"OpenML task {IRIS_TASK}\b.*corrupt"):
        load_openml_task(IRIS_TASK, tmp_path)


@pytest.mark.parametrize("damage", ["truncated", "a fold dropped"])
def test_incomplete_official_splits_are_a_dataset_error(tmp_path: Path, iris: FixtureTask,
                                                        offline: list[str], damage: str) -> None:
    """A cut or edited datasplits.arff must not give silently wrong evaluation folds."""
    task_dir = cache_dir(tmp_path / "openml") / "tasks" / str(IRIS_TASK)
    arff = task_dir / "datasplits.arff"
    text = arff.read_text()
    if damage == "truncated":
        arff.write_text(text[: len(text) // 3].rsplit("\n", 1)[0] + "\n")
    else:  # every row of the last fold removed: two folds of three remain
        last = max(int(ln.split(",")[3]) for ln in text.splitlines()
                   if ln and not ln.startswith("@") and "," in ln)
        arff.write_text("\n".join(ln for ln in text.splitlines()
                                  if not (ln and not ln.startswith("@") and "," in ln
                                          and int(ln.split(",")[3]) == last)) + "\n")
    for cached in task_dir.glob("*.pkl*"):
        cached.unlink()
    with pytest.raises(DatasetError, match=rf"OpenML task {IRIS_TASK}\b.*datasplits.arff"):
        load_openml_task(IRIS_TASK, tmp_path)


def test_unsupported_task_type_is_a_dataset_error(tmp_path: Path, iris: FixtureTask,
                                                  offline: list[str]) -> None:
    xml = cache_dir(tmp_path / "openml") / "tasks" / str(IRIS_TASK) / "task.xml"
    xml.write_text(f"""<oml:task xmlns:oml="http://openml.org/openml">
<oml:task_id>{IRIS_TASK}</oml:task_id><oml:task_type_id>5</oml:task_type_id>
<oml:task_type>Clustering</oml:task_type>
<oml:input name="source_data"><oml:data_set><oml:data_set_id>{IRIS_DID}</oml:data_set_id>
</oml:data_set></oml:input></oml:task>""", encoding="utf8")
    with pytest.raises(DatasetError, match=rf"OpenML task {IRIS_TASK}\b.*CLUSTERING"):
        load_openml_task(IRIS_TASK, tmp_path)


STUDY_XML = """<oml:study xmlns:oml="http://openml.org/openml">
<oml:id>99</oml:id><oml:alias>OpenML-CC18</oml:alias><oml:main_entity_type>task</oml:main_entity_type>
<oml:name>OpenML-CC18 Curated Classification benchmark</oml:name><oml:description>x</oml:description>
<oml:status>active</oml:status><oml:creation_date>2019-02-21 18:47:13</oml:creation_date>
<oml:creator>1</oml:creator>
<oml:data><oml:data_id>61</oml:data_id><oml:data_id>4800</oml:data_id></oml:data>
<oml:tasks><oml:task_id>59</oml:task_id><oml:task_id>4823</oml:task_id></oml:tasks>
</oml:study>"""


def test_suite_ids_are_saved_then_read_offline(tmp_path: Path, offline: list[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    with monkeypatch.context() as m:  # stand-in for the server, below openml.study.get_suite
        m.setattr(openml._api_calls, "_perform_api_call",
                  lambda call, method, **kw: calls.append(call) or STUDY_XML)
        assert load_openml_suite_ids("OpenML-CC18", tmp_path) == [59, 4823]
    assert calls == ["study/99"]
    folder = tmp_path / "openml" / "suites"
    saved = json.loads((folder / "OpenML-CC18.json").read_text())
    assert saved["task_ids"] == [59, 4823] and saved["study_id"] == 99
    assert (folder / "99.json").is_file()
    # offline now: both the alias and the id are answered from the JSON files
    assert load_openml_suite_ids("OpenML-CC18", tmp_path) == [59, 4823]
    assert load_openml_suite_ids("openml-cc18", tmp_path) == [59, 4823]
    assert load_openml_suite_ids("99", tmp_path) == [59, 4823]
    assert offline == []


def test_uncached_suite_offline_is_a_dataset_error(tmp_path: Path, offline: list[str]) -> None:
    start = time.monotonic()
    with pytest.raises(DatasetError, match=r"OpenML-CTR23.*could not be reached"):
        load_openml_suite_ids("OpenML-CTR23", tmp_path)
    assert time.monotonic() - start < 10


def test_offline_suite_then_tasks_end_to_end(tmp_path: Path, iris: FixtureTask,
                                             diabetes: FixtureTask, offline: list[str]) -> None:
    folder = tmp_path / "openml" / "suites"
    folder.mkdir(parents=True)
    (folder / "mini.json").write_text(json.dumps({"task_ids": [IRIS_TASK, DIAB_TASK]}))
    tasks = [load_openml_task(t, tmp_path) for t in load_openml_suite_ids("mini", tmp_path)]
    assert [t.task_type for t in tasks] == ["classification", "regression"]
    assert offline == []


def test_rows_without_target_are_dropped_and_splits_renumbered(tmp_path: Path,
                                                               offline: list[str]) -> None:
    """OpenML data sets may miss the target on some rows (and the official splits include
    them): those rows are dropped and the split indices renumbered to the remaining rows."""
    frame = _iris_frame()
    folds = _folds(StratifiedKFold(3, shuffle=True, random_state=0), frame, "class")
    gone = [0, 5, 77]
    frame.loc[gone, "class"] = np.nan
    write_task(tmp_path / "openml", IRIS_TASK, IRIS_DID, "iris", frame, "class",
               "classification", folds, data_format="parquet")
    task = load_openml_task(IRIS_TASK, tmp_path)
    keep = np.setdiff1d(np.arange(150), gone)
    assert len(task.X) == len(task.y) == 147 and not pd.isna(task.y).any()
    assert task.source["dropped_rows_missing_target"] == 3
    np.testing.assert_array_equal(task.X["sepallength"], frame["sepallength"].to_numpy()[keep])
    new = {old: i for i, old in enumerate(keep)}
    for (tr, te), (ftr, fte) in zip(task.splits, folds):
        np.testing.assert_array_equal(tr, [new[i] for i in ftr if i in new])
        np.testing.assert_array_equal(te, [new[i] for i in fte if i in new])


def test_one_unloadable_task_does_not_cost_the_suite(tmp_path: Path, iris: FixtureTask,
                                                     offline: list[str]) -> None:
    from sklearn_meta.datasets import load_suite

    folder = tmp_path / "openml" / "suites"
    folder.mkdir(parents=True)
    (folder / "mini.json").write_text(json.dumps({"task_ids": [IRIS_TASK, 987654]}))
    with pytest.warns(UserWarning, match=r"1 of 2 task\(s\) skipped: task 987654"):
        tasks = load_suite("openml:mini", data_home=tmp_path)
    assert [t.name for t in tasks] == ["iris"]
    with pytest.raises(DatasetError, match="no task named 'nope'"), \
            pytest.warns(UserWarning, match="skipped"):
        load_suite("openml:mini", data_home=tmp_path, names=["nope"])
    (folder / "bad.json").write_text(json.dumps({"task_ids": [987654]}))
    with pytest.raises(DatasetError, match="no task could be loaded.*987654"):
        load_suite("openml:bad", data_home=tmp_path)


def test_failed_offline_load_leaves_no_empty_folders(tmp_path: Path, offline: list[str]) -> None:
    with pytest.raises(DatasetError, match="987654"):
        load_openml_task(987654, tmp_path)
    assert not (tmp_path / "openml").exists() or not any(
        p.is_dir() and not any(p.iterdir()) for p in (tmp_path / "openml").rglob("*"))


def test_two_suite_tasks_on_one_data_set_get_distinct_names(tmp_path: Path, iris: FixtureTask,
                                                            offline: list[str]) -> None:
    from sklearn_meta.datasets import load_suite

    frame = iris.frame
    folds = _folds(StratifiedKFold(2, shuffle=True, random_state=1), frame, "class")
    write_task(tmp_path / "openml", 9059, IRIS_DID, "iris", frame, "class", "classification",
               folds, data_format="parquet")  # same data set, other splits
    folder = tmp_path / "openml" / "suites"
    folder.mkdir(parents=True)
    (folder / "two.json").write_text(json.dumps({"task_ids": [IRIS_TASK, 9059]}))
    tasks = load_suite("openml:two", tmp_path)
    assert [t.name for t in tasks] == ["iris", "iris-task9059"]  # results are keyed by name
    assert [len(t.splits) for t in tasks] == [3, 2]

"""The benchmark runner on real uci121 tasks: rows, resume, leave-data-sets-out, dask."""
from __future__ import annotations

import json

import numpy as np
import pytest

from sklearn_meta.benchmark import BenchmarkConfig, ResultsStore, run_benchmark
from sklearn_meta.benchmark.artifacts import artifact_for_task
from sklearn_meta.datasets import load_suite


@pytest.fixture(scope="module")
def tasks(data_home):
    return load_suite("uci121", data_home, names=["iris", "balloons"])


def test_rows_and_resume(tasks, tmp_path):
    store = ResultsStore(tmp_path / "r.csv")
    config = BenchmarkConfig(estimators=["logreg", "knn"], train_sizes=[16, "all"])
    n = run_benchmark(tasks, config, store, progress=False)
    assert n == 2 * 2 * 2 * 4  # tasks × estimators × sizes × folds
    frame = store.read()
    assert (frame["status"] == "ok").all()
    iris_all = frame[(frame.task == "iris") & (frame.train_size.astype(str) == "all")]
    assert iris_all["accuracy"].between(0.85, 1.0).all()
    few = frame[frame.train_size.astype(str) == "16"]
    assert (few.loc[few.task == "iris", "n_train"] == 16).all()
    assert (few.loc[few.task == "balloons", "n_train"] == 12).all()  # all it has
    assert frame["params"].str.contains("C|n_neighbors").all()  # tuned on validation split
    assert frame["git_commit"].notna().all() and frame["sklearn_version"].notna().all()
    # a finished run does nothing more
    assert run_benchmark(tasks, config, store, progress=False) == 0
    # an interrupted run (last rows lost) redoes exactly the missing folds
    frame.iloc[:-3].to_csv(store.path, index=False)
    assert run_benchmark(tasks, config, store, progress=False) == 3
    assert len(store.read()) == n


def test_meta_learned_needs_a_leave_out_artifact(tasks, tmp_path):
    art = tmp_path / "art"
    art.mkdir()
    (art / "manifest.json").write_text(json.dumps({"train_tasks": ["uci121:iris", "wine"]}))
    assert artifact_for_task("iris", [art]) is None
    assert artifact_for_task("balloons", [art]) == str(art)
    store = ResultsStore(tmp_path / "r.csv")
    iris = [t for t in tasks if t.name == "iris"]
    run_benchmark(iris, BenchmarkConfig(estimators=["metamlp"], artifacts=[str(art)]),
                  store, progress=False)
    frame = store.read()
    assert (frame["status"] == "skipped").all()
    assert frame["error"].str.contains("leave-data-sets-out").all()


def test_meta_learned_uses_the_packaged_artifact_by_default(data_home, tmp_path):
    from sklearn_meta.artifacts import load_artifact, pretrained_path

    trained = load_artifact(pretrained_path()).manifest["training_tasks"]
    pair = load_suite("uci121", data_home, names=["iris", trained[0]])
    store = ResultsStore(tmp_path / "r.csv")
    run_benchmark(pair, BenchmarkConfig(estimators=["metamlp"], folds=[0], train_sizes=[16],
                                        tune=False), store, progress=False)
    frame = store.read().set_index("task")
    assert frame.loc["iris", "status"] == "ok"  # held out of the packaged artifact
    assert frame.loc["iris", "artifact"] == str(pretrained_path())
    assert frame.loc[trained[0], "status"] == "skipped"  # it was trained on that one


def test_dask_backend_on_local_cluster(tasks, tmp_path):
    distributed = pytest.importorskip("distributed")
    store = ResultsStore(tmp_path / "r.csv")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1,
                            dashboard_address=None):
        n = run_benchmark(tasks[1:], BenchmarkConfig(estimators=["logreg"], folds=[0, 1]),
                          store, n_jobs=1, backend="dask", progress=False)
    assert n == 2
    assert set(store.read()["fold"]) == {0, 1}


def test_unknown_estimator_is_a_clear_error(tasks, tmp_path):
    with pytest.raises(ValueError, match="unknown estimator 'nope'"):
        run_benchmark(tasks, BenchmarkConfig(estimators=["nope"]), ResultsStore(tmp_path / "x"),
                      progress=False)


def test_leave_out_covers_twins_and_siblings(tmp_path):
    art = tmp_path / "art"
    art.mkdir()
    (art / "manifest.json").write_text(json.dumps(
        {"training_tasks": ["optical", "cardiotocography-3clases", "abalone"]}))
    assert artifact_for_task("digits", [art], suite="sklearn") is None  # same data as optical
    assert artifact_for_task("cardiotocography-10clases", [art]) is None  # same inputs
    assert artifact_for_task("iris", [art], suite="sklearn") == str(art)
    assert artifact_for_task("abalone", [art]) is None


@pytest.mark.parametrize("config, match", [
    (BenchmarkConfig(estimators=["logreg"], folds=[0, 4]),
     r"folds: fold\(s\) \[4\] out of range: none of the 2 tasks has more than 4 evaluation"),
    (BenchmarkConfig(estimators=["logreg"], folds=[-1]), r"folds: folds are numbered from 0"),
    (BenchmarkConfig(estimators=["logreg"], train_sizes=[0, "all"]),
     r"train_sizes: expected positive integers or 'all', got \[0\]"),
])
def test_bad_folds_and_train_sizes_are_clear_errors(tasks, tmp_path, config, match):
    store = ResultsStore(tmp_path / "r.csv")
    with pytest.raises(ValueError, match=match):
        run_benchmark(tasks, config, store, progress=False)
    assert not store.path.exists()


def test_regression_categorical_tables_and_tasks_without_validation_split(tmp_path):
    import dataclasses

    from sklearn.datasets import load_diabetes

    from sklearn_meta.datasets import Task

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X = X.iloc[:200].copy()
    X["sex"] = np.where(X["sex"] > 0, "m", "f")  # a string column
    X.iloc[::9, 0] = np.nan
    y = y.to_numpy()[:200]
    folds = [(np.arange(0, 150), np.arange(150, 200)), (np.arange(50, 200), np.arange(50))]
    task = Task(name="diabetes-mixed", X=X, y=y, task_type="regression",
                categorical=np.array([c == "sex" for c in X.columns]), splits=folds,
                validation_split=(np.arange(100), np.arange(100, 150)), source={"suite": "test"})
    store = ResultsStore(tmp_path / "r.csv")
    config = BenchmarkConfig(estimators=["logreg", "rf", "hgb"], folds=[0, 1])
    assert run_benchmark([task], config, store, progress=False) == 6
    frame = store.read()
    assert (frame["status"] == "ok").all(), frame["error"].tolist()
    ridge = frame[frame.estimator == "logreg"]
    assert ridge["params"].str.contains("model__ridge__alpha").all()  # tuned, Ridge's grid
    no_val = dataclasses.replace(task, name="no-validation", validation_split=None)
    store2 = ResultsStore(tmp_path / "r2.csv")
    run_benchmark([no_val], BenchmarkConfig(estimators=["logreg"], folds=[0]), store2,
                  progress=False)
    assert store2.read()["params"].tolist() == ["{}"]  # the defaults, not grid point 0


def test_a_row_cut_short_by_a_kill_is_redone_not_glued_to(tasks, tmp_path):
    store = ResultsStore(tmp_path / "r.csv")
    config = BenchmarkConfig(estimators=["logreg"], folds=[0, 1])
    run_benchmark(tasks[:1], config, store, progress=False)
    text = store.path.read_bytes()
    store.path.write_bytes(text[:-40])  # killed while writing the last row
    assert run_benchmark(tasks[:1], config, store, progress=False) == 1
    frame = store.read()
    assert len(frame) == 2 and (frame["status"] == "ok").all()


def test_a_file_that_is_no_results_file_is_refused_untouched(tmp_path):
    from sklearn_meta.benchmark.store import ResultsStore

    notes = tmp_path / "notes.md"
    notes.write_text("# notes\nno newline at the end")
    store = ResultsStore(notes)
    for call in (store.read, lambda: store.append([{"suite": "s"}])):
        with pytest.raises(ValueError, match="not a sklearn-meta results file"):
            call()
    assert notes.read_text() == "# notes\nno newline at the end"

"""`openml_suite` on unusual openml caches: partly filled, sparse ARFF, pickled data, boolean
columns, private datasets.  Fixtures in openml's own cache layout (see `openml_fixture`).

No network: every socket connection and DNS lookup is refused (and recorded); tests of the
offline path replace the reachability probe so that they never wait on sockets.
"""
from __future__ import annotations

import os
import pickle
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

openml = pytest.importorskip("openml")

from openml_fixture import (  # noqa: E402
    FixtureTask,
    cache_dir,
    description_xml,
    splits_arff,
    task_xml,
    write_task,
)

from sklearn_meta.datasets import openml_suite  # noqa: E402
from sklearn_meta.datasets._errors import DatasetError  # noqa: E402
from sklearn_meta.datasets.openml_suite import load_openml_task  # noqa: E402

TID, DID = 7010, 8010
N = 30


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The server reachability probe answers "unreachable" at once; records its calls."""
    calls: list[str] = []

    def unreachable(server: str, timeout: float = 3.0) -> str:
        calls.append(server)
        return "test: server unreachable"

    monkeypatch.setattr(openml_suite, "_server_unreachable", unreachable)
    return calls


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"x": np.linspace(0, 1, N),
                         "z": np.arange(N, dtype=float) ** 2,
                         "class": pd.Categorical(["a", "b", "c"] * (N // 3))})


def _folds(n: int = N, k: int = 3) -> list[tuple[np.ndarray, np.ndarray]]:
    parts = np.array_split(np.random.RandomState(0).permutation(n), k)
    return [(np.sort(np.setdiff1d(np.arange(n), te)), np.sort(te)) for te in parts]


@pytest.fixture
def small(tmp_path: Path) -> FixtureTask:
    """Classification task 7010 / dataset 8010, data as parquet."""
    return write_task(tmp_path / "openml", TID, DID, "small", _frame(), "class",
                      "classification", _folds(), data_format="parquet")


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _write(root: Path, tid: int, did: int, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` ({"task.xml": text, "dataset.arff": text, ...}) where openml keeps them
    for task ``tid`` / dataset ``did``; return openml's cache folder."""
    base = cache_dir(root)
    for name, content in files.items():
        folder = base / ("tasks" / Path(str(tid)) if name.startswith(("task.", "datasplits"))
                         else "datasets" / Path(str(did)))
        folder.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(content, encoding="utf8")
    return base


def _features_xml(cols: list[tuple[str, str, list[str] | None, bool]]) -> str:
    """features.xml for (name, data_type, nominal values, is_target) columns."""
    parts = []
    for i, (name, kind, values, target) in enumerate(cols):
        nominal = "".join(f"<oml:nominal_value>{v}</oml:nominal_value>" for v in values or [])
        parts.append(f"<oml:feature><oml:index>{i}</oml:index><oml:name>{name}</oml:name>"
                     f"<oml:data_type>{kind}</oml:data_type>{nominal}"
                     f"<oml:is_target>{str(target).lower()}</oml:is_target>"
                     f"<oml:is_ignore>false</oml:is_ignore>"
                     f"<oml:is_row_identifier>false</oml:is_row_identifier>"
                     f"<oml:number_of_missing_values>0</oml:number_of_missing_values>"
                     f"</oml:feature>")
    return ('<oml:data_features xmlns:oml="http://openml.org/openml">\n'
            + "\n".join(parts) + "\n</oml:data_features>\n")


# ------------------------------------------------------------------ 1. partly filled cache
PARTS = {
    "task.xml": f"tasks/{TID}/task.xml",
    "description.xml": f"datasets/{DID}/description.xml",
    "features.xml": f"datasets/{DID}/features.xml",
    "data file": f"datasets/{DID}/dataset_{DID}.pq",
    "datasplits.arff": f"tasks/{TID}/datasplits.arff",
}


@pytest.mark.parametrize("part", list(PARTS))
def test_partial_cache_offline_names_the_missing_file_and_deletes_nothing(
        tmp_path: Path, small: FixtureTask, offline: list[str], probe: list[str],
        monkeypatch: pytest.MonkeyPatch, part: str) -> None:
    """openml would retry each missing file five times, name task.xml whatever was missing,
    and delete good cached files in its clean-up; the loader must not call it at all."""
    base = cache_dir(tmp_path / "openml")
    (base / PARTS[part]).unlink()
    before = _files(base)

    def not_called(*args, **kwargs):
        raise AssertionError("openml.tasks.get_task called")

    monkeypatch.setattr(openml.tasks, "get_task", not_called)
    start = time.monotonic()
    with pytest.raises(DatasetError) as info:
        load_openml_task(TID, tmp_path)
    assert time.monotonic() - start < 2
    message = str(info.value)
    assert f"OpenML task {TID}" in message and "could not be reached" in message
    assert "test: server unreachable" in message
    assert str(base / PARTS[part]) in message
    others = [p for name, p in PARTS.items() if name != part]
    assert not any(str(base / p) in message for p in others)  # only what is missing
    assert _files(base) == before  # nothing deleted
    assert probe and offline == []


def test_splits_pickle_alone_is_enough_offline(tmp_path: Path, small: FixtureTask,
                                               offline: list[str], probe: list[str]) -> None:
    """openml reads datasplits.pkl.py3 before datasplits.arff: no server needed without it."""
    load_openml_task(TID, tmp_path)  # writes the pickle
    base = cache_dir(tmp_path / "openml")
    assert (base / "tasks" / str(TID) / "datasplits.pkl.py3").is_file()
    (base / "tasks" / str(TID) / "datasplits.arff").unlink()
    task = load_openml_task(TID, tmp_path)
    assert len(task.splits) == 3
    assert probe == [] and offline == []  # complete cache: not even probed


def test_missing_file_is_downloaded_when_the_server_is_reachable(
        tmp_path: Path, small: FixtureTask, offline: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    base = cache_dir(tmp_path / "openml")
    xml = (base / PARTS["description.xml"]).read_text()
    (base / PARTS["description.xml"]).unlink()
    calls: list[str] = []
    monkeypatch.setattr(openml_suite, "_server_unreachable", lambda *a, **k: None)
    monkeypatch.setattr(openml._api_calls, "_perform_api_call",
                        lambda call, method, **kw: calls.append(call) or xml)
    task = load_openml_task(TID, tmp_path)
    assert task.name == "small" and calls == [f"data/{DID}"]


def test_unreadable_metadata_failure_names_the_files_read(tmp_path: Path, small: FixtureTask,
                                                          offline: list[str]) -> None:
    """A get_task failure is not only about task.xml: it also reads description.xml and
    features.xml, and the message says so."""
    base = cache_dir(tmp_path / "openml")
    (base / PARTS["description.xml"]).write_text("<oml:data_set_description", encoding="utf8")
    with pytest.raises(DatasetError, match=rf"OpenML task {TID}\b.*"
                                           rf"datasets/{DID}/description\.xml"):
        load_openml_task(TID, tmp_path)


# ------------------------------------------------------------------------ 2. sparse ARFF
def _sparse_cache(root: Path) -> Path:
    rows = []
    for i in range(N):
        entries = [f"{j} {((i + j) % 5) / 4:.2f}" for j in range(4) if (i + j) % 3 == 0]
        rows.append("{" + ",".join(entries + [f"4 {i % 2}"]) + "}")
    arff = ("@relation sp\n" + "".join(f"@attribute a{j} NUMERIC\n" for j in range(4))
            + "@attribute class {0,1}\n@data\n" + "\n".join(rows) + "\n")
    cols = [(f"a{j}", "numeric", None, False) for j in range(4)] + [
        ("class", "nominal", ["0", "1"], True)]
    desc = description_xml(DID, "sp", "class", parquet_url=False).replace(
        "<oml:format>ARFF</oml:format>", "<oml:format>Sparse_ARFF</oml:format>")
    return _write(root, TID, DID, {
        "task.xml": task_xml(TID, DID, "class", "classification", 3),
        "datasplits.arff": splits_arff(TID, _folds()), "description.xml": desc,
        "features.xml": _features_xml(cols), "dataset.arff": arff})


def test_sparse_arff_is_reported_as_unsupported_not_corrupt(tmp_path: Path,
                                                            offline: list[str]) -> None:
    _sparse_cache(tmp_path / "openml")
    if int(pd.__version__.split(".")[0]) < 3:  # openml parses sparse ARFF: dense result
        task = load_openml_task(TID, tmp_path)
        assert not any(isinstance(t, pd.SparseDtype) for t in task.X.dtypes)
        return
    with pytest.raises(DatasetError, match=r"sparse ARFF.*not supported") as info:
        load_openml_task(TID, tmp_path)
    assert "corrupt" not in str(info.value)


def test_sparse_data_from_openml_is_made_dense(tmp_path: Path, offline: list[str]) -> None:
    """A cache warmed by openml with pandas < 3 holds the parsed sparse matrix as a pickle;
    openml returns it as pandas sparse columns, which must come out dense."""
    import scipy.sparse

    base = _sparse_cache(tmp_path / "openml")
    rng = np.random.RandomState(0)
    dense = np.where(rng.rand(N, 5) > 0.6, rng.rand(N, 5), 0.0).astype(np.float32)
    dense[:, 4] = np.arange(N) % 2
    pkl = base / "datasets" / str(DID) / "dataset.pkl.py3"
    with pkl.open("wb") as fh:
        pickle.dump((scipy.sparse.csr_matrix(dense), [False] * 4 + [True],
                     ["a0", "a1", "a2", "a3", "class"]), fh, pickle.HIGHEST_PROTOCOL)
    task = load_openml_task(TID, tmp_path)
    assert all(t == np.float32 for t in task.X.dtypes)
    np.testing.assert_array_equal(task.X.to_numpy(), dense[:, :4])
    np.testing.assert_array_equal(task.y, np.arange(N) % 2)
    assert not task.categorical.any()


# ---------------------------------------------------------------------- 3. data pickles
def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from openml.datasets.dataset import OpenMLDataset

    parses: list[str] = []
    original = OpenMLDataset._parse_data_from_file

    def spy(self, data_file):
        parses.append(Path(data_file).name)
        return original(self, data_file)

    monkeypatch.setattr(OpenMLDataset, "_parse_data_from_file", spy)
    return parses


@pytest.mark.parametrize("data_format, source", [("parquet", f"dataset_{DID}.pq"),
                                                 ("arff", "dataset.arff")])
def test_second_load_reads_openml_pickle_not_the_raw_file(
        tmp_path: Path, offline: list[str], monkeypatch: pytest.MonkeyPatch,
        data_format: str, source: str) -> None:
    fixture = write_task(tmp_path / "openml", TID, DID, "small", _frame(), "class",
                         "classification", _folds(), data_format=data_format)
    parses = _count_parses(monkeypatch)
    first = load_openml_task(TID, tmp_path)
    second = load_openml_task(TID, tmp_path)
    assert parses == [source]  # the second load used the pickle
    pd.testing.assert_frame_equal(first.X, second.X)
    np.testing.assert_array_equal(first.y, second.y)
    np.testing.assert_array_equal(second.X["z"], fixture.frame["z"])


@pytest.mark.parametrize("damage", ["stale", "garbage", "truncated", "wrong object"])
def test_a_stale_or_broken_pickle_falls_back_to_the_data_file(
        tmp_path: Path, small: FixtureTask, offline: list[str],
        monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    load_openml_task(TID, tmp_path)
    ddir = cache_dir(tmp_path / "openml") / "datasets" / str(DID)
    pq, pkl = ddir / f"dataset_{DID}.pq", ddir / f"dataset_{DID}.pkl.py3"
    assert pkl.is_file()
    if damage == "stale":  # the data file was replaced after the pickle was written
        changed = small.frame.assign(z=-small.frame["z"])
        changed.to_parquet(pq, index=False)
        t = pq.stat().st_mtime - 10  # the pickle is older than the data file
        os.utime(pkl, (t, t))
        expected = changed["z"].to_numpy()
    else:
        content = pkl.read_bytes()
        pkl.write_bytes({"garbage": b"not a pickle at all",
                         "truncated": content[: len(content) // 2],
                         "wrong object": pickle.dumps("not a tuple")}[damage])
        expected = small.frame["z"].to_numpy()
    parses = _count_parses(monkeypatch)
    task = load_openml_task(TID, tmp_path)
    np.testing.assert_array_equal(task.X["z"], expected)
    assert parses == [pq.name]
    if damage != "truncated":  # openml's own fallback (EOFError) leaves the file alone
        again = load_openml_task(TID, tmp_path)  # the rewritten pickle serves this one
        np.testing.assert_array_equal(again.X["z"], expected)
        assert parses == [pq.name]


# -------------------------------------------------------------------- 4. boolean columns
def test_boolean_column_is_categorical_whatever_the_cache_format(
        tmp_path: Path, offline: list[str]) -> None:
    """openml.org's parquet files hold {TRUE,FALSE} nominal columns as bool, its ARFF files
    as nominal: the categorical mask must be the same from both."""
    frame = pd.DataFrame({"x": np.linspace(0, 1, N), "b": np.arange(N) % 3 == 0,
                          "class": np.arange(N) % 2 == 0})
    cols = [("x", "numeric", None, False), ("b", "nominal", ["TRUE", "FALSE"], False),
            ("class", "nominal", ["TRUE", "FALSE"], True)]
    rows = [f"{x},{str(b).upper()},{str(c).upper()}" for x, b, c in frame.itertuples(index=False)]
    arff = ("@relation b\n@attribute x REAL\n@attribute b {TRUE,FALSE}\n"
            "@attribute class {TRUE,FALSE}\n@data\n" + "\n".join(rows) + "\n")
    masks = {}
    for tid, did, fmt in ((TID, DID, "parquet"), (TID + 1, DID + 1, "arff")):
        files: dict[str, str | bytes] = {
            "task.xml": task_xml(tid, did, "class", "classification", 3),
            "datasplits.arff": splits_arff(tid, _folds()),
            "description.xml": description_xml(did, f"b{fmt}", "class", fmt == "parquet"),
            "features.xml": _features_xml(cols)}
        if fmt == "arff":
            files["dataset.arff"] = arff
        base = _write(tmp_path / "openml", tid, did, files)
        if fmt == "parquet":
            frame.to_parquet(base / "datasets" / str(did) / f"dataset_{did}.pq", index=False)
        task = load_openml_task(tid, tmp_path)
        masks[fmt] = list(task.categorical)
        np.testing.assert_array_equal(task.y.astype(bool), frame["class"].to_numpy())
    assert masks["parquet"] == masks["arff"] == [False, True]


# ------------------------------------------------------- 5. private dataset, deprecations
def test_private_dataset_is_reported_as_such(tmp_path: Path, offline: list[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from openml.exceptions import OpenMLServerException

    _write(tmp_path / "openml", TID, DID,
           {"task.xml": task_xml(TID, DID, "class", "classification", 3)})

    def server(call, method, **kwargs):
        raise OpenMLServerException(message="No access granted", code=112, url=call)

    monkeypatch.setattr(openml_suite, "_server_unreachable", lambda *a, **k: None)
    monkeypatch.setattr(openml._api_calls, "_perform_api_call", server)
    with pytest.raises(DatasetError, match=rf"OpenML task {TID}\b.*private or not "
                                           rf"accessible") as info:
        load_openml_task(TID, tmp_path)
    assert "corrupt" not in str(info.value)


def test_no_pending_deprecation_warning_from_estimation_parameters(
        tmp_path: Path, small: FixtureTask, offline: list[str]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_openml_task(TID, tmp_path)
    assert not [w for w in caught if issubclass(w.category, PendingDeprecationWarning)
                and "estimation_parameters" in str(w.message)]


# --------------------------------------------------- string target, only ARFF cached
def test_string_target_with_only_arff_cached_needs_no_network(
        tmp_path: Path, offline: list[str]) -> None:
    """get_task itself loads the data for a string target; with a parquet url advertised and
    only dataset.arff cached, openml would first try (seconds of) parquet downloads."""
    rows = [f"{i / 10},'lab {i % 3}'" for i in range(N)]
    arff = ("@relation st\n@attribute x REAL\n@attribute label STRING\n@data\n"
            + "\n".join(rows) + "\n")
    _write(tmp_path / "openml", TID, DID, {
        "task.xml": task_xml(TID, DID, "label", "classification", 3),
        "datasplits.arff": splits_arff(TID, _folds()),
        "description.xml": description_xml(DID, "st", "label", parquet_url=True),
        "features.xml": _features_xml([("x", "numeric", None, False),
                                       ("label", "string", None, True)]),
        "dataset.arff": arff})
    start = time.monotonic()
    task = load_openml_task(TID, tmp_path)
    assert time.monotonic() - start < 2
    assert task.n_classes == 3 and offline == []
    assert "OPENML_SKIP_PARQUET" not in os.environ

"""Building, resuming, exporting and shipping the knowledge base."""
import json
import time

import pytest

from sklearn_meta.cli.build_kb import read_heldout
from sklearn_meta.datasets import load_suite
from sklearn_meta.search import build as kb_build
from sklearn_meta.search.knowledge_base import DEFAULT_KB, KnowledgeBase

SMALL = ["acute-inflammation", "balloons"]


@pytest.fixture(scope="module")
def small_tasks(data_home):
    return load_suite("uci121", data_home=data_home, names=SMALL, subsample=120)


def test_dask_build_resumes_and_exports(small_tasks, tmp_path):
    distributed = pytest.importorskip("distributed")
    pool = kb_build.candidate_pool(["knn", "logistic_regression"],
                                   sizes={"knn": 3, "logistic_regression": 2})
    storage = str(tmp_path / "kb.log")
    start = time.time()
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        ran = kb_build.build(small_tasks, pool, storage, n_jobs=1, backend="dask",
                             scheduler=client)
    assert time.time() - start < 30
    assert all(sum(r.values()) == 5 for r in ran.values())
    # an interrupted build resumes: nothing left to run
    again = kb_build.build(small_tasks, pool, storage)
    assert all(sum(r.values()) == 0 for r in again.values())
    kb = kb_build.export(storage, small_tasks, pool, tmp_path / "t.kb.json.gz")
    assert kb.task_names == sorted(SMALL)
    assert all(s is not None for s in kb.scores["logistic_regression"]["balloons"])
    manifest = json.loads((tmp_path / "t.manifest.json").read_text())
    assert manifest["training_tasks"] == sorted(SMALL)
    # the file says how its scores were made
    assert manifest["scoring_version"] == kb.info["scoring_version"] == kb_build.SCORING_VERSION
    assert kb.info["fixed_arguments"]["logistic_regression"] == {"max_iter": 1000}
    reloaded = KnowledgeBase.load(tmp_path / "t.kb.json.gz")
    assert reloaded.to_dict()["scores"] == kb.to_dict()["scores"]  # 5-digit rounding
    with pytest.raises(ValueError, match="held-out"):
        kb_build.export(storage, small_tasks, pool, tmp_path / "x.kb.json.gz",
                        heldout=["balloons"])


def test_tiny_export_keeps_default_composition_and_valid_json(small_tasks, tmp_path):
    """Too few tasks for a leave-one-task-out choice: the default share, no NaN stored."""
    pool = kb_build.candidate_pool(["knn"], sizes={"knn": 2})
    storage = str(tmp_path / "kb.log")
    kb_build.build(small_tasks, pool, storage, n_jobs=1)
    kb = kb_build.export(storage, small_tasks, pool, tmp_path / "t.kb.json.gz")
    assert kb.info["auto_portfolio_share"] == pytest.approx(1 / 3)
    assert "fewer than" in kb.info["auto_composition"]["chosen_by"]
    reloaded = KnowledgeBase.load(tmp_path / "t.kb.json.gz")
    assert reloaded.info["auto_composition"] == kb.info["auto_composition"]


def test_sqlite_refused_for_parallel_build(small_tasks, tmp_path):
    with pytest.raises(ValueError, match="SQLite"):
        kb_build.build(small_tasks, {"knn": [{}]}, f"sqlite:///{tmp_path}/x.db", n_jobs=2)


def test_shipped_kb_is_small_versioned_and_never_held_out():
    assert DEFAULT_KB.exists() and DEFAULT_KB.stat().st_size < 2_000_000
    manifest = json.loads((DEFAULT_KB.parent / "uci121.manifest.json").read_text())
    heldout = set(read_heldout(None, "uci121"))
    assert {"iris", "wine", "breast-cancer-wisc-diag", "optical", "pendigits"} <= heldout
    kb = KnowledgeBase.load()
    assert kb.task_names == manifest["training_tasks"]
    assert not heldout & set(kb.task_names)
    families = set(kb.pool)
    assert {"hgb", "random_forest", "extra_trees", "logistic_regression", "svc",
            "knn"} <= families
    # every pool candidate carries a raw CV score per evaluated task
    for fam in families:
        for scores in kb.scores[fam].values():
            assert len(scores) == len(kb.pool[fam])


@pytest.mark.parametrize("task_type", ["classification", "regression"])
def test_shipped_kb_was_made_with_the_shipped_artifact(task_type):
    """The shipped knowledge bases' MetaMLP scores come from the shipped meta-learned
    initialization and the classification one's embeddings from its task encoder: replacing
    the artifact without rebuilding them would leave the embedding strategy silently unused
    and the MetaMLP candidates scored as another network."""
    from sklearn_meta.artifacts import load_artifact, pretrained_path
    from sklearn_meta.search import load_default_kb
    from sklearn_meta.search.suggest import default_embedder

    kb = load_default_kb(task_type)
    packaged = load_artifact(pretrained_path()).manifest["weights_sha256"]
    assert kb.info[kb_build.ARTIFACT_KEY] == packaged
    if task_type == "classification":
        assert kb.embedding_name == default_embedder().name
        assert kb.embedding_matrix() is not None


def test_user_study_can_be_added(tmp_path):
    optuna = pytest.importorskip("optuna")
    from sklearn.datasets import load_iris
    from sklearn.svm import SVC

    X, y = load_iris(return_X_y=True)
    kb = KnowledgeBase.load()
    n_before = len(kb.records("svc"))
    study = optuna.create_study(direction="maximize")
    study.enqueue_trial({"svc__C": 3.0})
    study.optimize(lambda t: t.suggest_float("svc__C", 0.1, 10) / 10, n_trials=2)
    assert kb.add_study(study, X, y, SVC(), "my-iris") == 2
    assert len(kb.records("svc")) == n_before + 2
    kb.save(tmp_path / "mine.kb.json.gz")
    loaded = KnowledgeBase.load(tmp_path / "mine.kb.json.gz")
    assert "my-iris" in loaded.tasks
    # more trials on the same data extend the task; other data under its name is refused
    # (its description would stay that of the first data), also after saving and loading
    more = optuna.create_study(direction="maximize")
    more.enqueue_trial({"svc__C": 7.0})
    more.optimize(lambda t: t.suggest_float("svc__C", 0.1, 10) / 10, n_trials=1)
    assert loaded.add_study(more, X, y, SVC(), "my-iris") == 1
    with pytest.raises(ValueError, match=r"task_name: 'my-iris' was added with other data "
                                         r"\(150 rows x 4 columns, now 100 x 4\)"):
        loaded.add_study(more, X[:100], y[:100], SVC(), "my-iris")
    text = repr(loaded)
    assert len(text) < 400 and "1 added by add_study" in text and "3 added configurations" in text
    # a regressor's study does not go silently into the classifiers' knowledge base
    from sklearn.svm import SVR
    with pytest.raises(ValueError, match=r"study: a regression study, but this knowledge "
                                         r"base holds classification tasks.*DEFAULT_KBS"):
        kb.add_study(study, X, y.astype(float) * 1.5, SVR(), "my-reg")


def test_pool_of_a_family_does_not_depend_on_the_other_families():
    both = kb_build.candidate_pool(["knn", "logistic_regression"])
    assert kb_build.candidate_pool(["logistic_regression", "knn"]) == both
    assert kb_build.candidate_pool(["knn"])["knn"] == both["knn"]


def test_resume_refuses_other_settings_or_another_pool(small_tasks, data_home, tmp_path):
    """A storage's scores belong to its pool and settings: resuming with other CV folds or
    rows, or with a pool whose entries differ, is refused instead of mis-filing scores."""
    pool = kb_build.candidate_pool(["knn"], sizes={"knn": 3})
    storage = str(tmp_path / "kb.log")
    kb_build.build(small_tasks[:1], pool, storage)
    with pytest.raises(ValueError, match="other settings.*n_splits"):
        kb_build.build(small_tasks[:1], pool, storage, n_splits=2)
    fewer = load_suite("uci121", data_home=data_home, names=SMALL[:1], subsample=60)
    with pytest.raises(ValueError, match="data_sha256"):
        kb_build.build(fewer, pool, storage)
    other = {"knn": [{}] + [{"n_neighbors": 3}, {"n_neighbors": 4}]}
    with pytest.raises(ValueError, match="another pool"):
        kb_build.build(small_tasks[:1], other, storage)
    # the same settings resume: nothing left to run
    assert sum(kb_build.build(small_tasks[:1], pool, storage)[SMALL[0]].values()) == 0
    # scores from a sklearn-meta that built its estimators otherwise are not resumed
    monkey = pytest.MonkeyPatch()
    monkey.setattr(kb_build, "SCORING_VERSION", kb_build.SCORING_VERSION + 1)
    try:
        with pytest.raises(ValueError, match="scoring_version"):
            kb_build.build(small_tasks[:1], pool, storage)
    finally:
        monkey.undo()


def test_metamlp_scores_record_the_initialization_they_were_made_with(
        small_tasks, tmp_path, monkeypatch):
    """MetaMLP scores depend on the packaged meta-learned initialization: the storage
    records it per study, a resume with another one is refused, a storage mixing two is not
    exported, and the exported file names the one that scored it (not the one packaged at
    export time)."""
    from sklearn_meta.artifacts import load_artifact, pretrained_path

    packaged = load_artifact(pretrained_path()).manifest["weights_sha256"]
    assert kb_build.family_settings("metamlp") == {kb_build.ARTIFACT_KEY: packaged}
    assert kb_build.family_settings("knn") == {}
    pool = kb_build.candidate_pool(["metamlp", "knn"], sizes={"metamlp": 1, "knn": 1})
    first, second = small_tasks[:1], small_tasks[1:]
    storage = str(tmp_path / "kb.log")
    kb_build.build(first, pool, storage)
    kb = kb_build.export(storage, first, pool, tmp_path / "a.kb.json.gz")
    assert kb.info[kb_build.ARTIFACT_KEY] == packaged
    manifest = json.loads((tmp_path / "a.manifest.json").read_text())
    assert manifest[kb_build.ARTIFACT_KEY] == packaged

    real = kb_build.family_settings
    other = {kb_build.ARTIFACT_KEY: "f" * 64}
    monkeypatch.setattr(kb_build, "family_settings",
                        lambda fam: other if fam == "metamlp" else real(fam))
    with pytest.raises(ValueError, match=kb_build.ARTIFACT_KEY):
        kb_build.build(first, pool, storage)  # resumed with another initialization
    kb_build.build(second, pool, storage)  # a new task, scored with the other one
    with pytest.raises(ValueError, match="different meta-learned initializations"):
        kb_build.export(storage, small_tasks, pool, tmp_path / "b.kb.json.gz")
    kb = kb_build.export(storage, second, pool, tmp_path / "c.kb.json.gz")
    assert kb.info[kb_build.ARTIFACT_KEY] == "f" * 64  # what scored it, not what is packaged

    # a storage filled before the initialization was recorded is not resumed silently
    monkeypatch.setattr(kb_build, "family_settings", lambda fam: {})
    old = str(tmp_path / "old.log")
    kb_build.build(first, pool, old)
    monkeypatch.setattr(kb_build, "family_settings", real)
    with pytest.raises(ValueError, match="do not record"):
        kb_build.build(first, pool, old)
    assert kb_build.scoring_artifact(old, [t.name for t in first]) == "unrecorded"
    # other families resume unaffected
    knn_only = {"knn": pool["knn"]}
    assert sum(kb_build.build(first, knn_only, old)[first[0].name].values()) == 0


def test_categorical_table_is_scored_behind_preprocessing():
    """OpenML tasks keep nominal and string columns: every family is scored on them."""
    import numpy as np
    import pandas as pd

    from sklearn_meta.search.evaluate import evaluate_config

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"num": rng.normal(size=90), "colour": rng.choice(["r", "g", "b"], 90),
                      "kind": pd.Categorical(rng.choice(["x", "y"], 90))})
    X.loc[3, "num"] = np.nan
    y = (X["colour"] == "r").to_numpy().astype(int)
    for family in ("knn", "hgb", "logistic_regression"):
        score, _ = evaluate_config(family, {}, X, y)
        assert score > 0.9, family


def test_read_heldout_requires_a_named_file_and_strips_comments(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        read_heldout(tmp_path / "nope.txt", "uci121")
    f = tmp_path / "h.txt"
    f.write_text("# held out\nbank  # a note\n  iris\n\n")
    assert read_heldout(f, "uci121") == ["bank", "iris"]
    assert read_heldout(None, "no-such-suite") == []


def test_a_knowledge_base_changed_after_export_is_refused(tmp_path):
    import gzip
    import json
    import shutil

    from sklearn_meta.search.knowledge_base import DEFAULT_KBS, KnowledgeBase

    src = DEFAULT_KBS["classification"]
    kb_file = tmp_path / src.name
    shutil.copy(src, kb_file)
    shutil.copy(src.parent / "uci121.manifest.json", tmp_path / "uci121.manifest.json")
    assert len(KnowledgeBase.load(kb_file).tasks) == 78  # as exported: checked and loaded
    text = gzip.decompress(kb_file.read_bytes()).decode().replace('"abalone"', '"abalonX"')
    kb_file.write_bytes(gzip.compress(text.encode()))
    with pytest.raises(ValueError, match="differs from the one recorded in uci121.manifest"):
        KnowledgeBase.load(kb_file)
    # saved through the API, the manifest's digest follows; equal content gives equal bytes
    (tmp_path / "uci121.manifest.json").write_text(json.dumps(
        {**json.loads((src.parent / "uci121.manifest.json").read_text())}))
    kb = KnowledgeBase.load(src)
    kb.save(kb_file)
    first = kb_file.read_bytes()
    assert len(KnowledgeBase.load(kb_file).tasks) == 78
    kb.save(kb_file)
    assert kb_file.read_bytes() == first


def test_scale_free_codes_levels_and_standardises_every_column():
    import numpy as np
    import pandas as pd

    from sklearn_meta.search.knowledge_base import scale_free

    df = pd.DataFrame({"x": [1.0, 2.0, np.nan, 4.0], "n": pd.array([1, 2, 3, None], "Int64"),
                       "c": pd.Categorical(["b", "a", None, "b"]), "s": ["y", "x", "y", "y"],
                       "b": [True, False, True, True], "k": [5.0] * 4,
                       "big": [1e308, -1e308, 0.0, 1e308]})
    out = scale_free(df)
    assert list(out.columns) == list(df.columns) and (out.index == df.index).all()
    for col in ("x", "n", "c", "s", "b", "big"):
        v = out[col].to_numpy(dtype=float)
        assert np.nanmean(v) == pytest.approx(0, abs=1e-12)
        assert np.nanstd(v) == pytest.approx(1)
    # missing stays missing; levels coded in sorted order (as uci121 codes its categories)
    assert np.isnan(out["x"][2]) and np.isnan(out["n"][3]) and np.isnan(out["c"][2])
    assert out["c"][0] > out["c"][1] and out["s"][0] > out["s"][1]
    assert (out["k"] == 0).all()  # constant: 0
    arr = np.random.default_rng(0).normal(size=(50, 3)) * [1e-3, 1, 1e6]
    np.testing.assert_allclose(scale_free(arr).std(axis=0), 1)
    mixed = scale_free(np.array([["a", 1.5], ["b", 2.5], ["a", 0.5]], dtype=object))
    np.testing.assert_allclose(np.asarray(mixed, dtype=float).std(axis=0), 1)

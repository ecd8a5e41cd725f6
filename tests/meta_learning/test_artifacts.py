"""Artifacts: round trip, sha256 check, the packaged artifact and its held-out list."""
import json

import numpy as np
import pytest
import torch

from sklearn_meta.artifacts import ArtifactError, load_artifact, pretrained_path, save_artifact
from sklearn_meta.meta_learning.corpus import (SKLEARN_OVERLAP, default_heldout,
                                               packaged_heldout_path, read_name_list)
from sklearn_meta.artifacts.io import FORMAT_VERSION
from sklearn_meta.nn import SchemaNet, TaskEncoder
from sklearn_meta.nn.task_encoder import META_NAMES


def _save(tmp_path):
    torch.manual_seed(0)
    net, enc = SchemaNet(), TaskEncoder()
    save_artifact(tmp_path, net, enc, {"algorithm": "reptile", "training_tasks": ["a"],
                                       "heldout_tasks": ["b"], "metrics": {}})
    return net


def test_round_trip(tmp_path):
    net = _save(tmp_path)
    art = load_artifact(tmp_path)
    for k, v in net.state_dict().items():
        assert torch.equal(v, art.net.state_dict()[k])
    m = art.manifest
    assert m["format_version"] == FORMAT_VERSION and len(m["weights_sha256"]) == 64
    assert m["training_tasks"] == ["a"] and art.encoder is not None
    assert m["encoder"]["meta_features"] == list(META_NAMES)


def test_encoder_reading_other_meta_features_is_a_clear_error(tmp_path, monkeypatch):
    import sklearn_meta.artifacts.io as io

    # an artifact written by a version whose encoder read one meta-feature fewer
    monkeypatch.setattr(io, "META_NAMES", tuple(META_NAMES)[:-1])
    _save(tmp_path)
    monkeypatch.setattr(io, "META_NAMES", META_NAMES)
    with pytest.raises(ArtifactError, match="meta-features"):
        load_artifact(tmp_path)


def test_edited_manifest_is_a_clear_error(tmp_path):
    _save(tmp_path)
    m = json.loads((tmp_path / "manifest.json").read_text())
    m["training_tasks"] = ["a", "b"]  # e.g. a held-out task added by hand
    (tmp_path / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ArtifactError, match="edited"):
        load_artifact(tmp_path)


@pytest.mark.parametrize("edit", [
    lambda m: m.pop("net_config"),
    lambda m: m["net_config"].update(hidden=32),
    lambda m: m["net_config"].update(unknown_option=1),
])
def test_malformed_manifest_of_an_old_artifact_is_a_clear_error(tmp_path, monkeypatch, edit):
    """Artifacts written before the manifest digest existed: a manifest that does not fit the
    weights is an ArtifactError, not a KeyError/TypeError/RuntimeError from inside torch."""
    import sklearn_meta.artifacts.io as io

    monkeypatch.setattr(io, "save_file", lambda t, path, metadata=None:
                        __import__("safetensors.torch").torch.save_file(t, path))
    _save(tmp_path)
    m = json.loads((tmp_path / "manifest.json").read_text())
    edit(m)
    (tmp_path / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ArtifactError, match="loadable network"):
        load_artifact(tmp_path)


def test_manifest_that_is_not_an_object_is_a_clear_error(tmp_path):
    _save(tmp_path)
    (tmp_path / "manifest.json").write_text("[1, 2]")
    with pytest.raises(ArtifactError, match="JSON object"):
        load_artifact(tmp_path)


def test_artifact_changed_on_disk_is_checked_again(tmp_path):
    """The estimators cache loaded artifacts; a file changed after the first load is
    re-read (and its sha256 re-checked), not served from the cache."""
    from sklearn_meta import MetaMLPClassifier

    _save(tmp_path)
    X, y = np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 2
    MetaMLPClassifier(init=tmp_path, max_iter=2).fit(X, y)
    raw = bytearray((tmp_path / "weights.safetensors").read_bytes())
    raw[-1] ^= 0xFF
    (tmp_path / "weights.safetensors").write_bytes(bytes(raw))
    with pytest.raises(ArtifactError, match="sha256 mismatch"):
        MetaMLPClassifier(init=tmp_path, max_iter=2).fit(X, y)


def test_sha256_mismatch_is_a_clear_error(tmp_path):
    _save(tmp_path)
    raw = bytearray((tmp_path / "weights.safetensors").read_bytes())
    raw[-1] ^= 0xFF
    (tmp_path / "weights.safetensors").write_bytes(bytes(raw))
    with pytest.raises(ArtifactError, match="sha256 mismatch"):
        load_artifact(tmp_path)


def test_missing_artifact_is_named(tmp_path):
    with pytest.raises(ArtifactError, match="manifest.json"):
        load_artifact(tmp_path / "nope")


def test_packaged_heldout_list_is_deterministic_and_covers_sklearn_overlap(uci_home):
    from sklearn_meta.datasets.uci121 import list_headers
    names = [h.name for h in list_headers(uci_home)]
    packaged = read_name_list(packaged_heldout_path())
    assert packaged == default_heldout(names)
    assert set(SKLEARN_OVERLAP) <= set(packaged)
    assert 0.2 <= len(packaged) / len(names) <= 0.33


@pytest.mark.skipif(not (pretrained_path() / "manifest.json").is_file(),
                    reason="pretrained artifact not built yet")
def test_packaged_artifact_loads_and_never_trained_on_heldout():
    art = load_artifact(pretrained_path())
    m = art.manifest
    assert set(m["training_tasks"]).isdisjoint(m["heldout_tasks"])
    assert set(m["heldout_tasks"]) == set(read_name_list(packaged_heldout_path()))
    # leave-data-sets-out: no training task shares its inputs with a held-out one
    from sklearn_meta.datasets.twins import same_data_names
    for h in m["heldout_tasks"]:
        assert not same_data_names(h) & set(m["training_tasks"]), h
    sup = m["encoder_supervision"]
    assert sup is None or set(sup["tasks"]) <= set(m["training_tasks"])
    assert all(t.split(":")[0] in m["training_tasks"] for t in m["regression_tasks"])
    assert (pretrained_path() / "weights.safetensors").stat().st_size < 5_000_000
    assert m["algorithm"] in ("maml", "fomaml", "reptile")
    assert art.encoder is not None
    e = art.encoder.encode(np.random.default_rng(0).normal(size=(30, 4)), np.arange(30) % 2)
    assert np.isfinite(e).all()


def test_benchmark_results_only_use_heldout_tasks():
    from pathlib import Path
    import pandas as pd
    res = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
    files = sorted(res.glob("metamlp*_per_task.csv"))
    if not files or not (pretrained_path() / "manifest.json").is_file():
        pytest.skip("no benchmark results yet")
    from sklearn_meta.datasets.twins import same_data_names

    m = load_artifact(pretrained_path()).manifest
    trained = set(m["training_tasks"]) | {t.split(":col")[0] for t in m["regression_tasks"]}
    for f in files:
        # leave-data-sets-out: no task (nor the data set a derived regression task comes
        # from, nor a data set sharing its rows) was trained on
        for task in set(pd.read_csv(f)["task"]):
            assert not same_data_names(task) & trained, (f, task)


def test_task_encoder_reads_missing_values_and_continuous_targets():
    enc = load_artifact(pretrained_path()).encoder
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] > 0).astype(int)
    holes = X.copy()
    holes[3, 1], holes[5, 2] = np.nan, np.inf
    e, e_holes = enc.encode(X, y), enc.encode(holes, y)
    assert np.isfinite(e_holes).all() and np.abs(e_holes - e).max() < 0.1
    assert np.isfinite(enc.encode(X, 3 * X[:, 0])).all()  # regression, not 120 classes
    with pytest.raises(ValueError, match="y 1-D"):
        enc.encode(X, np.c_[y, y])


def test_non_finite_weights_are_neither_saved_nor_loaded(tmp_path, monkeypatch):
    """A diverged training (NaN weights) must not become an artifact that scores chance."""
    import sklearn_meta.artifacts.io as io

    torch.manual_seed(0)
    net, enc = SchemaNet(), TaskEncoder()
    with torch.no_grad():
        next(enc.parameters()).fill_(float("nan"))
    meta = {"algorithm": "reptile", "training_tasks": ["a"], "heldout_tasks": [], "metrics": {}}
    with pytest.raises(ArtifactError, match="refusing to save an artifact with NaN"):
        save_artifact(tmp_path / "a", net, enc, meta)
    monkeypatch.setattr(io, "_non_finite", lambda tensors: [])  # an older writer
    save_artifact(tmp_path / "a", net, enc, meta)
    monkeypatch.undo()
    with pytest.raises(ArtifactError, match="NaN or infinite weights"):
        load_artifact(tmp_path / "a")


def test_tensors_digest_identifies_the_weights_whatever_else_the_manifest_holds(tmp_path):
    """The weights file's sha256 also covers the manifest it was written with (training
    times differ between identical runs); ``tensors_sha256`` depends on the weights alone,
    and a weights file rewritten with other tensors (its sha256 patched in) is refused."""
    from safetensors.torch import load_file, save_file

    from sklearn_meta.artifacts.io import sha256_file

    torch.manual_seed(0)
    net, enc = SchemaNet(), TaskEncoder()
    for i, seconds in enumerate((1.0, 2.0)):
        save_artifact(tmp_path / str(i), net, enc, {"training_tasks": ["a"],
                                                    "metrics": {"train_seconds": seconds}})
    m0, m1 = (json.loads((tmp_path / str(i) / "manifest.json").read_text()) for i in (0, 1))
    assert m0["weights_sha256"] != m1["weights_sha256"]
    assert m0["tensors_sha256"] == m1["tensors_sha256"]
    weights = tmp_path / "0" / "weights.safetensors"
    from safetensors import safe_open

    with safe_open(str(weights), framework="pt") as fh:
        meta = fh.metadata()
    tensors = load_file(str(weights))
    name = next(iter(tensors))
    tensors[name] = tensors[name] + 1.0
    save_file(tensors, str(weights), metadata=meta)
    m0["weights_sha256"] = sha256_file(weights)
    (tmp_path / "0" / "manifest.json").write_text(json.dumps(m0))
    with pytest.raises(ArtifactError, match="tensors_sha256"):
        load_artifact(tmp_path / "0")

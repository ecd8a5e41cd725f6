"""Save and load a meta-learned initialization: ``weights.safetensors`` + ``manifest.json``.

The manifest records the format version, algorithm and hyper-parameters, the exact training
and held-out task lists, metrics and the sha256 of the weights file, which is verified on load.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from ..nn.network import NetConfig, SchemaNet
from ..nn.seeding import isolated_rng
from ..nn.task_encoder import META_NAMES, TaskEncoder

# 2: the task encoder reads the ``meta_features`` vector (names in the manifest)
FORMAT_VERSION = 2
WEIGHTS = "weights.safetensors"
MANIFEST = "manifest.json"


class ArtifactError(ValueError):
    """A missing, corrupt or incompatible artifact."""


@dataclass
class Artifact:
    net: SchemaNet
    encoder: TaskEncoder | None
    manifest: dict[str, Any]


def pretrained_path() -> Path:
    """Folder of the packaged pretrained artifact (meta-trained on uci121 minus held-out)."""
    return Path(str(resources.files("sklearn_meta.artifacts") / "metamlp_uci121"))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save_artifact(out_dir: str | Path, net: SchemaNet, encoder: TaskEncoder | None,
                  manifest: dict[str, Any]) -> Path:
    """Write weights and manifest into ``out_dir``; the manifest gains format and sha256."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tensors = {f"net.{k}": v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
    if encoder is not None:
        tensors.update({f"encoder.{k}": v.detach().cpu().contiguous()
                        for k, v in encoder.state_dict().items()})
    bad = _non_finite(tensors)
    if bad:
        raise ArtifactError(f"refusing to save an artifact with NaN or infinite weights "
                            f"({', '.join(bad[:5])}); training diverged or read non-finite data")
    core = {"format_version": FORMAT_VERSION, "net_config": net.config.to_dict(),
            "encoder": None if encoder is None else
            {"embed_dim": encoder.embed_dim, "meta_dim": encoder.meta_dim,
             "cell_dim": encoder.cell_dim, "meta_features": list(META_NAMES)},
            **manifest, "weights_file": WEIGHTS,
            # the weights alone: equal for equal training (the file's own sha256 also covers
            # the manifest it was written with, training times included)
            "tensors_sha256": tensors_digest(tensors)}
    # the weights file carries the digest of the manifest it was written with (the manifest
    # carries the weights' digest), so an edited training-task list or metric is noticed too
    save_file(tensors, str(out / WEIGHTS), metadata={"manifest_sha256": _manifest_digest(core)})
    try:  # safetensors writes 0600; an artifact is meant to be shared like its manifest
        (out / WEIGHTS).chmod(0o644)
    except OSError:
        pass
    full = {**core, "weights_sha256": sha256_file(out / WEIGHTS)}
    (out / MANIFEST).write_text(json.dumps(full, indent=1, sort_keys=False) + "\n")
    return out


def tensors_digest(tensors: dict[str, torch.Tensor]) -> str:
    """sha256 of named tensors (names, dtypes, shapes and values, in name order): what
    identifies trained weights, whatever file or metadata they are stored with."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def _non_finite(tensors: dict[str, torch.Tensor]) -> list[str]:
    """Names of the floating-point tensors holding NaN or infinite values."""
    return [k for k, v in tensors.items()
            if v.is_floating_point() and not bool(torch.isfinite(v).all())]


def _manifest_digest(manifest: dict[str, Any]) -> str:
    """sha256 of the manifest without its ``weights_sha256`` entry (canonical JSON)."""
    core = {k: v for k, v in manifest.items() if k != "weights_sha256"}
    return hashlib.sha256(json.dumps(core, sort_keys=True, default=str).encode()).hexdigest()


def load_artifact(path: str | Path) -> Artifact:
    """Load an artifact folder; raises :class:`ArtifactError` on any mismatch."""
    folder = Path(path)
    if not (folder / MANIFEST).is_file():
        raise ArtifactError(f"init/artifact path {folder} has no {MANIFEST}")
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"{folder / MANIFEST} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict):
        raise ArtifactError(f"{folder / MANIFEST}: expected a JSON object, got "
                            f"{type(manifest).__name__}")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(f"{folder}: format_version {manifest.get('format_version')!r} is not "
                            f"supported (expected {FORMAT_VERSION})")
    weights = folder / manifest.get("weights_file", WEIGHTS)
    if not weights.is_file():
        raise ArtifactError(f"{folder}: weights file {weights.name} missing")
    digest = sha256_file(weights)
    if digest != manifest.get("weights_sha256"):
        raise ArtifactError(f"{weights}: sha256 mismatch (file {digest[:12]}..., manifest "
                            f"{str(manifest.get('weights_sha256'))[:12]}...); the weights are "
                            "corrupt or were modified")
    from safetensors import safe_open

    with safe_open(str(weights), framework="pt") as fh:
        recorded = (fh.metadata() or {}).get("manifest_sha256")
    if recorded is not None and recorded != _manifest_digest(manifest):
        raise ArtifactError(f"{folder / MANIFEST}: does not match the manifest the weights were "
                            "written with (it was edited); restore it or re-run "
                            "`sklearn-meta meta-train`")
    tensors = load_file(str(weights))
    recorded_tensors = manifest.get("tensors_sha256")  # absent from older artifacts
    if recorded_tensors is not None and recorded_tensors != tensors_digest(tensors):
        raise ArtifactError(f"{weights}: its tensors do not match tensors_sha256 in "
                            f"{MANIFEST}; the weights are corrupt or were modified")
    bad = _non_finite(tensors)
    if bad:
        raise ArtifactError(f"{weights}: NaN or infinite weights ({', '.join(bad[:5])}); the "
                            "training that wrote it diverged; re-run `sklearn-meta meta-train`")
    try:
        # artifacts written before the random input component existed have none
        with isolated_rng():  # weights loaded below: leave the global stream alone
            net = SchemaNet(NetConfig(**{"input_noise": 0.0, "column_scale": False,
                                         **manifest["net_config"]}))
        net.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("net.")})
        encoder = None
        if manifest.get("encoder"):
            enc_cfg = dict(manifest["encoder"])
            if enc_cfg.pop("meta_features", None) != list(META_NAMES):
                raise ArtifactError(f"{folder}: its task encoder reads other meta-features "
                                    "than this sklearn-meta computes; re-run "
                                    "`sklearn-meta meta-train`")
            with isolated_rng():
                encoder = TaskEncoder(**enc_cfg)
            encoder.load_state_dict({k[8:]: v for k, v in tensors.items()
                                     if k.startswith("encoder.")})
            encoder.eval()
    except ArtifactError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ArtifactError(f"{folder}: manifest and weights do not describe a loadable "
                            f"network ({type(exc).__name__}: {first})") from None
    return Artifact(net.eval(), encoder, manifest)

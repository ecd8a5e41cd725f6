"""Meta-learned artifacts: safetensors weights + JSON manifest, and the packaged pretrained one.

``heldout_uci121.txt`` lists the uci121 data sets the packaged artifact never saw; the
``metamlp_uci121/`` folder holds the artifact itself.
"""
from .io import (FORMAT_VERSION, Artifact, ArtifactError, load_artifact, pretrained_path,
                 save_artifact)

__all__ = ["FORMAT_VERSION", "Artifact", "ArtifactError", "load_artifact", "pretrained_path",
           "save_artifact"]

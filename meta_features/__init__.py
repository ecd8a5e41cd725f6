"""meta_features: describe a data set by numbers (pymfe-compatible names, fast, robust).

>>> from meta_features import extract
>>> extract(X, y)                       # doctest: +SKIP
"""
from ._openmp import load_torch_first

load_torch_first()  # before scikit-learn's OpenMP runtime: see _openmp.py

from ._extract import MetaFeatureWarning, extract  # noqa: E402
from ._registry import list_features  # noqa: E402
from ._validation import infer_target_type  # noqa: E402
from .extractor import MetaFeatureExtractor  # noqa: E402

__all__ = ["extract", "list_features", "infer_target_type", "MetaFeatureExtractor",
           "MetaFeatureWarning"]

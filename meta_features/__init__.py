"""meta_features: describe a data set by numbers (pymfe-compatible names, fast, robust).

>>> from meta_features import extract
>>> extract(X, y)                       # doctest: +SKIP
"""
from ._extract import MetaFeatureWarning, extract
from ._registry import list_features
from ._validation import infer_target_type
from .extractor import MetaFeatureExtractor

__all__ = ["extract", "list_features", "infer_target_type", "MetaFeatureExtractor",
           "MetaFeatureWarning"]

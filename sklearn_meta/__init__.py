"""sklearn-meta: meta-learning for scikit-learn.

Learns from many past tabular tasks how to learn, and brings that knowledge to a new one:
meta-features, a learned task encoder, meta-learned initializations and warm-started search.
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]

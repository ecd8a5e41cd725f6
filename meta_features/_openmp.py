"""Load torch's OpenMP runtime before scikit-learn's.

torch and scikit-learn each ship their own OpenMP runtime. Measured on 2 cores: when
scikit-learn's is loaded first (``import sklearn.tree`` or ``sklearn.neighbors``, as this
package does) and torch's after it, scikit-learn's parallel estimators (HistGradientBoosting
and others) then run about 8x slower (5-fold CV of HistGradientBoostingClassifier on
breast_cancer: 5.0 s instead of 0.6 s); with torch loaded first both run at full speed. torch is
a dependency of sklearn-meta, so both packages import it first (about 1 s).
"""
from __future__ import annotations

import sys


def load_torch_first() -> None:
    """Import torch now, unless it is already imported or not installed."""
    if "torch" in sys.modules:
        return
    try:
        import torch  # noqa: F401
    except ImportError:  # meta_features alone works without torch
        pass

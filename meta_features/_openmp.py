"""Load torch's OpenMP runtime before scikit-learn's.

torch and scikit-learn each ship their own OpenMP runtime. Measured on 2 cores: when
scikit-learn's is loaded first (``import sklearn.tree`` or ``sklearn.neighbors``, as this
package does) and torch's after it, scikit-learn's parallel estimators (HistGradientBoosting
and others) then run about 8x slower (5-fold CV of HistGradientBoostingClassifier on
breast_cancer: 5.0 s instead of 0.6 s); with torch loaded first both run at full speed. torch is
a dependency of sklearn-meta, so both packages import it first (about 1 s).

A script that imported scikit-learn's compiled parts itself before this package still gets
the slow order; that is detected (Linux: both runtimes mapped, scikit-learn's first) and
reported once with the remedies: import sklearn_meta (or torch) first, or run scikit-learn's
estimators under ``threadpoolctl.threadpool_limits(1, user_api="openmp")`` (0.62 s there).
"""
from __future__ import annotations

import sys
import warnings

#: Where scikit-learn's wheels keep their OpenMP runtime (Linux), as mapped into the process.
SKLEARN_OPENMP = "scikit_learn.libs/libgomp"


class OpenMPOrderWarning(RuntimeWarning):
    """scikit-learn's OpenMP runtime was loaded before torch's (slow parallel estimators)."""


def _sklearn_openmp_loaded() -> bool:
    """Whether scikit-learn's bundled OpenMP runtime is mapped into this process (Linux;
    False where /proc is unavailable)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            return any(SKLEARN_OPENMP in line for line in f)
    except OSError:
        return False


def load_torch_first() -> None:
    """Import torch now, unless it is already imported or not installed; warn when
    scikit-learn's OpenMP runtime was already loaded (the slow order)."""
    if "torch" in sys.modules:
        return
    late = _sklearn_openmp_loaded()
    try:
        import torch  # noqa: F401
    except ImportError:  # meta_features alone works without torch
        return
    if late:
        warnings.warn(
            "scikit-learn's OpenMP runtime was loaded before torch's (scikit-learn's compiled "
            "modules were imported before sklearn_meta / meta_features): scikit-learn's "
            "multi-threaded estimators such as HistGradientBoosting may run several times "
            "slower in this process. Import sklearn_meta (or torch) before scikit-learn, or "
            "run them under threadpoolctl.threadpool_limits(1, user_api='openmp').",
            OpenMPOrderWarning, stacklevel=3)

"""scikit-learn estimators warm-started from meta-learned initializations."""
from .meta_mlp import MetaMLPClassifier, MetaMLPRegressor

__all__ = ["MetaMLPClassifier", "MetaMLPRegressor"]

"""Warm-started hyper-parameter search: a knowledge base of past tasks, suggestions,
Optuna integration and `MetaSearchCV`."""
from .knowledge_base import KnowledgeBase, load_default_kb
from .search_cv import MetaSearchCV
from .spaces import FAMILIES, default_space, fit_to_space
from .suggest import default_embedder, suggest_configs
from .warm_start import AdaptiveWarmStart, adaptive_warm_start, warm_start_study

__all__ = ["FAMILIES", "AdaptiveWarmStart", "KnowledgeBase", "MetaSearchCV",
           "adaptive_warm_start", "default_embedder", "default_space", "fit_to_space",
           "load_default_kb", "suggest_configs", "warm_start_study"]

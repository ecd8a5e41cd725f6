"""Warm-started hyper-parameter search: a knowledge base of past tasks, suggestions,
Optuna integration and `MetaSearchCV`.

Where things live:

- the knowledge base and its build: ``knowledge_base``, ``build``, ``evaluate``, ``storage``;
- what to try first: ``spaces`` (families and their search spaces), ``neighbours``,
  ``portfolio``, ``composition`` (``strategy="auto"``), ``suggest`` (``suggest_configs``),
  ``adaptive`` and ``warm_start`` (seeding an Optuna study);
- ``MetaSearchCV`` (``search_cv``) and its parts: ``members`` (the models a search across
  families builds), ``input_checks`` (refusals before any trial), ``objective`` (one
  trial), ``cv_scoring``, ``trial_runs`` (workers, progress), ``grid``, ``fit_routing``,
  ``resume`` and ``results`` (``cv_results_``).
"""
from .knowledge_base import KnowledgeBase, load_default_kb
from .search_cv import MetaSearchCV
from .spaces import FAMILIES, default_space, fit_to_space
from .suggest import default_embedder, suggest_configs
from .warm_start import AdaptiveWarmStart, adaptive_warm_start, warm_start_study

__all__ = ["FAMILIES", "AdaptiveWarmStart", "KnowledgeBase", "MetaSearchCV",
           "adaptive_warm_start", "default_embedder", "default_space", "fit_to_space",
           "load_default_kb", "suggest_configs", "warm_start_study"]

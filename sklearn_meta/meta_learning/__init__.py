"""Meta-training (MAML / first-order MAML / Reptile) over a corpus of tabular tasks."""
from .corpus import CorpusTask, default_heldout, derive_regression_tasks, load_uci121
from .trainer import ALGORITHMS, MetaConfig, MetaTrainer, resolve_device

__all__ = ["CorpusTask", "default_heldout", "derive_regression_tasks", "load_uci121",
           "ALGORITHMS", "MetaConfig", "MetaTrainer", "resolve_device"]

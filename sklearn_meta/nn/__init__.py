"""Torch building blocks: a schema-agnostic network, episode tensors and a task encoder."""
from .episodes import Episode, EpisodeBatch, column_features, make_episode, pad_episodes
from .network import NetConfig, SchemaNet
from .task_encoder import TaskEncoder, task_meta_vector

__all__ = ["Episode", "EpisodeBatch", "column_features", "make_episode", "pad_episodes",
           "NetConfig", "SchemaNet", "TaskEncoder", "task_meta_vector"]

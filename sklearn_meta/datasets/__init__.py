"""Tasks and task suites: uci121 (local folder format), scikit-learn's bundled data, OpenML."""
from ._errors import DatasetError
from ._home import ENV_VAR, get_data_home
from .suites import load_suite, load_task
from .task import Task, stratified_subsample

__all__ = ["DatasetError", "Task", "get_data_home", "load_suite", "load_task",
           "stratified_subsample", "ENV_VAR"]

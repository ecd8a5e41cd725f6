"""Exceptions raised by the data layer."""
from __future__ import annotations


class DatasetError(ValueError):
    """A suite, task or file could not be loaded; the message names which and why."""

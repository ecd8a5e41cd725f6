"""Fixtures for the benchmark tests: importing a script of ``benchmarks/`` as a module."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Callable

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench_script() -> Callable[[str], ModuleType]:
    """``bench_script("bench_metamlp")``: a fresh module object of ``benchmarks/<name>.py``."""

    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "benchmarks" /
                                                      f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load

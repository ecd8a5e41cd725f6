"""Benchmark runner, results store, report and published-results comparison."""
from .runner import BenchmarkConfig, run_benchmark
from .store import ResultsStore

__all__ = ["BenchmarkConfig", "ResultsStore", "run_benchmark"]

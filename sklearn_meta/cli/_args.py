"""Argument types for the sub-commands: argparse reports ``argument --x: <message>``."""
from __future__ import annotations

import argparse
from typing import Callable


def int_at_least(minimum: int, what: str | None = None) -> Callable[[str], int]:
    """An argparse type: an integer ``>= minimum`` (``what`` names it in the message)."""
    what = what or f"an integer >= {minimum}"

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or number < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}, got {value!r}")
        return number

    return parse


def n_jobs(value: str) -> int:
    """An argparse type: joblib's ``n_jobs`` (a non-zero integer; -1 all cores)."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number == 0:
        raise argparse.ArgumentTypeError(f"expected a non-zero integer (-1: every core), got "
                                         f"{value!r}")
    return number


positive_int = int_at_least(1, "a positive integer")


def seed(value: str) -> int:
    """An argparse type: a random seed, an integer in [0, 2**32 - 1] (what numpy takes)."""
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number < 2 ** 32:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2**32 - 1], got {value!r}")
    return number


def float_between(low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a float in ``[low, high]``."""
    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"expected a number in [{low:g}, {high:g}], got "
                                             f"{value!r}")
        return number

    return parse
non_negative_int = int_at_least(0, "a non-negative integer")


def positive_float(value: str) -> float:
    """An argparse type: a finite float ``> 0``."""
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not 0 < number < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return number


def non_negative_float(value: str) -> float:
    """An argparse type: a finite float ``>= 0``."""
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not 0 <= number < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value!r}")
    return number


def name_list(value: str) -> list[str]:
    """An argparse type: comma-separated names (spaces around them ignored), at least one."""
    names = [n.strip() for n in value.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {value!r}")
    return names


def train_size(value: str) -> int | str:
    """An argparse type: ``"all"`` or a positive number of training rows."""
    if value == "all":
        return value
    try:
        return positive_int(value)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer or 'all', got {value!r}") from None


def torch_device(value: str) -> str:
    """An argparse type: ``"auto"`` or a torch device that exists on this machine."""
    if value == "auto":
        return value
    import torch

    try:
        device = torch.device(value)
    except (RuntimeError, ValueError):
        raise argparse.ArgumentTypeError(
            f"expected 'auto' or a torch device such as 'cpu', 'cuda' or 'cuda:0', "
            f"got {value!r}") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise argparse.ArgumentTypeError(
                f"{value!r} requested but CUDA is not available here (torch "
                f"{torch.__version__}); use 'cpu' or 'auto'")
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise argparse.ArgumentTypeError(
                f"{value!r} requested but only {count} CUDA device(s) are available "
                f"(cuda:0..cuda:{count - 1})")
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise argparse.ArgumentTypeError(
            f"{value!r} requested but MPS is not available here; use 'cpu' or 'auto'")
    return value


def output_folder(value: str) -> str:
    """An argparse type: a folder to write into (made if missing); an existing file, or a
    path under one, is refused here rather than as ``File exists`` deep in the run."""
    from pathlib import Path

    path = Path(value)
    for part in [path, *path.parents]:
        if part.exists():
            if not part.is_dir():
                raise argparse.ArgumentTypeError(
                    f"{value!r}: {'is' if part == path else f'{str(part)!r} is'} a file; "
                    f"expected a folder (made if missing)")
            break
    return value

"""Warnings that point at the caller's line, however deep inside the library they arise."""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

_PACKAGE = str(Path(__file__).resolve().parent)


def user_stacklevel() -> int:
    """The ``stacklevel`` of the first frame outside ``sklearn_meta`` (counted from the
    caller of :func:`warn_user`), so that a warning names the user's own line."""
    frame = sys._getframe(2)  # the caller of warn_user
    level = 1
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(
            _PACKAGE):
        frame = frame.f_back
        level += 1
    return level


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` at the user's line (:func:`user_stacklevel`)."""
    warnings.warn(message, category, stacklevel=user_stacklevel() + 1)

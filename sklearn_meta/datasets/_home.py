"""Where data lives: the argument, else $SKLEARN_META_DATA, else the user cache directory."""
from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "SKLEARN_META_DATA"


def get_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """Resolve the data folder (it is not created here)."""
    if data_home is not None:
        return Path(data_home).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "sklearn-meta"

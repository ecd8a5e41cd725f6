"""Optuna storage from a URL or path: journal files for one machine, SQLAlchemy URLs for many."""
from __future__ import annotations

import warnings
from pathlib import Path

import optuna


def make_storage(storage: str | optuna.storages.BaseStorage | None,
                 ) -> optuna.storages.BaseStorage | None:
    """``None`` -> None (in memory); a ``*.log``/``*.journal`` path -> JournalStorage;
    any other ``scheme://`` URL -> RDBStorage; a storage object -> itself."""
    if storage is None or isinstance(storage, optuna.storages.BaseStorage):
        return storage
    if not isinstance(storage, (str, Path)):
        raise ValueError(f"storage must be None, a URL/path or an Optuna storage, got "
                         f"{type(storage).__name__}")
    text = str(storage)
    if "://" in text:
        if text.startswith("sqlite:///"):  # a file path: its folder is made, as for journals
            db = Path(text[len("sqlite:///"):])
            if str(db) not in ("", ":memory:"):
                db.parent.mkdir(parents=True, exist_ok=True)
        try:
            with warnings.catch_warnings():  # heartbeat_interval is "experimental" in Optuna
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(text, heartbeat_interval=60,
                                                  grace_period=120)
        except Exception as exc:  # noqa: BLE001 - missing driver, unreachable server, ...
            raise ValueError(f"storage {text!r}: cannot be opened ({type(exc).__name__}: "
                             f"{str(exc).splitlines()[0] if str(exc) else exc!r})") from None
    from optuna.storages.journal import JournalFileBackend

    Path(text).parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(text))


def storage_url(storage: str | optuna.storages.BaseStorage | None) -> str | None:
    """A textual description of the storage (for error messages and manifests)."""
    if storage is None:
        return None
    if isinstance(storage, (str, Path)):
        return str(storage)
    return getattr(storage, "url", type(storage).__name__)


def is_sqlite(storage: str | optuna.storages.BaseStorage | None) -> bool:
    url = storage_url(storage) or ""
    return url.startswith("sqlite")

"""Optuna storage from a URL or path: journal files for one machine, SQLAlchemy URLs for many."""
from __future__ import annotations

import warnings
from pathlib import Path

import optuna


def make_storage(storage: str | optuna.storages.BaseStorage | None,
                 ) -> optuna.storages.BaseStorage | None:
    """``None`` -> None (in memory); a file path (``*.log``, ``*.journal``) -> JournalStorage;
    a ``scheme://`` URL -> RDBStorage; a storage object -> itself. A folder, an SQLite file
    or a ``*.db`` path is refused with the URL to pass instead."""
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

    check_journal_path(storage)
    Path(text).parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(text))


#: File endings read as an SQLite database, not a journal file.
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def check_journal_path(storage: str | Path) -> None:
    """Refuse a path that cannot be a journal file: a folder, an SQLite file or name, or a
    URL that ``pathlib.Path`` collapsed (``Path("sqlite:///a.db")`` is ``sqlite:/a.db``)."""
    import re

    text = str(storage)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]+:/(?!/)", text):  # a scheme, not C:/
        raise ValueError(f"storage {text!r}: looks like a URL whose '//' was lost (a "
                         f"pathlib.Path of a URL); pass the URL as a string, e.g. "
                         f"'sqlite:///study.db'")
    path = Path(text)
    if path.is_dir():
        raise ValueError(f"storage {text!r}: is a folder; pass a journal file path such as "
                         f"{str(path / 'study.log')!r}")
    is_sqlite_file = False
    if path.is_file():
        with open(path, "rb") as fh:
            is_sqlite_file = fh.read(16) == b"SQLite format 3\x00"
    if is_sqlite_file or path.suffix.lower() in SQLITE_SUFFIXES:
        what = "is an SQLite database" if is_sqlite_file else "is named like an SQLite database"
        raise ValueError(f"storage {text!r}: a path is read as an Optuna journal file, and "
                         f"this one {what}; pass 'sqlite:///{path.as_posix()}' for SQLite, or a .log / "
                         f".journal path for a journal file")


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

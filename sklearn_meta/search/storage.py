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
    check_journal_content(Path(text))
    drop_partial_last_record(Path(text))
    try:
        journal = optuna.storages.JournalStorage(JournalFileBackend(text))
        journal.get_all_studies()  # reads the file now: a foreign file fails here, named
        return journal
    except (ValueError, UnicodeDecodeError, KeyError) as exc:  # JSONDecodeError is a ValueError
        raise ValueError(f"storage {text!r}: not a readable Optuna journal file "
                         f"({type(exc).__name__}: {exc}); pass another path, or repair or "
                         f"delete this one") from None


def check_journal_content(path: Path) -> None:
    """Refuse an existing, non-empty file whose first line is no Optuna journal record (a
    file named by mistake), before anything is appended to it or cut from it."""
    import json

    if not path.is_file() or path.stat().st_size == 0:
        return
    with open(path, "rb") as fh:
        first = fh.readline(1 << 20)
    try:
        record = json.loads(first)
    except (ValueError, UnicodeDecodeError):
        record = None
    if not (isinstance(record, dict) and "op_code" in record):
        raise ValueError(f"storage {str(path)!r}: not an Optuna journal file (its first line "
                         f"is no journal record); pass another path, or delete this file if "
                         f"it is a damaged journal")


def drop_partial_last_record(path: Path) -> None:
    """Cut a journal file back to its last complete record. A write cut off by a crash, a
    full disk or a killed machine leaves a last line without its newline; Optuna would
    append the next record to it and the file could never be read again. The cut bytes are
    kept in ``<file>.partial`` and a warning says so."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    from optuna.storages.journal import JournalFileSymlinkLock
    from optuna.storages.journal._file import get_lock_file

    # under the lock Optuna's writers hold while appending: a record another process is
    # writing right now is never mistaken for a cut one
    with get_lock_file(JournalFileSymlinkLock(str(path))):
        partial = _cut_partial_record(path)
    if partial is None:
        return
    warnings.warn(f"storage {str(path)!r}: its last record was incomplete (an interrupted "
                  f"write); dropped it ({len(partial)} bytes kept in {path.name}.partial) so "
                  f"that the study resumes from the last complete one", UserWarning,
                  stacklevel=3)


def _cut_partial_record(path: Path) -> bytes | None:
    """Truncate ``path`` after its last newline; the bytes cut (None: nothing to cut)."""
    size = path.stat().st_size
    with open(path, "rb+") as fh:
        if size == 0:
            return None
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return None
        block = min(size, 1 << 20)
        fh.seek(size - block)
        cut = fh.read(block).rfind(b"\n")
        keep = size - block + cut + 1 if cut >= 0 else (0 if block == size else None)
        if keep is None:  # one record longer than 1 MiB without a newline: leave it alone
            return None
        fh.seek(keep)
        partial = fh.read()
        with open(str(path) + ".partial", "ab") as out:
            out.write(partial + b"\n")
        fh.truncate(keep)
    return partial


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

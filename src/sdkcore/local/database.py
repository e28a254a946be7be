"""The local servers' SQLite database: a file by default (WAL journal, every write committed before the answer
is sent, so data survives a restart and a kill -9; its files readable by their owner only, 0600) or `:memory:`.
One connection, used under one lock: a local server's load is one developer's."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Generator
from contextlib import contextmanager
from pathlib import Path

from sdkcore.local.http import Request, Response

__all__ = ["MEMORY", "Database", "DatabaseClosedError"]

MEMORY = ":memory:"

_IDEMPOTENCY = """
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (scope, key)
)
"""


def _private_file(path: Path) -> None:
    """Create the database file (and its directory) readable by its owner only, 0600 (the directory 0700): it
    holds secrets in plain text, and SQLite gives its `-wal` and `-shm` files the database file's mode. A file
    that others may read (made by an earlier version: 0644) is narrowed to 0600, with those two files."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        pass
    except OSError:  # a directory we cannot write to: SQLite says so when it opens the file
        return
    for existing in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = existing.stat().st_mode
            if mode & 0o077 and stat.S_ISREG(mode):
                existing.chmod(stat.S_IMODE(mode) & 0o700)
        except OSError:  # absent, or not ours to change
            continue


class DatabaseClosedError(RuntimeError):
    """A local server's database used after the server was closed."""


class Database:
    """`Database(path)` opens (and creates) the file, `Database(MEMORY)` a private in-memory one."""

    def __init__(self, path: str | os.PathLike[str], schema: str) -> None:
        self.path = str(path)
        if self.path != MEMORY:
            _private_file(Path(self.path))
        self._connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._connection.row_factory = sqlite3.Row
        self.closed = False
        self.lock = threading.RLock()
        self._depth = 0  # transactions open in the thread holding the lock; only the outermost commits
        with self.lock:
            if self.path != MEMORY:
                self._connection.execute("PRAGMA journal_mode=WAL")
                self._connection.execute("PRAGMA synchronous=NORMAL")
            self._connection.executescript(schema + ";" + _IDEMPOTENCY)

    @contextmanager
    def transaction(self) -> Generator[sqlite3.Connection, None, None]:
        """Hold the lock and commit what the block wrote, all or nothing; a transaction opened inside another
        one is part of it."""
        with self.lock:
            self._check_open()
            if self._depth:
                self._depth += 1
                try:
                    yield self._connection
                finally:
                    self._depth -= 1
                return
            self._connection.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            else:
                self._connection.execute("COMMIT")
            finally:
                self._depth = 0

    def query(self, sql: str, parameters: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        with self.lock:
            self._check_open()
            return self._connection.execute(sql, parameters).fetchall()

    def close(self) -> None:
        """Close the file; using the database afterwards raises DatabaseClosedError. Closing twice is harmless."""
        with self.lock:
            self.closed = True
            self._connection.close()

    def _check_open(self) -> None:
        if self.closed:
            raise DatabaseClosedError(f"the database {self.path!r} is closed: its server's `with` block has ended "
                                      "(or close() was called)")  # fmt: skip

    def idempotent(
        self, header: str, request: Request, handle: Callable[[], Response], reused: Callable[[str], Response]
    ) -> Response:
        """Answer `request` with `handle()` once per value of the idempotency header: a request repeating a key
        gets the first answer again. Only successes are kept (a failed request may be retried for real), in the
        same transaction as what `handle` wrote. A key reused for a different request gets `reused(message)`."""
        key = request.headers.get(header.lower())
        if not key:
            return handle()
        scope = f"{request.method} {request.path}"
        digest = hashlib.sha256(request.body).hexdigest()
        with self.transaction() as connection:
            row = connection.execute(
                "SELECT request_hash, status, body FROM idempotency WHERE scope = ? AND key = ?", (scope, key)
            ).fetchone()
            if row is not None:
                if row["request_hash"] != digest:
                    return reused(f"{header} {key!r} was already used for a different request to {request.path}")
                return Response(row["status"], bytes(row["body"]), {"idempotent-replayed": "true"})
            response = handle()
            if 200 <= response.status < 300:
                connection.execute(
                    "INSERT INTO idempotency VALUES (?, ?, ?, ?, ?)",
                    (scope, key, digest, response.status, response.body),
                )
            return response

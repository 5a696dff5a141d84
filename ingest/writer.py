"""Write the batches of the ingest's files on a few threads while the next file is validated.

Neo4j runs each write transaction on one of its threads; with one writer the server's other
cores (and its commit of one batch while the next is sent) sit idle. Batches of one file never
touch the same node or relationship (the loader deduplicates keys), so they may run side by
side; so may files of different labels or types. The first relationship file waits for the node
files before it (``barrier``), so its endpoints are committed before it is written. Concurrent
batches that meet on a node wait for its lock; a deadlock between them is a transient error and
the driver retries the batch's transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

__all__ = ["ParallelWriter", "DEFAULT_WRITERS"]

DEFAULT_WRITERS = 2
"""Concurrent write transactions: measured on 2 cores (docs/performance.md, "Ingest")."""


class _File:
    """One submitted file: its batches still running, the rows they wrote, what runs after."""

    def __init__(self, batches: int, then: Callable[[int], None]) -> None:
        self.left = batches
        self.written = 0
        self.failed = False
        self.then = then


class ParallelWriter:
    """Runs each file's batches on ``workers`` threads, files in submission order.

    ``submit`` returns at once unless ``files_ahead`` files are already waiting or being written
    (the caller then waits: memory stays bounded) or ``barrier`` asks to wait for everything
    submitted before. When a file's last batch is done its ``then(written)`` runs. The first
    failure stops the batches not yet started and is raised once, by the next ``submit`` or by
    ``close``.
    """

    def __init__(self, workers: int = DEFAULT_WRITERS, files_ahead: int = 2) -> None:
        if workers < 1:
            raise ValueError("workers must be positive")
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="ingest-writer")
        self._slots = threading.Semaphore(files_ahead)
        self._lock = threading.Lock()
        self._pending: list[Future[None]] = []
        self._error: BaseException | None = None
        self._raised = False

    def submit(self, batches: list[Callable[[], int]], then: Callable[[int], None], *, barrier: bool) -> None:
        if barrier:
            self._drain()
        self._raise_error()
        if self._error is not None:
            raise RuntimeError("the ingest writer has failed")
        self._slots.acquire()
        work = batches or [lambda: 0]  # a file with no rows still runs its ``then``
        file = _File(len(work), then)
        self._pending = [f for f in self._pending if not f.done()]
        self._pending += [self._pool.submit(self._run, file, batch) for batch in work]

    def close(self) -> None:
        """Wait for every batch, stop the threads and raise the first failure."""
        try:
            self._drain()
        finally:
            self._pool.shutdown(wait=True)
        self._raise_error()

    def _drain(self) -> None:
        wait(self._pending)
        self._pending = []

    def _raise_error(self) -> None:
        if self._error is not None and not self._raised:
            self._raised = True
            raise self._error

    def _run(self, file: _File, batch: Callable[[], int]) -> None:
        written = 0
        try:
            if self._error is None and not file.failed:
                written = batch()
        except BaseException as e:  # noqa: BLE001 - handed to the caller by submit/close
            with self._lock:
                file.failed = True
                self._error = self._error or e
        with self._lock:
            file.written += written
            file.left -= 1
            last = file.left == 0
        if not last:
            return
        try:
            if not file.failed and self._error is None:
                file.then(file.written)
        except BaseException as e:  # noqa: BLE001
            with self._lock:
                self._error = self._error or e
        finally:
            self._slots.release()

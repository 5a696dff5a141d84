"""The ingest's parallel writer (ingest.writer): batches side by side, files in order, the
relationship barrier, bounded memory, and the first failure raised once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from ingest.writer import ParallelWriter


def _batch(log: list[str], name: str, rows: int, gate: threading.Barrier | None = None) -> Callable[[], int]:
    def run() -> int:
        log.append(f"start {name}")
        if gate is not None:
            gate.wait(timeout=10)  # breaks (and fails the test) unless the other batch runs alongside
        time.sleep(0.02)
        log.append(f"end {name}")
        return rows

    return run


def test_batches_of_a_file_run_side_by_side_and_then_gets_the_sum() -> None:
    log: list[str] = []
    written: list[int] = []
    gate = threading.Barrier(2)
    writer = ParallelWriter(workers=2)
    writer.submit([_batch(log, "a", 3, gate), _batch(log, "b", 4, gate)], written.append, barrier=False)
    writer.close()
    assert written == [7]
    assert log[:2] == ["start a", "start b"] or log[:2] == ["start b", "start a"]


def test_one_worker_writes_in_submission_order() -> None:
    log: list[str] = []
    writer = ParallelWriter(workers=1)
    for name in ("n1", "n2", "r1"):
        writer.submit([_batch(log, name, 1)], lambda n: None, barrier=name == "r1")
    writer.close()
    assert log == ["start n1", "end n1", "start n2", "end n2", "start r1", "end r1"]


def test_a_barrier_file_starts_after_every_earlier_batch_and_then() -> None:
    log: list[str] = []
    writer = ParallelWriter(workers=4, files_ahead=4)
    writer.submit(
        [_batch(log, "nodes-1", 1), _batch(log, "nodes-2", 1)],
        lambda n: log.append("then nodes"),
        barrier=False,
    )
    writer.submit([_batch(log, "rels", 1)], lambda n: log.append("then rels"), barrier=True)
    writer.close()
    assert log.index("start rels") > max(
        log.index("end nodes-1"), log.index("end nodes-2"), log.index("then nodes")
    )
    assert log[-1] == "then rels"


def test_a_file_without_rows_still_runs_its_then() -> None:
    written: list[int] = []
    writer = ParallelWriter(workers=2)
    writer.submit([], written.append, barrier=False)
    writer.close()
    assert written == [0]


def test_submit_waits_while_files_ahead_are_unwritten() -> None:
    release = threading.Event()
    writer = ParallelWriter(workers=1, files_ahead=1)
    writer.submit([lambda: int(release.wait(10))], lambda n: None, barrier=False)
    second = threading.Thread(
        target=writer.submit, args=([lambda: 1], lambda n: None), kwargs={"barrier": False}
    )
    second.start()
    second.join(0.3)
    assert second.is_alive()  # the reader is held back: one file is already waiting to be written
    release.set()
    second.join(10)
    assert not second.is_alive()
    writer.close()


def test_the_first_failure_stops_later_batches_and_is_raised_once() -> None:
    log: list[str] = []
    thens: list[int] = []

    def boom() -> int:
        raise ValueError("batch failed")

    writer = ParallelWriter(workers=1, files_ahead=3)
    writer.submit([boom, _batch(log, "same-file", 1)], thens.append, barrier=False)
    with pytest.raises(ValueError, match="batch failed"):
        writer.submit([_batch(log, "next", 1)], thens.append, barrier=True)  # waits, then reports it
    writer.close()  # already raised: not again
    assert log == [] and thens == []


def test_a_failure_found_by_close_is_raised_there() -> None:
    def boom() -> int:
        raise OSError("connection lost")

    writer = ParallelWriter(workers=2)
    writer.submit([boom], lambda n: None, barrier=False)
    with pytest.raises(OSError, match="connection lost"):
        writer.close()


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ParallelWriter(workers=0)

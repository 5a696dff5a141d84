"""The cyclic collector is paused around whole-graph answers (queries.bulk) and always comes back."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from queries import bulk
from queries.bulk import gc_paused
from queries.registry import NoParams, QueryDef, QueryResult


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_back_after_even_on_error() -> None:
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_resume_when_the_last_ends() -> None:
    first_in, second_out = threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with gc_paused():
            first_in.set()
            second_out.wait(5)
            seen.append(gc.isenabled())  # the second pause ended: still off while this one runs

    t = threading.Thread(target=first)
    t.start()
    assert first_in.wait(5)
    with gc_paused():
        assert not gc.isenabled()
    second_out.set()
    t.join(5)
    assert seen == [False] and gc.isenabled()


def test_a_long_stretch_of_overlapping_pauses_still_collects(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "MAX_PAUSE_SECONDS", 0.0)
    runs: list[str] = []

    def watch(phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and info["generation"] == 2:
            runs.append(phase)

    gc.callbacks.append(watch)
    try:
        with gc_paused():
            with gc_paused():
                pass
            assert runs, "the inner pause's end ran a full collection"
            assert not gc.isenabled()
    finally:
        gc.callbacks.remove(watch)
    assert gc.isenabled()


def _query(entity: str | None, seen: list[bool]) -> QueryDef:
    def run(driver: Any, database: str, p: Any) -> QueryResult:
        seen.append(gc.isenabled())
        return QueryResult(columns=[], rows=[])

    return QueryDef(name="probe", title="探针", description="探针", params=NoParams, run=run, entity=entity)


def test_whole_graph_queries_run_paused_and_single_entity_ones_do_not() -> None:
    seen: list[bool] = []
    _query(None, seen).execute(None, "neo4j", {})  # type: ignore[arg-type]
    _query("Officer", seen).execute(None, "neo4j", {})  # type: ignore[arg-type]
    assert seen == [False, True] and gc.isenabled()

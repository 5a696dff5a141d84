"""Shared fixtures. Integration tests talk to a real Neo4j; see graph/testing.py.

Markers follow the fixtures a test uses (``pytest_collection_modifyitems`` below), so they
cannot drift: ``neo4j`` for every test that reaches a test server, ``city`` for the city
sample's server, ``empty_db`` for the database of hand-built graphs only (the subset
``make test`` runs once more against a separately started server). A test that starts a
Neo4j of its own is marked ``neo4j`` by hand; one that starts a server without the mark fails.
Under pytest-xdist each server's tests form one ``xdist_group``, so with ``--dist loadgroup``
each worker starts only the server its tests need.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest

from graph.constraints import apply_schema
from graph.server import EmbeddedServer
from graph.settings import Settings
from graph.testing import driver_for, external_settings, settings_for, start_test_server, wipe

collect_ignore = ["data"]  # fixture data, not tests (and no doctests): two world.py would clash

CITY_FIXTURES = frozenset({"city_server", "city_settings", "city_ingest", "city_driver"})
EMPTY_FIXTURES = frozenset({"empty_server", "db_settings", "_db_driver", "db"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        city, empty = bool(names & CITY_FIXTURES), bool(names & EMPTY_FIXTURES)
        if city or empty:
            item.add_marker(pytest.mark.neo4j)
        if city:
            item.add_marker(pytest.mark.city)
            item.add_marker(pytest.mark.xdist_group("city"))
        elif empty:
            item.add_marker(pytest.mark.empty_db)
            item.add_marker(pytest.mark.xdist_group("empty"))


_running: list[pytest.Item] = []
_start = EmbeddedServer.start


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _running[:] = [item]


def _start_if_marked(self: EmbeddedServer) -> bool:
    """Refuse to start Neo4j for a test not marked ``neo4j`` (``-m "not neo4j"`` must need none)."""
    if _running and _running[0].get_closest_marker("neo4j") is None:
        raise RuntimeError(f"{_running[0].nodeid} starts Neo4j but is not marked neo4j")
    return _start(self)


EmbeddedServer.start = _start_if_marked  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer | None]:
    if external_settings():
        yield None
        return
    server = start_test_server(tmp_path_factory.mktemp("neo4j-empty") / "neo4j")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def db_settings(empty_server: EmbeddedServer | None) -> Settings:
    """Settings that point at the test server holding hand-built graphs."""
    return external_settings() or settings_for(empty_server)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def _db_driver(db_settings: Settings) -> Iterator[neo4j.Driver]:
    yield from driver_for(db_settings, require_empty=True)


@pytest.fixture
def db(_db_driver: neo4j.Driver, db_settings: Settings) -> Iterator[neo4j.Driver]:
    """A driver on an empty database (schema applied); wiped again after the test."""
    wipe(_db_driver, db_settings.neo4j_database)
    yield _db_driver
    wipe(_db_driver, db_settings.neo4j_database)


# --- The city sample: generated once, loaded once into its own server; tests only read it. ---


@pytest.fixture(scope="session")
def city_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    """A second embedded Neo4j that holds the city sample (never the ``db`` one, which is wiped)."""
    server = start_test_server(tmp_path_factory.mktemp("neo4j-city") / "neo4j")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def city_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """``(folder, answer_key)`` of the city sample (scale city, seed 7, as of 2026-06-30)."""
    from ingest.sample import generate

    folder = tmp_path_factory.mktemp("city-sample")
    key_path = generate(folder, scale="city", seed=7)
    return folder, json.loads(key_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def city_settings(city_server: EmbeddedServer) -> Settings:
    return settings_for(city_server)


@pytest.fixture(scope="session")
def city_ingest(
    city_settings: Settings, city_sample: tuple[Path, dict[str, Any]]
) -> Iterator[tuple[neo4j.Driver, Any]]:
    """The driver on the loaded city sample and the ``IngestReport`` of loading it."""
    from ingest.job import run_ingest

    folder, _ = city_sample
    drv = neo4j.GraphDatabase.driver(
        city_settings.neo4j_uri or "", auth=(city_settings.neo4j_user, city_settings.neo4j_password or "")
    )
    try:
        drv.verify_connectivity()
        apply_schema(drv, city_settings.neo4j_database)
        report = run_ingest(drv, city_settings.neo4j_database, folder)
        yield drv, report
    finally:
        drv.close()


@pytest.fixture(scope="session")
def city_driver(city_ingest: tuple[neo4j.Driver, Any]) -> neo4j.Driver:
    """A driver on the loaded city sample. Read only: many tests share it."""
    return city_ingest[0]

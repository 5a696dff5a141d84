"""Shared fixtures. Integration tests talk to a real Neo4j; see tests/neo4j_fixtures.py."""

from __future__ import annotations

from collections.abc import Iterator

import neo4j
import pytest

from graph.server import EmbeddedServer
from graph.settings import Settings
from tests.neo4j_fixtures import driver_for, external_settings, settings_for, start_test_server, wipe


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

"""Real Neo4j servers for tests and benches: own ports and data folders, started on demand.

Library code (not under tests/) so that benches, screenshots and the test session share one way
to start a server. In the test session, two servers, each started lazily the first time a test asks for it:

* ``empty_server`` backs the ``db`` fixture: a database wiped before and after each test, for
  hand-built graphs with answers worked out by hand.
* ``city_server`` (see tests/conftest.py) holds the city sample, loaded once, read by many tests.

Set ``KG_TEST_NEO4J_URI`` (+ ``KG_TEST_NEO4J_USER``/``KG_TEST_NEO4J_PASSWORD``) to run against an
external server instead; the tests refuse a database that already holds data unless
``KG_TEST_RESET=1``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import neo4j

from graph.constraints import apply_schema
from graph.errors import ServerStartError
from graph.server import EmbeddedServer
from graph.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_test_server(home: Path, attempts: int = 2) -> EmbeddedServer:
    """Start a server on a free port; retry once on a new port (another process may take the
    port between choosing and binding it)."""
    for attempt in range(attempts):
        server = EmbeddedServer(
            home,
            free_port(),
            heap=os.environ.get("KG_TEST_HEAP", "1g"),
            pagecache=os.environ.get("KG_TEST_PAGECACHE", "256m"),
            watch_parent=True,
        )
        try:
            server.start()
            return server
        except ServerStartError:
            if attempt == attempts - 1:
                raise
            server.stop()
    raise AssertionError("unreachable")


def settings_for(server: EmbeddedServer) -> Settings:
    user, password = server.auth()
    return Settings(
        neo4j_uri=server.uri, neo4j_user=user, neo4j_password=password, kg_var_dir=server.home.parent
    )


def external_settings() -> Settings | None:
    uri = os.environ.get("KG_TEST_NEO4J_URI")
    if not uri:
        return None
    return Settings(
        neo4j_uri=uri,
        neo4j_user=os.environ.get("KG_TEST_NEO4J_USER", "neo4j"),
        neo4j_password=os.environ.get("KG_TEST_NEO4J_PASSWORD", ""),
        neo4j_database=os.environ.get("KG_TEST_NEO4J_DATABASE", "neo4j"),
    )


def wipe(driver: neo4j.Driver, database: str) -> None:
    with driver.session(database=database) as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def driver_for(settings: Settings, *, require_empty: bool) -> Iterator[neo4j.Driver]:
    drv = neo4j.GraphDatabase.driver(
        settings.neo4j_uri or "", auth=(settings.neo4j_user, settings.neo4j_password or "")
    )
    drv.verify_connectivity()
    if require_empty:
        count = drv.execute_query(
            "MATCH (n) RETURN count(n) AS c",
            database_=settings.neo4j_database,
            routing_=neo4j.RoutingControl.READ,
        ).records[0]["c"]
        if count and os.environ.get("KG_TEST_RESET") != "1":
            raise RuntimeError(
                f"test database {settings.neo4j_uri} holds {count} nodes; set KG_TEST_RESET=1 to wipe it"
            )
        wipe(drv, settings.neo4j_database)
    apply_schema(drv, settings.neo4j_database)
    try:
        yield drv
    finally:
        drv.close()

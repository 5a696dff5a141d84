"""Real Neo4j servers for tests and benches: own ports and data folders, started on demand.

Library code (not under tests/) so that benches, screenshots and the test session share one way
to start a server. In the test session, two servers, each started lazily the first time a test asks for it:

* ``empty_server`` backs the ``db`` fixture: a database wiped before and after each test, for
  hand-built graphs with answers worked out by hand.
* ``city_server`` (see tests/conftest.py) holds the city sample, loaded once, read by many tests.

Set ``NEO4J_URI`` (+ ``NEO4J_USER``/``NEO4J_PASSWORD``), or ``KG_TEST_NEO4J_URI`` & co. which win
when both are set, to run the hand-built-graph tests against an external server instead; the
tests refuse a database that already holds data unless ``KG_TEST_RESET=1``.

``python -m graph.testing [pytest arguments]`` starts a separate server of its own (temporary
folder, free port), runs pytest reaching it only through ``NEO4J_URI``/``NEO4J_USER``/
``NEO4J_PASSWORD``, and stops it afterwards, also when the tests fail or are interrupted
(``make test`` runs the ``empty_db`` tests this way).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import neo4j

from graph.constraints import apply_schema, q
from graph.errors import ServerStartError
from graph.schema import node_spec, rel_spec
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


EXTERNAL_PREFIXES = ("KG_TEST_NEO4J_", "NEO4J_")
"""Environment variables naming an external test server, first match wins: ``<prefix>URI``,
``<prefix>USER``, ``<prefix>PASSWORD``, ``<prefix>DATABASE``."""


def external_settings(environ: Mapping[str, str] | None = None) -> Settings | None:
    """Settings of a separately started server named by the environment, or None.

    >>> s = external_settings({"NEO4J_URI": "bolt://db:7687", "NEO4J_PASSWORD": "pw"})
    >>> (s.neo4j_uri, s.neo4j_user, s.neo4j_password, s.neo4j_database)
    ('bolt://db:7687', 'neo4j', 'pw', 'neo4j')
    >>> external_settings({"NEO4J_URI": "bolt://a:1", "KG_TEST_NEO4J_URI": "bolt://b:2"}).neo4j_uri
    'bolt://b:2'
    >>> external_settings({}) is None
    True
    """
    env = os.environ if environ is None else environ
    for prefix in EXTERNAL_PREFIXES:
        uri = env.get(prefix + "URI")
        if uri:
            return Settings(
                neo4j_uri=uri,
                neo4j_user=env.get(prefix + "USER", "neo4j"),
                neo4j_password=env.get(prefix + "PASSWORD", ""),
                neo4j_database=env.get(prefix + "DATABASE", "neo4j"),
            )
    return None


def run_against_second_server(pytest_args: Sequence[str]) -> int:
    """Run ``python -m pytest pytest_args`` against a Neo4j started here for the purpose.

    The tests reach the server only through ``NEO4J_URI``/``NEO4J_USER``/``NEO4J_PASSWORD``
    (``external_settings``); its store and ``KG_VAR_DIR`` live in a temporary folder. The server
    is stopped whatever the outcome; it also exits by itself if this process is killed.
    """
    with tempfile.TemporaryDirectory(prefix="kg-second-server-") as tmp:
        server = start_test_server(Path(tmp) / "neo4j")
        try:
            user, password = server.auth()
            env = {k: v for k, v in os.environ.items() if not k.startswith(EXTERNAL_PREFIXES)}
            env |= {
                "NEO4J_URI": server.uri,
                "NEO4J_USER": user,
                "NEO4J_PASSWORD": password,
                "KG_VAR_DIR": tmp,
            }
            print(f"second server / 第二个服务器: {server.uri}", flush=True)
            return subprocess.call([sys.executable, "-m", "pytest", *pytest_args], env=env)
        finally:
            server.stop()


HandBuiltRel = tuple[str, Any, Any, Mapping[str, Any]]


def load_graph(
    driver: neo4j.Driver,
    database: str,
    nodes: Mapping[str, Sequence[Mapping[str, Any]]],
    rels: Iterable[HandBuiltRel],
) -> None:
    """Load a hand-built graph: ``nodes`` maps a label to its rows (each holding the label's key),
    ``rels`` lists ``(type, from key, to key, properties)``. Labels, types and keys come from the
    schema; every relationship must find both ends (a typo in a test's data fails here, loudly)."""
    for label, rows in nodes.items():
        spec = node_spec(label)
        driver.execute_query(
            f"UNWIND $rows AS row MERGE (n:{q(label)} {{{q(spec.key)}: row[$key]}}) SET n += row",
            {"rows": list(rows), "key": spec.key},
            database_=database,
        )
    by_type: dict[str, list[dict[str, Any]]] = {}
    for rel_type, src, dst, props in rels:
        by_type.setdefault(rel_type, []).append({"a": src, "b": dst, "p": dict(props)})
    for rel_type, rows in by_type.items():
        r = rel_spec(rel_type)
        a, b = node_spec(r.from_label), node_spec(r.to_label)
        summary = driver.execute_query(
            f"UNWIND $rows AS row MATCH (a:{q(r.from_label)} {{{q(a.key)}: row.a}}) "
            f"MATCH (b:{q(r.to_label)} {{{q(b.key)}: row.b}}) CREATE (a)-[x:{q(rel_type)}]->(b) SET x = row.p",
            rows=rows,
            database_=database,
        ).summary
        created = summary.counters.relationships_created
        if created != len(rows):
            raise AssertionError(f"{rel_type}: {created} of {len(rows)} relationships found both ends")


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


if __name__ == "__main__":
    sys.exit(run_against_second_server(sys.argv[1:]))

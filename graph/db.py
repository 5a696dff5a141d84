"""One driver per process, built from settings; errors translated to the project's own."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, LiteralString

import neo4j
from neo4j.exceptions import AuthError, ConfigurationError, ServiceUnavailable

from graph.errors import Neo4jUnavailable
from graph.server import EmbeddedServer
from graph.settings import REPO_ROOT, Settings, get_settings

NEW_STORE_MARK = "new-store"
"""File in the embedded server's home: the store was created empty and nothing was loaded since."""

_created_here: set[str] = set()


def start_embedded(server: EmbeddedServer, settings: Settings) -> bool:
    """Start the embedded server (no-op when it answers). When this start CREATED the store (no
    database folder existed), mark it and say so on stderr in one line: a wrong ``KG_VAR_DIR``
    or ``KG_NEO4J_PORT`` otherwise silently gives an empty graph. Returns whether it started."""
    existed = (server.home / "data" / "databases").exists()
    started = server.start()
    if started:
        warm_up_in_background(server)
    if started and not existed:
        (server.home / NEW_STORE_MARK).write_text(
            dt.datetime.now().astimezone().isoformat() + "\n", encoding="utf-8"
        )
        _created_here.add(str(server.home))
        print(
            f"数据库为空：刚在 KG_VAR_DIR={settings.kg_var_dir} 新建了数据库（端口 KG_NEO4J_PORT={server.port}）；"
            "如要使用已有数据，请检查 KG_VAR_DIR / KG_NEO4J_PORT，或设置 NEO4J_URI。 / Created a new, empty store "
            f"in {server.home}: check KG_VAR_DIR / KG_NEO4J_PORT or set NEO4J_URI to use existing data.",
            file=sys.stderr,
            flush=True,
        )
    return started


WARM_UP_MODULE = "ingest.warmup"
"""Run by module name in a child process (the graph layer does not import the ingest layer)."""


def warm_up_in_background(server: EmbeddedServer) -> None:
    """Start the ingest warm-up (``python -m ingest.warmup``) detached: it runs every ingest
    write once in rolled-back transactions, so the first ingest into this server runs on a warm
    JVM; the start does not wait for it. Its output goes to ``warmup.log`` in the home."""
    fd = os.open(server.home / "warmup.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "ab") as out:
        subprocess.Popen(
            [sys.executable, "-m", WARM_UP_MODULE, str(server.home), str(server.port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=REPO_ROOT,
        )


def store_is_new(settings: Settings | None = None) -> bool:
    """True when the embedded store was created empty (by this process, or earlier with nothing
    loaded since: ``kg ingest`` clears the mark). Always False for an external ``NEO4J_URI``;
    whether a server holds domain data at all is a question for a query."""
    settings = settings or get_settings()
    if settings.neo4j_uri:
        return False
    home = settings.neo4j_home.resolve()
    return str(home) in _created_here or (home / NEW_STORE_MARK).exists()


def clear_new_store_mark(settings: Settings | None = None) -> None:
    """Called after an ingest run: the store is no longer the empty one just created."""
    settings = settings or get_settings()
    if settings.neo4j_uri:
        return
    home = settings.neo4j_home.resolve()
    _created_here.discard(str(home))
    (home / NEW_STORE_MARK).unlink(missing_ok=True)


def connection_target(settings: Settings, *, start: bool = True) -> tuple[str, tuple[str, str]]:
    """The Bolt URI and credentials to use; starts the embedded server when needed."""
    if settings.neo4j_uri:
        return settings.neo4j_uri, (settings.neo4j_user, settings.neo4j_password or "")
    server = EmbeddedServer.from_settings(settings)
    if start:
        start_embedded(server, settings)
    return server.uri, server.auth()


def open_driver(settings: Settings | None = None, *, start: bool = True) -> neo4j.Driver:
    """Open and verify a driver. The caller owns it and closes it."""
    settings = settings or get_settings()
    uri, auth = connection_target(settings, start=start)
    try:
        driver = neo4j.GraphDatabase.driver(uri, auth=auth, connection_timeout=5.0)
    except (ConfigurationError, ValueError) as e:
        raise Neo4jUnavailable(f"NEO4J_URI 无效 / invalid NEO4J_URI {uri!r}: {e}") from e
    try:
        driver.verify_connectivity()
    except AuthError as e:
        driver.close()
        raise Neo4jUnavailable(f"Neo4j 拒绝了用户名或密码 / Neo4j at {uri} refused the credentials") from e
    except (ServiceUnavailable, OSError) as e:
        driver.close()
        raise Neo4jUnavailable(
            f"无法连接 Neo4j / cannot reach Neo4j at {uri}: {e}. "
            "检查 NEO4J_URI，或不设置它以使用内置服务器 (kg db start)"
        ) from e
    return driver


@contextmanager
def session_driver(settings: Settings | None = None, *, start: bool = True) -> Iterator[neo4j.Driver]:
    """``with session_driver() as driver:`` for command-line jobs."""
    driver = open_driver(settings, start=start)
    try:
        yield driver
    finally:
        driver.close()


READ = neo4j.RoutingControl.READ
"""Routing of every read: in a cluster (``neo4j://``) the driver sends it to a secondary or a
follower, never to the leader; on a single server it also marks the transaction read-only, so
a read that writes fails at once. Writes keep the default (``WRITE``)."""


def read(driver: neo4j.Driver, database: str, query: LiteralString, /, **params: Any) -> list[neo4j.Record]:
    """A read-only query in a managed, retried transaction routed to a reader (``READ``)."""
    records, _, _ = driver.execute_query(query, params, database_=database, routing_=READ)
    return list(records)


READ_ATTEMPTS = 3
"""Attempts of an auto-commit read that fails with a retryable error (a lost connection)."""


def is_plain_read(routing: Any, options: dict[str, Any]) -> bool:
    """True when an ``execute_query`` call (its ``routing_`` and remaining keyword arguments) is a
    plain read that may run as an auto-commit transaction: READ routing, no other driver option."""
    return routing in ("r", READ) and not any(k.endswith("_") for k in options)


class SyncAutoCommitReads:
    """A driver whose read queries (``execute_query`` with ``routing_=READ``) run as auto-commit
    transactions: one round trip (run and pull) instead of a managed transaction's two (begin,
    run and pull; then commit), with the driver's bookmarks kept and up to ``READ_ATTEMPTS``
    attempts on a retryable error, as ``execute_query`` retries. Everything else goes to the
    driver as it is. The async twin, for the routes on the event loop: ``api.graphread.
    AutoCommitReads``."""

    def __init__(self, driver: neo4j.Driver) -> None:
        self._driver = driver

    def execute_query(self, query: Any, parameters_: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        database, routing = kwargs.pop("database_", None), kwargs.pop("routing_", neo4j.RoutingControl.WRITE)
        if not is_plain_read(routing, kwargs):
            return self._driver.execute_query(
                query, parameters_, database_=database, routing_=routing, **kwargs
            )
        params = {**(parameters_ or {}), **kwargs}
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                with self._driver.session(
                    database=database,
                    default_access_mode=neo4j.READ_ACCESS,
                    bookmark_manager=self._driver.execute_query_bookmark_manager,
                ) as session:
                    return session.run(query, params).to_eager_result()
            except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as e:
                if attempt == READ_ATTEMPTS or not e.is_retryable():
                    raise
        raise AssertionError("unreachable")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._driver, name)

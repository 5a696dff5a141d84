"""One driver per process, built from settings; errors translated to the project's own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import neo4j
from neo4j.exceptions import AuthError, ConfigurationError, ServiceUnavailable

from graph.errors import Neo4jUnavailable
from graph.server import EmbeddedServer
from graph.settings import Settings, get_settings


def connection_target(settings: Settings, *, start: bool = True) -> tuple[str, tuple[str, str]]:
    """The Bolt URI and credentials to use; starts the embedded server when needed."""
    if settings.neo4j_uri:
        return settings.neo4j_uri, (settings.neo4j_user, settings.neo4j_password or "")
    server = EmbeddedServer.from_settings(settings)
    if start:
        server.start()
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
            "检查 NEO4J_URI，或不设置它以使用内置服务器 (kg db start)") from e
    return driver


@contextmanager
def session_driver(settings: Settings | None = None, *, start: bool = True) -> Iterator[neo4j.Driver]:
    """``with session_driver() as driver:`` for command-line jobs."""
    driver = open_driver(settings, start=start)
    try:
        yield driver
    finally:
        driver.close()

"""Shared set-up of the tests/test_security_*.py API tests: the hand-built graph of
tests/test_api.py, one token per role, a TestClient, and the access log read back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import neo4j
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.tokens import create_token
from graph.settings import Settings
from tests.test_api import ROLES, build_graph

PURPOSE = "核查信访件"


@pytest.fixture
def graph(db: neo4j.Driver, db_settings: Settings) -> neo4j.Driver:
    build_graph(db, db_settings.neo4j_database)
    return db


@pytest.fixture
def client(graph: neo4j.Driver, db_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(db_settings)) as c:
        yield c


@pytest.fixture
def tokens(graph: neo4j.Driver, db_settings: Settings) -> dict[str, str]:
    return {r: create_token(graph, db_settings.neo4j_database, r, f"测试-{r}")[1] for r in ROLES}


def auth(secret: str, purpose: str | None = None) -> dict[str, str]:
    h = {"Authorization": f"Bearer {secret}"}
    if purpose is not None:
        h["X-Access-Purpose"] = quote(purpose)
    return h


def access_records(client: TestClient, graph: neo4j.Driver, database: str) -> list[dict[str, Any]]:
    assert client.app.state.audit.flush()  # type: ignore[attr-defined]
    return [
        dict(r["a"])
        for r in graph.execute_query(
            "MATCH (a:AccessRecord) RETURN a ORDER BY a.at", database_=database
        ).records
    ]

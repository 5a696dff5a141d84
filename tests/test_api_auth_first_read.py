# ruff: noqa: F811  (pytest fixtures imported from tests.security_support)
"""A credential seen before is checked again inside the request's first read (api/auth.py): the
answers, the access log and the throttle stay those of a check at the door."""

from __future__ import annotations

import neo4j
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import hash_token
from api.tokens import GUARD_PARAM, LIVE_TOKEN_CYPHER, create_token, guarded_read, revoke_token
from graph.settings import Settings
from tests.security_support import PURPOSE, access_records, auth, client, graph, tokens  # noqa: F401

pytestmark = pytest.mark.neo4j


def _outcomes(client: TestClient, graph: neo4j.Driver, db: str) -> list[tuple[str, int, str | None]]:
    return [(a["outcome"], a["status"], a.get("token_id")) for a in access_records(client, graph, db)]


def test_revoked_after_first_use_answers_401_whatever_the_route_would_say(
    client: TestClient, graph: neo4j.Driver, db_settings: Settings
) -> None:
    db = db_settings.neo4j_database
    info, secret = create_token(graph, db, "discipline", "先用后撤")
    # First use: resolved at the door and remembered; the read is logged under the token.
    r = client.get("/entities/Officer/010001", headers=auth(secret, PURPOSE))
    assert r.status_code == 200
    assert _outcomes(client, graph, db) == [("ok", 200, info.token_id)]
    # Second use (remembered: checked inside the read): still fine, one more record.
    assert client.get("/entities/Officer/010001", headers=auth(secret, PURPOSE)).status_code == 200
    revoke_token(graph, db, info.token_id)
    # A read, a route that reads nothing before refusing (403: discipline has no /audit), a bad
    # purpose (400) and an unknown entity (404): all 401 now, each logged once as bad_token.
    for path, headers in (
        ("/entities/Officer/010001", auth(secret, PURPOSE)),
        ("/audit", auth(secret)),
        ("/entities/Officer/010001", {**auth(secret), "X-Access-Purpose": "."}),
        ("/entities/Officer/999999", auth(secret, PURPOSE)),
    ):
        r = client.get(path, headers=headers)
        assert r.status_code == 401, (path, r.status_code, r.text)
        assert r.json()["error"] == "unauthorized" and r.headers["www-authenticate"] == "Bearer"
        assert r.headers["x-frame-options"] == "DENY"
    assert _outcomes(client, graph, db) == [("ok", 200, info.token_id)] * 2 + [("bad_token", 401, None)] * 4


def test_neighbourhood_read_carries_the_check_in_one_statement(
    client: TestClient, graph: neo4j.Driver, db_settings: Settings
) -> None:
    """The neighbourhood route reads on the event loop (api.auth.AsyncVerifyingDriver): a live
    remembered token gets its answer, an unknown key 404, and once revoked every read 401s."""
    db = db_settings.neo4j_database
    info, secret = create_token(graph, db, "discipline", "邻居展开")
    path = "/entities/Officer/010001/neighbors"
    first = client.get(path, headers=auth(secret, PURPOSE))  # resolved at the door
    assert first.status_code == 200, first.text
    again = client.get(path, headers=auth(secret, PURPOSE))  # remembered: guarded statement
    assert again.status_code == 200 and again.json() == first.json()
    assert "__kg_live" not in again.text
    missing = client.get("/entities/Officer/999999/neighbors", headers=auth(secret, PURPOSE))
    assert missing.status_code == 404, missing.text  # empty answer, credential checked alone: live
    revoke_token(graph, db, info.token_id)
    for p in (path, "/entities/Officer/999999/neighbors"):
        r = client.get(p, headers=auth(secret, PURPOSE))
        assert r.status_code == 401, (p, r.status_code, r.text)
    assert _outcomes(client, graph, db) == [("ok", 200, info.token_id)] * 2 + [("bad_token", 401, None)] * 2


def test_guarded_read_keeps_rows_only_for_a_live_credential(
    graph: neo4j.Driver, db_settings: Settings
) -> None:
    """``guarded_read`` on its own: the rows of the read for a live token, none for a revoked one."""
    db = db_settings.neo4j_database
    info, secret = create_token(graph, db, "discipline", "守卫语句")
    text = guarded_read(LIVE_TOKEN_CYPHER, "UNWIND [1, 2, 3] AS x RETURN x * 2 AS y ORDER BY y")
    rows = graph.execute_query(text, {GUARD_PARAM: hash_token(secret)}, database_=db).records
    assert [r["y"] for r in rows] == [2, 4, 6]
    revoke_token(graph, db, info.token_id)
    assert graph.execute_query(text, {GUARD_PARAM: hash_token(secret)}, database_=db).records == []


def test_dead_credentials_count_against_the_address(
    client: TestClient, graph: neo4j.Driver, db_settings: Settings
) -> None:
    db = db_settings.neo4j_database
    info, secret = create_token(graph, db, "discipline", "节流")
    assert client.get("/entities/Unit/U2", headers=auth(secret)).status_code == 200
    revoke_token(graph, db, info.token_id)
    for _ in range(10):  # the throttle's limit: 10 failures a minute per address
        assert client.get("/entities/Unit/U2", headers=auth(secret)).status_code == 401
    assert client.get("/entities/Unit/U2", headers=auth(secret)).status_code == 429


def test_records_of_a_verified_request_are_written_and_flushed_at_shutdown(
    graph: neo4j.Driver, db_settings: Settings, tokens: dict[str, str]
) -> None:
    db = db_settings.neo4j_database
    secret = tokens["discipline"]
    with TestClient(create_app(db_settings)) as c:
        for _ in range(3):  # the first resolved at the door, the next two checked in their read
            assert c.get("/entities/Officer/010001", headers=auth(secret, PURPOSE)).status_code == 200
        r = c.get("/entities/Clue/C1", headers=auth(secret))  # refused: no purpose (a denial record)
        assert r.status_code == 400
    # The app has shut down straight after the answers: its writer flushed what it held.
    rows = graph.execute_query(
        "MATCH (a:AccessRecord) RETURN a.outcome AS o, a.entity_ids AS ids ORDER BY a.at", database_=db
    ).records
    assert [(r["o"], r["ids"]) for r in rows] == [("ok", ["Officer:010001"])] * 3 + [("purpose_required", [])]


def test_session_cookie_remembered_then_logged_out(
    graph: neo4j.Driver, db_settings: Settings, tokens: dict[str, str]
) -> None:
    with TestClient(create_app(db_settings), base_url="https://testserver") as c:
        assert (
            c.post("/login", data={"token": tokens["discipline"]}, follow_redirects=False).status_code == 303
        )
        sid = c.cookies.get("kg_session")
        assert c.get("/entities/Unit/U2").status_code == 200  # resolved, remembered
        assert c.get("/entities/Unit/U2").status_code == 200  # checked in the read
        assert c.post("/logout", follow_redirects=False).status_code == 303
        c.cookies.set("kg_session", sid or "")
        assert c.get("/entities/Unit/U2").status_code == 401
        # The pages keep sending a browser with a dead session to the login page.
        r = c.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")

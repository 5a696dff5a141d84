# ruff: noqa: F811  (pytest fixtures imported from tests.security_support)
"""A credential seen before is checked again inside the request's first read (api/auth.py): the
answers, the access log and the throttle stay those of a check at the door."""

from __future__ import annotations

from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from api.app import create_app
from api.auth import READ_COLUMNS, STATE_KEY, Pending, ReadColumns, VerifyingDriver
from api.deps import route_driver
from api.errors import Unauthorized
from api.security import Principal, get_role, hash_token
from api.tokens import GUARD_PARAM, LIVE_TOKEN_CYPHER, create_token, guarded_read, revoke_token
from graph.db import SyncAutoCommitReads
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


def test_prepared_query_read_carries_the_check_in_one_statement(
    client: TestClient, graph: neo4j.Driver, db_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prepared-query routes (sync driver, api.auth.VerifyingDriver): once a read's columns
    are known, a remembered token's first read is one guarded statement; the answer is the same,
    its columns in their own order; an unknown officer is still 404, and once revoked, 401."""
    db = db_settings.neo4j_database
    guarded: list[bool] = []
    real = VerifyingDriver._guarded

    def spy(self: VerifyingDriver, *args: Any) -> Any:
        result = real(self, *args)
        guarded.append(result is not None)
        return result

    monkeypatch.setattr(VerifyingDriver, "_guarded", spy)
    info, secret = create_token(graph, db, "strict_office", "预置查询")
    path, body = "/queries/officer_profile", {"badge_no": "010001"}
    first = client.post(path, json=body, headers=auth(secret, PURPOSE))  # resolved at the door
    assert first.status_code == 200, first.text
    for _ in range(2):  # remembered: the first checked read learns its columns, the next goes guarded
        again = client.post(path, json=body, headers=auth(secret, PURPOSE))
        assert again.status_code == 200 and again.json() == first.json()
        assert list(again.json()["rows"][0]) == [c["name"] for c in again.json()["columns"]]
        assert "__kg_live" not in again.text
    assert guarded and all(guarded), guarded
    missing = client.post(path, json={"badge_no": "999999"}, headers=auth(secret, PURPOSE))
    assert missing.status_code == 404, missing.text  # empty answer, credential checked alone: live
    revoke_token(graph, db, info.token_id)
    for b in ("010001", "999999"):
        r = client.post(path, json={"badge_no": b}, headers=auth(secret, PURPOSE))
        assert r.status_code == 401, (b, r.status_code, r.text)
    assert _outcomes(client, graph, db) == [("ok", 200, info.token_id)] * 3 + [("bad_token", 401, None)] * 2


def test_read_columns_are_learned_only_as_plain_names() -> None:
    cols = ReadColumns(size=2)
    cols.learn("a", ["x", "y_1"])
    cols.learn("b", ["n", "count(*)"])
    assert cols.get("a") == ("x", "y_1") and cols.get("b") == ReadColumns.UNGUARDABLE
    assert cols.get("c") is None
    cols.learn("a", ["changed"])  # a text's columns never change: the first answer stays
    assert cols.get("a") == ("x", "y_1")
    cols.refuse("a")
    assert cols.get("a") == ReadColumns.UNGUARDABLE
    cols.learn("c", ["z"])  # bounded: full, so it starts over
    assert cols.get("c") == ("z",) and cols.get("b") is None


def _pending_driver(client: TestClient, secret: str, token_id: str) -> neo4j.Driver:
    """The route's driver (``api.deps.route_driver``) for a request whose remembered token is not
    yet re-checked."""
    principal = Principal(token_id, "直接", get_role("strict_office"))
    p = Pending("token", hash_token(secret), principal, on_dead=lambda: Unauthorized("dead"))
    request = Request({"type": "http", "app": client.app, "state": {STATE_KEY: p}})
    return route_driver(request)


def test_a_guarded_read_answers_with_the_reads_own_columns(
    client: TestClient, graph: neo4j.Driver, db_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first answer teaches the columns; the guarded statement then returns exactly those, in
    the read's order (not alphabetical, no ``__kg_live``), rows in the read's order."""
    db = db_settings.neo4j_database
    info, secret = create_token(graph, db, "strict_office", "列序")
    text = "UNWIND [3, 1, 2] AS x RETURN x AS b, -x AS a ORDER BY b DESC"
    first = _pending_driver(client, secret, info.token_id).execute_query(text, database_=db, routing_="r")
    assert READ_COLUMNS.get(text) == ("b", "a")
    sent: list[str] = []
    real = SyncAutoCommitReads.execute_query

    def spy(self: SyncAutoCommitReads, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(query.text if isinstance(query, neo4j.Query) else query)
        return real(self, query, *args, **kwargs)

    monkeypatch.setattr(SyncAutoCommitReads, "execute_query", spy)
    again = _pending_driver(client, secret, info.token_id).execute_query(text, database_=db, routing_="r")
    assert len(sent) == 1 and "__kg_live" in sent[0]  # one statement: the check and the read
    assert again.keys == first.keys == ["b", "a"]
    assert [tuple(r.values()) for r in again.records] == [(3, -3), (2, -2), (1, -1)]
    revoke_token(graph, db, info.token_id)
    with pytest.raises(Unauthorized):
        _pending_driver(client, secret, info.token_id).execute_query(text, database_=db, routing_="r")


def test_a_read_that_cannot_run_as_a_subquery_keeps_the_transaction(
    client: TestClient, graph: neo4j.Driver, db_settings: Settings
) -> None:
    """``SHOW`` commands cannot run inside ``CALL { … }``: the guarded statement fails, the text
    is marked, and the read runs with the check in one transaction, as before."""
    db = db_settings.neo4j_database
    info, secret = create_token(graph, db, "strict_office", "不能作子查询")
    text = "SHOW INDEXES YIELD name RETURN name ORDER BY name"
    READ_COLUMNS.learn(text, ["name"])  # as if an earlier answer had taught it
    driver = _pending_driver(client, secret, info.token_id)
    names = [r["name"] for r in driver.execute_query(text, database_=db, routing_="r").records]
    assert names and names == sorted(names)
    assert READ_COLUMNS.get(text) == ReadColumns.UNGUARDABLE
    again = _pending_driver(client, secret, info.token_id).execute_query(text, database_=db, routing_="r")
    assert [r["name"] for r in again.records] == names
    revoke_token(graph, db, info.token_id)
    with pytest.raises(Unauthorized):
        _pending_driver(client, secret, info.token_id).execute_query(text, database_=db, routing_="r")


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

# ruff: noqa: F811  (pytest fixtures imported from tests.security_support)
"""Rows 10 and 12 of the security review: sessions, CSRF, revocation, security headers,
throttling of bad credentials; request limits and the concurrency limit on expensive reads."""

from __future__ import annotations

import neo4j
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.tokens import create_token, revoke_token
from graph.settings import Settings
from tests.security_support import PURPOSE, access_records, auth, client, graph, tokens  # noqa: F401

pytestmark = pytest.mark.neo4j

HEADERS = {
    "content-security-policy": "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
}


def test_login_session_logout_and_revocation(graph: neo4j.Driver, db_settings: Settings) -> None:
    db = db_settings.neo4j_database
    info, secret = create_token(graph, db, "纪检", "会话测试")
    with TestClient(create_app(db_settings), base_url="https://testserver") as c:
        r = c.post("/login", data={"token": secret}, follow_redirects=False)
        assert r.status_code == 303
        cookie = r.headers["set-cookie"]
        sid = c.cookies.get("kg_session")
        assert sid and secret not in cookie and sid != secret  # an opaque session id, not the token
        assert (
            "HttpOnly" in cookie
            and "SameSite=strict" in cookie.replace("Strict", "strict")
            and "Secure" in cookie
        )
        stored = graph.execute_query(
            "MATCH (s:ApiSession) RETURN s.session_hash AS h, s.token_id AS t, "
            "s.expires_at > datetime() AS live",
            database_=db,
        ).records
        assert [(r["t"], r["live"]) for r in stored] == [(info.token_id, True)] and sid not in stored[0]["h"]
        assert c.get("/entities/Unit/U2").status_code == 200
        # Logout is a POST; GET /logout does nothing (no cross-site logout by a link or an image).
        assert c.get("/logout", follow_redirects=False).status_code == 405
        assert c.get("/entities/Unit/U2").status_code == 200
        assert c.post("/logout", follow_redirects=False).status_code == 303
        # The old session id is dead on the server, even if replayed.
        c.cookies.set("kg_session", sid)
        assert c.get("/entities/Unit/U2").status_code == 401
        # Revoking the token ends its sessions and the token itself on the next request.
        c.cookies.clear()
        c.post("/login", data={"token": secret}, follow_redirects=False)
        assert c.get("/entities/Unit/U2").status_code == 200
        assert c.get("/entities/Unit/U2", headers=auth(secret)).status_code == 200
        revoke_token(graph, db, info.token_id)
        assert c.get("/entities/Unit/U2").status_code == 401
        assert c.get("/entities/Unit/U2", headers=auth(secret)).status_code == 401


def test_cross_site_posts_are_refused(client: TestClient, tokens: dict[str, str]) -> None:
    evil = {"Origin": "https://evil.example"}
    r = client.post("/login", data={"token": tokens["discipline"]}, headers=evil, follow_redirects=False)
    assert r.status_code == 403 and "kg_session" not in r.headers.get("set-cookie", "")
    assert client.post("/logout", headers={"Origin": "null"}, follow_redirects=False).status_code == 403
    r = client.post(
        "/queries/closed_loop", json={}, headers={**auth(tokens["strict_office"], PURPOSE), **evil}
    )
    assert r.status_code == 403
    same = {"Origin": "http://testserver"}
    assert (
        client.post(
            "/login", data={"token": tokens["discipline"]}, headers=same, follow_redirects=False
        ).status_code
        == 303
    )


def test_security_headers_on_every_answer(client: TestClient, tokens: dict[str, str]) -> None:
    for r in (
        client.get("/health"),
        client.get("/login"),
        client.get("/entities/Unit/U2"),
        client.get("/entities/Officer/010001", headers=auth(tokens["discipline"])),
        client.get("/nowhere"),
        client.get("/", follow_redirects=False),
    ):
        for k, v in HEADERS.items():
            assert r.headers.get(k) == v, (r.url, k, r.headers.get(k))


def test_bad_tokens_and_logins_are_throttled_and_logged(
    client: TestClient, tokens: dict[str, str], graph: neo4j.Driver, db_settings: Settings
) -> None:
    for i in range(5):
        assert client.get("/entities/Unit/U2", headers=auth(f"kg_guess{i}")).status_code == 401
        assert client.post("/login", data={"token": f"kg_guess{i}"}).status_code == 401
    r = client.get("/entities/Unit/U2", headers=auth("kg_guess"))
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert (
        client.post("/login", data={"token": tokens["discipline"]}).status_code == 429
    )  # even a good one, for now
    recs = access_records(client, graph, db_settings.neo4j_database)
    outcomes = sorted(a["outcome"] for a in recs)
    assert outcomes == ["bad_token"] * 5 + ["login_failed"] * 5
    assert all(a["client"] == "testclient" and a.get("token_id") is None for a in recs)
    assert not any("kg_guess" in str(a) for a in recs)  # no secret in the log
    assert client.get("/audit", headers=auth(tokens["strict_office"])).status_code == 429  # the address waits
    with TestClient(create_app(db_settings)) as fresh:  # (throttling is per server process)
        page = fresh.get("/audit", params={"outcome": "login_failed"}, headers=auth(tokens["strict_office"]))
        assert page.status_code == 200
        assert [(i["token_id"], i["role"], i["client"]) for i in page.json()["items"]] == [
            (None, None, "testclient")
        ] * 5


def test_request_limits(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["strict_office"])
    r = client.post(
        "/queries/closed_loop",
        content=b"{" + b" " * (1024 * 1024 + 10) + b"}",
        headers={**h, "Content-Type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["error"] == "body_too_large"
    r = client.get("/search", params={"q": "城东", "x": "a" * 9000}, headers=h)
    assert r.status_code == 414
    r = client.get("/search?" + "&".join(f"q{i}=1" for i in range(150)), headers=h)
    assert r.status_code == 414
    r = client.get("/search", params={"q": "城东"}, headers={**h, "X-Padding": "a" * 20_000})
    assert r.status_code == 431
    assert client.get("/search", params={"q": "城东"}, headers=h).status_code == 200


def test_expensive_reads_share_a_limit(
    graph: neo4j.Driver, db_settings: Settings, tokens: dict[str, str]
) -> None:
    with TestClient(create_app(db_settings, expensive_concurrency=1)) as c:
        h = auth(tokens["strict_office"], PURPOSE)
        gate = c.app.state.gate  # type: ignore[attr-defined]
        with gate.hold():  # one expensive read is running
            r = c.get("/entities/Unit/U2/neighbors", params={"depth": 2}, headers=h)
            assert r.status_code == 429 and r.headers["retry-after"] == "2"
            assert c.post("/queries/closed_loop", json={}, headers=h).status_code == 429
            assert c.get("/views/supervision_coverage", headers=h).status_code == 429
            # Cheap reads go on.
            assert c.get("/entities/Unit/U2/neighbors", params={"depth": 1}, headers=h).status_code == 200
            assert (
                c.post("/queries/officer_profile", json={"badge_no": "010001"}, headers=h).status_code == 200
            )
        assert c.get("/entities/Unit/U2/neighbors", params={"depth": 2}, headers=h).status_code == 200

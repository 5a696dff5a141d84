"""Rows 2 and 5 of the security review: the purpose (调阅事由) is demanded wherever clue or case
detail leaves — neighbours, views, search, relationships, queries — not only on
``/entities/Case/X``; and a purpose is 2–200 visible characters, else 400 (nothing stored)."""

# ruff: noqa: F811  (pytest fixtures imported from tests.security_support)
from __future__ import annotations

from urllib.parse import quote

import neo4j
import pytest
from fastapi.testclient import TestClient

from graph.settings import Settings
from tests.security_support import PURPOSE, access_records, auth, client, graph, tokens  # noqa: F401

pytestmark = pytest.mark.neo4j


def test_every_route_to_a_case_needs_the_purpose(
    client: TestClient, tokens: dict[str, str], graph: neo4j.Driver, db_settings: Settings
) -> None:
    h = auth(tokens["discipline"])
    routes = [
        ("GET", "/entities/Case/K1", {}),
        ("GET", "/entities/Case/K1/neighbors", {}),
        ("GET", "/entities/Officer/010001/neighbors", {}),  # reaches clues C1, C2 and case K1
        ("GET", "/views/accountability_chain", {"case_no": "K1"}),
        ("GET", "/views/officer_ego", {"badge_no": "010001"}),
        ("GET", "/search", {"q": "K1"}),
        ("GET", "/relationships", {"type": "INVOLVES"}),
        ("POST", "/queries/accountability_chain", {}),
        ("POST", "/queries/path_between", {}),
    ]
    bodies = {
        "/queries/accountability_chain": {"case_no": "K1"},
        "/queries/path_between": {"source": "Officer:010001", "target": "Case:K1"},
    }
    for method, path, params in routes:
        r = client.request(method, path, params=params, headers=h, json=bodies.get(path))
        assert r.status_code == 400 and r.json()["error"] == "purpose_required", (
            path,
            r.status_code,
            r.text[:200],
        )
        assert "K1" not in r.text and "收受财物案" not in r.text
        r = client.request(
            method, path, params={**params, "purpose": PURPOSE}, headers=h, json=bodies.get(path)
        )
        assert r.status_code == 200, (path, r.text[:300])
    # The acceptance check: the chain for 纪检 with a purpose is logged with it and the officer's id.
    r = client.get(
        "/views/accountability_chain", params={"case_no": "K1"}, headers=auth(tokens["discipline"], PURPOSE)
    )
    assert r.status_code == 200 and "320102198501011234" in r.text  # ID numbers in clear: with a purpose
    recs = access_records(client, graph, db_settings.neo4j_database)
    chain = [
        a
        for a in recs
        if a["endpoint"] == "/views/{name}" and a["outcome"] == "ok" and '"case_no": "K1"' in a["params"]
    ]
    assert chain and all(a.get("purpose") == PURPOSE for a in chain)
    assert {"Case:K1", "Officer:010001"} <= set(chain[-1]["entity_ids"])
    refused = [a for a in recs if a["outcome"] == "purpose_required"]
    assert len(refused) >= len(routes) and all(a.get("purpose") is None for a in refused)


def test_personal_fields_need_the_purpose_too(client: TestClient, tokens: dict[str, str]) -> None:
    body = client.get("/entities/Officer/010001", headers=auth(tokens["discipline"])).json()
    assert body["props"]["id_number"] == "3201**********1234" and body["props"]["phone"] == "138****5678"
    body = client.get("/entities/Officer/010001", headers=auth(tokens["discipline"], PURPOSE)).json()
    assert body["props"]["id_number"] == "320102198501011234"


@pytest.mark.parametrize(
    "purpose",
    [
        "核" * 201,  # 201 visible characters
        "x" * 401,
        "核查\x00线索",  # NUL
        "\u200b\u200b\u200b",  # zero-width spaces only
        ".",  # punctuation only
        "--",
        "核\u200d查",  # a zero-width joiner hidden inside
    ],
)
def test_bad_purposes_get_400_and_are_not_stored(
    client: TestClient, tokens: dict[str, str], graph: neo4j.Driver, db_settings: Settings, purpose: str
) -> None:
    h = auth(tokens["discipline"])
    for r in (
        client.get("/entities/Case/K1", params={"purpose": purpose}, headers=h),
        client.get("/entities/Case/K1", headers={**h, "X-Access-Purpose": quote(purpose)}),
    ):
        assert r.status_code == 400 and r.json()["error"] == "bad_purpose", (purpose, r.status_code)
    recs = access_records(client, graph, db_settings.neo4j_database)
    assert recs and all(a.get("purpose") is None and a["outcome"] == "bad_purpose" for a in recs)


def test_good_purposes(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["discipline"])
    for purpose in ("核查", "  核查信访件  ", "核" * 200, "case review 2024"):
        r = client.get("/entities/Case/K1", params={"purpose": purpose}, headers=h)
        assert r.status_code == 200, purpose


def test_an_8_mb_purpose_never_reaches_the_log(
    client: TestClient, tokens: dict[str, str], graph: neo4j.Driver, db_settings: Settings
) -> None:
    r = client.get(
        "/entities/Case/K1", headers={**auth(tokens["discipline"]), "X-Access-Purpose": "a" * 8_000_000}
    )
    assert r.status_code == 431
    assert access_records(client, graph, db_settings.neo4j_database) == []

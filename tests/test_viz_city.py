"""Views on the city sample, checked against its answer key; the views over HTTP with roles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import pseudonym
from api.tokens import create_token
from graph.settings import Settings
from viz.views import GAP_COLOR, OVERLAP_COLOR, STATUS_COLORS, get_view

pytestmark = pytest.mark.neo4j
AS_OF = "2026-06-30"


@pytest.fixture(scope="module")
def key(city_sample: tuple[Any, dict[str, Any]]) -> dict[str, Any]:
    return city_sample[1]


def build(driver: neo4j.Driver, settings: Settings, name: str, **params: Any) -> Any:
    return get_view(name).build(driver, settings.neo4j_database, {"as_of": AS_OF, **params})


def test_liaison_view_highlights_the_answer_key(
    city_driver: neo4j.Driver, city_settings: Settings, key: dict[str, Any]
) -> None:
    view = build(city_driver, city_settings, "liaison_coverage")
    by_color = {
        c: {n.key for n in view.nodes if n.type == "Unit" and n.color == c} for c in STATUS_COLORS.values()
    }
    assert by_color[STATUS_COLORS["未覆盖"]] == set(key["liaison"]["uncovered_units"])
    assert by_color[STATUS_COLORS["久未走访"]] == set(key["liaison"]["stale_units"])
    ranked = [n for n in view.nodes if n.mark]
    assert [n.mark for n in ranked] == [f"#{i}" for i in range(1, len(ranked) + 1)]  # gaps first, by risk


def test_supervision_view_marks_gaps_and_overlaps(
    city_driver: neo4j.Driver, city_settings: Settings, key: dict[str, Any]
) -> None:
    view = build(city_driver, city_settings, "supervision_coverage")
    sup = key["supervision"]
    assert {n.key for n in view.nodes if n.type == "Officer" and n.color == GAP_COLOR} == set(
        sup["unsupervised_officers"]
    )
    assert {n.key for n in view.nodes if n.type == "Officer" and n.color == OVERLAP_COLOR} == set(
        sup["double_claimed_officers"]
    )
    for b in sup["police_branches_without_discipline_staff"]:
        assert any(n.id == f"Unit:{b}" and n.color == GAP_COLOR for n in view.nodes)
    ids = view.node_ids()  # jurisdictions are drawn: body → supervised unit, both ends present
    assert any(
        e.type == "SUPERVISES" and e.label is None and e.from_ in ids and e.to in ids for e in view.edges
    )
    assert not (view.notice and "管辖范围" in view.notice)


def test_cluster_chain_ego_unit_and_map(
    city_driver: neo4j.Driver, city_settings: Settings, key: dict[str, Any]
) -> None:
    top = build(city_driver, city_settings, "risk_cluster", cluster_id="K2")
    shown = {n.key for n in top.nodes if n.type == "Officer"}
    # the second-ranked cluster is one of the planted ones, drawn with exactly its officers and cases
    drawn = next(c for c in key["clusters"] if shown & set(c["officers"]))
    assert shown == set(drawn["officers"])
    assert {n.key for n in top.nodes if n.type == "Case"} == set(drawn["cases"])
    assert {n.mark for n in top.nodes if n.type == "Case"} == {drawn["kind"]}

    planted = key["clusters"][0]
    chain = build(city_driver, city_settings, "accountability_chain", case_no=planted["cases"][0])
    assert chain.hierarchical
    levels = {n.id: n.level for n in chain.nodes}
    assert levels[f"Case:{planted['cases'][0]}"] == 0
    assert all(levels[f"Officer:{b}"] == 1 for b in planted["officers"] if f"Officer:{b}" in levels)

    badge = planted["officers"][0]
    ego = build(city_driver, city_settings, "officer_ego", badge_no=badge)
    assert ego.nodes[0].id == f"Officer:{badge}" and ego.nodes[0].border
    assert {e.from_ for e in ego.edges} | {e.to for e in ego.edges} <= ego.node_ids()

    unit = build(city_driver, city_settings, "unit_view", unit_code=planted["units"][0])
    assert unit.nodes[0].id == f"Unit:{planted['units'][0]}"

    eco = build(city_driver, city_settings, "ecosystem_map")
    assert eco.nodes and all(n.type == "Unit" and n.color for n in eco.nodes)
    assert len(eco.edges) >= len(eco.nodes) - 2  # the unit tree connects them


@pytest.fixture(scope="module")
def client(city_driver: neo4j.Driver, city_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(city_settings)) as c:
        yield c


def test_views_over_http(
    client: TestClient, city_driver: neo4j.Driver, city_settings: Settings, key: dict[str, Any]
) -> None:
    db = city_settings.neo4j_database
    office = create_token(city_driver, db, "strict_office", "视图测试-从严办")[1]
    leader = create_token(city_driver, db, "leader", "视图测试-领导")[1]
    r = client.get("/views/liaison_coverage.html", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/views").status_code == 401

    listing = client.get("/views", headers={"Authorization": f"Bearer {office}"}).json()
    assert [v["name"] for v in listing][:2] == ["ecosystem_map", "risk_cluster"]

    badge = key["clusters"][0]["officers"][0]
    # The ego view holds clues and cases: a purpose is stated. Leaders name the officer by the
    # alias the API hands out (his badge number is masked with his name).
    purpose = {"purpose": "视图测试"}
    plain = client.get(
        "/views/officer_ego",
        params={"badge_no": badge, "as_of": AS_OF, **purpose},
        headers={"Authorization": f"Bearer {office}"},
    ).json()
    alias = pseudonym("Officer", badge)
    masked = client.get(
        "/views/officer_ego",
        params={"badge_no": alias, "as_of": AS_OF, **purpose},
        headers={"Authorization": f"Bearer {leader}"},
    ).json()
    center_plain = next(n for n in plain["nodes"] if n["id"] == f"Officer:{badge}")
    center_masked = next(n for n in masked["nodes"] if n["id"] == f"Officer:{alias}")
    assert center_masked["caption"] != center_plain["caption"]
    assert center_masked["props"]["name"] != center_plain["props"]["name"]

    assert client.post("/login", data={"token": leader}, follow_redirects=False).status_code == 303
    page = client.get("/views/officer_ego.html", params={"badge_no": alias, "as_of": AS_OF, **purpose})
    assert page.status_code == 200 and "民警关系网络" in page.text
    assert center_plain["caption"] not in page.text  # the page shows only what the role may see
    home = client.get("/", params={"as_of": AS_OF})
    assert (
        home.status_code == 200 and "基层联系覆盖率" in home.text and "/views/ecosystem_map.html" in home.text
    )
    assert client.get("/views/nope", headers={"Authorization": f"Bearer {office}"}).status_code == 404
    client.cookies.clear()

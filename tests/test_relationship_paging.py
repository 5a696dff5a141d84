"""Relationship paging: the cursor type on its own, the two templates, and ``/relationships``
walked page by page over a graph with parallel postings (the page boundary falls between them)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.cursor import RelationshipCursor
from api.errors import BadRequest
from api.tokens import create_token
from graph.settings import Settings
from ingest.job import run_ingest
from queries.registry import load_cypher


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# -- the cursor on its own ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cursor",
    [
        RelationshipCursor("SERVES_IN", "010001", "U2", "2020-01-01"),
        RelationshipCursor("PART_OF", "", "", ""),  # a type without key properties: empty tie
        RelationshipCursor("SUPERVISES", "纪检:01", "U|2", "纪律监督|全部"),  # separators inside values
    ],
)
def test_cursor_round_trip(cursor: RelationshipCursor) -> None:
    text = cursor.encode()
    assert re.fullmatch(r"[A-Za-z0-9_-]+", text), text  # URL-safe, no padding
    assert RelationshipCursor.decode(text) == cursor


def test_cursor_reads_the_documented_form() -> None:
    """base64url (unpadded) of a JSON list [type, from key, to key, tie]: cursors handed out before
    this version still continue their walk."""
    text = _b64('["SERVES_IN", "010001", "U2", "2020-01-01"]')
    assert RelationshipCursor.decode(text) == RelationshipCursor("SERVES_IN", "010001", "U2", "2020-01-01")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage!",
        "%%%",
        _b64("not json"),
        _b64('{"type": "SERVES_IN"}'),
        _b64('["SERVES_IN", "010001", "U2"]'),  # one part short
        _b64('["SERVES_IN", "010001", "U2", "x", "y"]'),  # one part too many
        _b64('["SERVES_IN", 10001, "U2", "x"]'),  # a number where a key string belongs
        _b64('["NO_SUCH_TYPE", "a", "b", ""]'),  # tampered type
        _b64('["SERVES_IN", "010001", "U2", "x"]')[:-3],  # cut off
    ],
)
def test_cursor_rejects_what_it_did_not_make(text: str) -> None:
    with pytest.raises(BadRequest, match="游标无效 / invalid cursor"):
        RelationshipCursor.decode(text)


# -- the templates ----------------------------------------------------------------------------------


def _filter(name: str) -> str:
    body = [ln for ln in load_cypher(name).text.splitlines() if not ln.startswith("//")]
    return "\n".join(body[: next(i for i, ln in enumerate(body) if ln.startswith(("WITH", "RETURN")))])


def test_page_and_count_share_one_filter() -> None:
    page = _filter("relationship_page")
    assert page.startswith("MATCH (a:{{from_label}})-[r:{{rel_type}}]->(b:{{to_label}})")
    assert page == _filter("relationship_count")


def test_template_parameters_are_all_declared() -> None:
    for name in ("relationship_page", "relationship_count"):
        cf = load_cypher(name)
        assert cf.params == cf.internal, (name, cf.params ^ cf.internal)


# -- through /relationships -------------------------------------------------------------------------

UNITS = "单位编码,单位名称,单位类型,层级\nU1,江州市公安局,市公安局,市级\nU2,城东分局南街派出所,派出所,基层\n"
OFFICERS = "警号,姓名,职级\n010001,张伟,科员\n010002,李娜,科级\n"
POSTINGS = (
    "警号,单位编码,开始日期,结束日期\n"
    "010001,U2,2020-01-01,\n"
    "010001,U1,2016-01-01,2018-02-28\n"
    "010002,U2,2021-05-01,\n"
    "010001,U2,2018-03-01,2019-12-31\n"
)
TREE = "单位编码,上级单位编码\nU2,U1\n"

# The documented order: type, from key, to key, key properties (a posting's start date).
EVERYTHING = [
    ("PART_OF", "Unit:U2", "Unit:U1", None),
    ("SERVES_IN", "Officer:010001", "Unit:U1", "2016-01-01"),
    ("SERVES_IN", "Officer:010001", "Unit:U2", "2018-03-01"),
    ("SERVES_IN", "Officer:010001", "Unit:U2", "2020-01-01"),
    ("SERVES_IN", "Officer:010002", "Unit:U2", "2021-05-01"),
]


@pytest.fixture
def api(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    for name, text in {"units": UNITS, "officers": OFFICERS, "postings": POSTINGS, "unit_tree": TREE}.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    report = run_ingest(db, db_settings.neo4j_database, tmp_path)
    assert not report.errors and report.totals["rejected"] == 0, report
    secret = create_token(db, db_settings.neo4j_database, "external", "分页")[1]
    with TestClient(create_app(db_settings, token_ttl=0.0)) as client:
        yield client, {"Authorization": f"Bearer {secret}"}


def _walk(client: TestClient, h: dict[str, str], params: dict[str, Any]) -> tuple[list[Any], list[int]]:
    rows: list[Any] = []
    totals: list[int] = []
    cursor = None
    for _ in range(20):
        page = client.get(
            "/relationships", params={**params, **({"cursor": cursor} if cursor else {})}, headers=h
        )
        assert page.status_code == 200, page.text
        body = page.json()
        rows += [(i["type"], i["from"], i["to"], i["props"].get("start_date")) for i in body["items"]]
        totals.append(body["total"])
        cursor = body["next_cursor"]
        if cursor is None:
            return rows, totals
    raise AssertionError("pagination does not end")


@pytest.mark.neo4j
@pytest.mark.parametrize("limit", [1, 2, 3, 5, 100])
def test_walk_crosses_parallel_postings(api: tuple[TestClient, dict[str, str]], limit: int) -> None:
    client, h = api
    rows, totals = _walk(client, h, {"limit": limit})
    assert rows == EVERYTHING
    assert set(totals) == {5}


@pytest.mark.neo4j
def test_parallel_edges_numbered_by_start_date(api: tuple[TestClient, dict[str, str]]) -> None:
    client, h = api
    items = client.get(
        "/relationships", params={"from": "Officer:010001", "to": "Unit:U2"}, headers=h
    ).json()["items"]
    assert [(i["id"], i["props"]["start_date"]) for i in items] == [
        ("SERVES_IN:Officer:010001->Unit:U2:0", "2018-03-01"),
        ("SERVES_IN:Officer:010001->Unit:U2:1", "2020-01-01"),
    ]


@pytest.mark.neo4j
def test_filters_and_bad_cursors(api: tuple[TestClient, dict[str, str]]) -> None:
    client, h = api
    # Postings overlapping the first half of 2019: only the one that ran 2018-03 … 2019-12.
    rows, totals = _walk(client, h, {"type": "SERVES_IN", "since": "2019-01-01", "until": "2019-06-30"})
    assert rows == [("SERVES_IN", "Officer:010001", "Unit:U2", "2018-03-01")] and totals == [1]
    rows, _ = _walk(client, h, {"to": "Unit:U1"})
    assert rows == [EVERYTHING[0], EVERYTHING[1]]
    # A cursor placed by hand after the 2018 posting continues with the 2020 one.
    after = RelationshipCursor("SERVES_IN", "010001", "U2", "2018-03-01").encode()
    page = client.get("/relationships", params={"limit": 1, "cursor": after}, headers=h).json()
    assert [i["props"]["start_date"] for i in page["items"]] == ["2020-01-01"] and page["total"] == 5
    for bad in ("garbage!", _b64('["NO_SUCH_TYPE", "a", "b", ""]'), _b64('["SERVES_IN", "a"]')):
        r = client.get("/relationships", params={"cursor": bad}, headers=h)
        assert r.status_code == 422 and r.json()["error"] == "bad_parameter", r.text

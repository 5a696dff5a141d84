"""Other systems: relationships with endpoint names and totals, incremental sync with
``changed_since`` (docs/api.md recipe, end to end through ``kg ingest``), ``POST /entities:batch``."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import pseudonym
from api.tokens import create_token
from graph.settings import Settings
from ingest.job import run_ingest

pytestmark = pytest.mark.neo4j

UNITS = "单位编码,单位名称,单位类型,层级\nU1,江州市公安局,市公安局,市级\nU2,城东分局南街派出所,派出所,基层\n"
OFFICERS = "警号,姓名,职级\n010001,张伟,科员\n010002,李娜,科级\n"
POSTINGS = "警号,单位编码,开始日期\n010001,U2,2020-01-01\n010002,U2,2021-05-01\n"
TREE = "单位编码,上级单位编码\nU2,U1\n"


def write(folder: Path, **files: str) -> None:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")


@pytest.fixture
def sync(db: neo4j.Driver, db_settings: Settings, tmp_path: Path) -> Iterator[tuple[TestClient, Any, Path]]:
    folder = tmp_path / "exports"
    write(folder, units=UNITS, officers=OFFICERS, postings=POSTINGS)
    report = run_ingest(db, db_settings.neo4j_database, folder)
    assert not report.errors and report.totals["rejected"] == 0, report

    def ingest() -> None:
        again = run_ingest(db, db_settings.neo4j_database, folder)
        assert not again.errors and again.totals["rejected"] == 0

    with TestClient(create_app(db_settings, token_ttl=0.0)) as client:
        yield client, ingest, folder


def token(db: neo4j.Driver, settings: Settings, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(db, settings.neo4j_database, role, f'同步-{role}')[1]}"}


def pairs(page: dict[str, Any]) -> set[tuple[str, str, str, Any]]:
    return {(i["type"], i["from"], i["to"], i["from_entity"]["name"]) for i in page["items"]}


def test_incremental_sync_returns_only_the_change(
    sync: tuple[TestClient, Any, Path], db: neo4j.Driver, db_settings: Settings
) -> None:
    client, ingest, folder = sync
    h = token(db, db_settings, "external")
    first = client.get("/relationships", params={"type": "SERVES_IN"}, headers=h).json()
    assert first["total"] == 2
    assert pairs(first) == {
        ("SERVES_IN", "Officer:010001", "Unit:U2", "张伟"),
        ("SERVES_IN", "Officer:010002", "Unit:U2", "李娜"),
    }
    assert first["items"][0]["to_entity"] == {
        "id": "Unit:U2",
        "type": "Unit",
        "key": "U2",
        "name": "城东分局南街派出所",
    }
    assert "props" not in first["items"][0]["from_entity"]
    # The sync recipe: remember the time, ingest again, ask for what changed since.
    mark = dt.datetime.now(dt.UTC).isoformat()
    time.sleep(0.01)
    ingest()  # same files: nothing changed
    same = client.get("/relationships", params={"changed_since": mark}, headers=h).json()
    assert same == {"items": [], "total": 0, "next_cursor": None}
    mark = dt.datetime.now(dt.UTC).isoformat()
    time.sleep(0.01)
    write(
        folder,
        officers=OFFICERS.replace("李娜", "李娜娜"),
        postings=POSTINGS + "010001,U1,2024-01-01\n",
        unit_tree=TREE,
    )
    ingest()
    changed = client.get("/relationships", params={"changed_since": mark, "limit": 2}, headers=h).json()
    assert changed["total"] == 3 and changed["next_cursor"]
    rest = client.get(
        "/relationships", params={"changed_since": mark, "cursor": changed["next_cursor"]}, headers=h
    ).json()
    got = pairs(changed) | pairs(rest)
    assert got == {
        ("PART_OF", "Unit:U2", "Unit:U1", "城东分局南街派出所"),  # new file
        ("SERVES_IN", "Officer:010001", "Unit:U1", "张伟"),  # new row
        ("SERVES_IN", "Officer:010002", "Unit:U2", "李娜娜"),
    }  # renamed endpoint
    bad = client.get("/relationships", params={"changed_since": "yesterday"}, headers=h)
    assert bad.status_code == 422


def test_entities_batch(sync: tuple[TestClient, Any, Path], db: neo4j.Driver, db_settings: Settings) -> None:
    client, _, _ = sync
    ids = ["Officer:010002", "Unit:U2", "Officer:999999", "Officer:010002"]
    body = client.post(
        "/entities:batch", json={"ids": ids}, headers=token(db, db_settings, "external")
    ).json()
    assert [e["id"] for e in body["items"]] == ["Officer:010002", "Unit:U2"]
    assert body["missing"] == ["Officer:999999"] and body["items"][0]["caption"] == "李娜"
    # 领导 see officers' names and badge numbers masked and address them by the alias the API gave
    # them: a real badge number from them is 'missing', the alias resolves to the masked officer.
    alias = pseudonym("Officer", "010002")
    leader = client.post(
        "/entities:batch",
        json={"ids": [f"Officer:{alias}", "Unit:U2", "Officer:010002"]},
        headers=token(db, db_settings, "leader"),
    ).json()
    assert [e["id"] for e in leader["items"]] == [f"Officer:{alias}", "Unit:U2"]
    assert leader["items"][0]["caption"].startswith("李**") and "李娜" not in str(leader["items"][0])
    assert leader["missing"] == ["Officer:010002"]
    # 审计 may not see officers: they are reported missing, not revealed.
    audit = client.post("/entities:batch", json={"ids": ids}, headers=token(db, db_settings, "audit")).json()
    assert [e["id"] for e in audit["items"]] == ["Unit:U2"]
    h = token(db, db_settings, "external")
    assert (
        client.post(
            "/entities:batch", json={"ids": [f"Unit:U{i}" for i in range(501)]}, headers=h
        ).status_code
        == 422
    )
    assert client.post("/entities:batch", json={"ids": ["nope"]}, headers=h).status_code == 422
    assert client.post("/entities:batch", json={"ids": ["Clue:X1"]}, headers=h).status_code == 400

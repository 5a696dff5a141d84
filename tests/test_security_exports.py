"""Formula injection (issue 11, row 1): CSV and XLSX exports never carry a live formula.

An officer named ``=1+1`` is ingested and exported through the API; the sheet XML has no ``<f>``
element, the CSV cell is prefixed with an apostrophe, and badge numbers stay text.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from api.tokens import create_token
from graph.settings import Settings
from queries.registry import QueryResult
from queries.tabular import build_export, neutralise, write_csv, write_xlsx

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=cmd|' /C calc'!A0", "#N/A"]


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_writer_neutralises_every_formula_start() -> None:
    result = QueryResult(
        columns=["name", "badge_no"],
        rows=[{"name": v, "badge_no": "0102"} for v in DANGEROUS],
        summary={"by_unit": {"=HYPERLINK(1)": {"n": 1}}},
    )
    export = build_export("t", "测试", "测试", result)
    xml = _sheet_xml(write_xlsx(export))
    assert "<f>" not in xml and "<f " not in xml
    ws = load_workbook(io.BytesIO(write_xlsx(export))).active
    got = [(r[0].value, r[0].data_type, r[1].value) for r in ws.iter_rows(min_row=2)]
    # Every value is a string cell, never 'f' or 'e' (a lone CR may come back as LF, depending on
    # whether openpyxl reads the XML with lxml or with the standard library).
    assert [g[0].replace("\r", "\n") for g in got] == [v.replace("\r", "\n") for v in DANGEROUS]
    assert {g[1] for g in got} == {"s"} and {g[2] for g in got} == {"0102"}
    rows = list(csv.reader(io.StringIO(write_csv(export).decode("utf-8-sig"))))
    assert rows[0] == ["名称", "警号"]
    assert [r[0] for r in rows[1:]] == ["'" + v if v != "#N/A" else v for v in DANGEROUS]
    assert {r[1] for r in rows[1:]} == {"0102"}
    assert neutralise("张三") == "张三" and neutralise("3-1") == "3-1"


@pytest.fixture
def injected(db: neo4j.Driver, db_settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    from ingest.job import run_ingest

    folder = tmp_path / "inject"
    folder.mkdir()
    (folder / "officers.csv").write_text("警号,姓名,职级,岗位\n010203,=1+1,科员,@SUM(1)\n", encoding="utf-8")
    report = run_ingest(db, db_settings.neo4j_database, folder)
    assert sum(f.loaded for f in report.files.values()) == 1, report
    with TestClient(create_app(db_settings, token_ttl=0.0)) as client:
        yield client


@pytest.mark.neo4j
def test_officer_named_formula_exported_through_api(
    injected: TestClient, db: neo4j.Driver, db_settings: Settings
) -> None:
    secret = create_token(db, db_settings.neo4j_database, "strict_office", "导出测试")[1]
    h = {"Authorization": f"Bearer {secret}"}
    r = injected.post(
        "/queries/officer_profile",
        params={"format": "xlsx", "purpose": "导出核查"},
        json={"badge_no": "010203"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    xml = _sheet_xml(r.content)
    assert "<f>" not in xml and "<f " not in xml
    ws = load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2], strict=True)}
    assert row["姓名"].value == "=1+1" and row["姓名"].data_type == "s"
    assert row["岗位"].value == "@SUM(1)" and row["岗位"].data_type == "s"
    assert row["警号"].value == "010203" and row["警号"].data_type == "s"
    r = injected.post(
        "/queries/officer_profile",
        params={"format": "csv", "purpose": "导出核查"},
        json={"badge_no": "010203"},
        headers=h,
    )
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    got = dict(zip(rows[0], rows[1], strict=True))
    assert got["姓名"] == "'=1+1" and got["岗位"] == "'@SUM(1)" and got["警号"] == "010203"

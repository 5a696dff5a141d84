"""Analysts' outputs on the city sample: every query's XLSX, the command line, the OpenAPI document
and a client generated from it (tests/conftest.py ``city_driver``)."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from api.tokens import create_token
from graph.errors import QueryParamError
from graph.settings import Settings
from queries.columns import columns_for
from queries.registry import all_queries, get_query
from queries.tabular import build_export, write_xlsx

pytestmark = pytest.mark.neo4j

MAY_BE_EMPTY = {"order_statistics"}
"""Queries whose data the city sample may not hold (supervision orders are issued through the API)."""


@pytest.fixture(scope="module")
def key(city_sample: tuple[Any, dict[str, Any]]) -> dict[str, Any]:
    return city_sample[1]


def params_for(name: str, key: dict[str, Any], driver: neo4j.Driver) -> dict[str, Any]:
    """Parameters that make every query return rows on the sample."""
    cluster = key["clusters"][0]
    badge = cluster["officers"][0]
    unit = driver.execute_query(
        "MATCH (:Officer {badge_no: $b})-[:SERVES_IN]->(u:Unit) RETURN u.code AS c LIMIT 1", b=badge
    ).records[0]["c"]
    fields = get_query(name).params.model_fields
    p: dict[str, Any] = {"as_of": key["as_of"]} if "as_of" in fields else {}
    p.update(
        {
            "case_no": cluster["cases"][0],
            "badge_no": badge,
            "unit_code": unit,
            "source": f"Officer:{badge}",
            "target": f"Unit:{unit}",
            "include_covered": True,
        }
    )
    if name == "political_ecosystem":
        p.pop("unit_code")
    return {k: v for k, v in p.items() if k in fields}


@pytest.mark.parametrize("name", sorted(q.name for q in all_queries()))
def test_every_query_xlsx_is_typed(city_driver: neo4j.Driver, key: dict[str, Any], name: str) -> None:
    qd = get_query(name)
    validated = qd.validate(params_for(name, key, city_driver))
    result = qd.run(city_driver, "neo4j", validated)
    assert result.rows or name in MAY_BE_EMPTY, name
    export = build_export(
        qd.name,
        qd.title,
        qd.description,
        result,
        params=validated,
        data_as_of=dt.date.fromisoformat(key["as_of"]),
    )
    wb = load_workbook(io.BytesIO(write_xlsx(export)))
    assert wb.sheetnames[-1] == "说明"
    ws = wb.worksheets[0]
    specs = columns_for(name, [c.name for c in export.table.columns])
    assert [c.value for c in ws[1]] == [c.title for c in specs]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    seen: dict[str, int] = {}
    for row in ws.iter_rows(min_row=2):
        for spec, cell in zip(specs, row, strict=True):
            if cell.value is None:
                continue
            seen[spec.type] = seen.get(spec.type, 0) + 1
            if spec.type == "date":
                assert isinstance(cell.value, dt.date), (name, spec.name, cell.value)
            elif spec.type == "percent":
                assert isinstance(cell.value, float | int) and "%" in cell.number_format, (name, spec.name)
            elif spec.type == "int":
                assert isinstance(cell.value, int), (name, spec.name, cell.value)
            elif spec.type == "code":
                assert isinstance(cell.value, str) and cell.data_type == "s", (name, spec.name, cell.value)
    for sheet in wb.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, str) and v.startswith(("{", "["))), (name, sheet.title, v)
    if name == "officer_profile":
        assert ws.cell(2, 1).value == params_for(name, key, city_driver)["badge_no"]
    if name == "closed_loop":
        assert seen.get("date") and "按单位汇总" in wb.sheetnames
    if name == "violation_statistics_forms":
        assert seen.get("percent")


# -- the command line -------------------------------------------------------------------------------


@pytest.fixture
def cli_env(
    city_settings: Settings, city_driver: neo4j.Driver, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    from typer.testing import CliRunner

    from graph.settings import get_settings
    from kg import cli

    for name, value in (
        ("NEO4J_URI", city_settings.neo4j_uri),
        ("NEO4J_USER", city_settings.neo4j_user),
        ("NEO4J_PASSWORD", city_settings.neo4j_password),
        ("NEO4J_DATABASE", city_settings.neo4j_database),
        ("COLUMNS", "80"),
    ):
        monkeypatch.setenv(name, value or "")
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(cli, list(args))
    get_settings.cache_clear()


def test_cli_exports_have_chinese_headers(cli_env: Any, key: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "f.xlsx"
    r = cli_env(
        "query",
        "run",
        "violation_statistics",
        "-p",
        f"as_of={key['as_of']}",
        "--format",
        "xlsx",
        "-o",
        str(out),
    )
    assert r.exit_code == 0, r.output
    assert [c.value for c in load_workbook(out).active[1]] == [
        "违纪违法类型",
        "警种",
        "职级",
        "涉案人次",
        "案件数",
    ]
    assert out.stat().st_mode & 0o777 == 0o600
    r = cli_env("query", "run", "political_ecosystem", "-p", f"as_of={key['as_of']}", "--format", "csv")
    assert r.exit_code == 0, r.output
    header = next(csv.reader(io.StringIO(r.stdout)))
    assert header[:3] == ["单位编码", "单位名称", "单位类别"] and "第一种形态占比" in header
    r = cli_env(
        "query",
        "run",
        "political_ecosystem",
        "-p",
        f"as_of={key['as_of']}",
        "--format",
        "csv",
        "--headers",
        "en",
        "--columns",
        "unit_code,评定",
    )
    assert next(csv.reader(io.StringIO(r.stdout))) == ["unit_code", "rating"]
    r = cli_env(
        "query",
        "run",
        "political_ecosystem",
        "-p",
        f"as_of={key['as_of']}",
        "--format",
        "json",
        "--columns",
        "unit_code,rating",
    )
    body = json.loads(r.stdout)
    assert body["columns"][1] == {
        "name": "rating",
        "title": "评定",
        "type": "text",
        "unit": "",
        "meaning": "好、较好、一般、差（或无数据）",
    }
    assert set(body["rows"][0]) == {"unit_code", "rating"}


def test_cli_table_fits_80_columns_and_records(cli_env: Any, key: dict[str, Any]) -> None:
    r = cli_env("query", "run", "political_ecosystem", "-p", f"as_of={key['as_of']}")
    assert r.exit_code == 0, r.output
    from queries.tabular import display_width

    table_lines = [ln for ln in r.stdout.splitlines() if ln.startswith(("│", "┃", "┏", "└"))]
    assert len(table_lines) < 300 + 6  # one line per row: 281 units, no wrapping
    assert max(display_width(ln) for ln in table_lines) <= 80
    assert "评定" in table_lines[1] and "列未显示" in r.stdout and "…" in r.stdout
    r = cli_env("query", "run", "closed_loop", "-p", f"as_of={key['as_of']}", "--format", "records")
    assert r.exit_code == 0 and "── 第 1 行 / row 1" in r.stdout and "逾期天数" in r.stdout


def test_cli_describe_and_parameter_errors(cli_env: Any) -> None:
    r = cli_env("query", "describe", "risk_clusters")
    assert r.exit_code == 0 and "群组编号" in r.stdout and "min_size" in r.stdout
    # The console script turns the project's errors into a message and exit code 2 (kg.app).
    kg = Path(sys.executable).with_name("kg")
    done = subprocess.run(
        [str(kg), "query", "run", "closed_loop", "-p", "dayz=3"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )
    assert done.returncode == 2 and "did you mean: days" in done.stderr and "Traceback" not in done.stderr
    r = cli_env("query", "run", "accountability_chain")
    assert isinstance(r.exception, QueryParamError) and "缺少必填参数" in str(r.exception)
    assert "case_no" in str(r.exception)
    r = cli_env("query", "run", "closed_loop", "--columns", "nope")
    assert isinstance(r.exception, QueryParamError) and "没有这些列" in str(r.exception)


# -- OpenAPI ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(city_driver: neo4j.Driver, city_settings: Settings) -> Iterator[tuple[TestClient, str]]:
    info, secret = create_token(city_driver, city_settings.neo4j_database, "strict_office", "OpenAPI 客户端")
    try:
        with TestClient(create_app(city_settings)) as client:
            yield client, secret
    finally:
        city_driver.execute_query("MATCH (t:ApiToken {token_id: $id}) DETACH DELETE t", id=info.token_id)
        city_driver.execute_query("MATCH (a:AccessRecord {token_id: $id}) DETACH DELETE a", id=info.token_id)


def test_openapi_validates_and_docs_are_offline(api: tuple[TestClient, str]) -> None:
    from openapi_spec_validator import validate

    client, _ = api
    spec = client.get("/openapi.json").json()
    validate(spec)
    body = spec["paths"]["/queries/closed_loop"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/ClosedLoopParams"}
    params = spec["components"]["schemas"]["ClosedLoopParams"]
    assert params["properties"]["days"]["default"] == 30 and params["examples"]
    rows = spec["components"]["schemas"]["Row_closed_loop"]["properties"]
    assert rows["date"]["anyOf"][0] == {"type": "string", "format": "date"}
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html) + re.findall(
            r"https?://[^\s\"'<>]+", html
        )
        assert refs and not [u for u in refs if u.startswith(("http://", "https://", "//"))], (page, refs)
        for ref in re.findall(r"""(?:src|href)\s*=\s*["'](/static/[^"']+)""", html):
            assert client.get(ref).status_code == 200, ref


def test_generated_client_calls_two_routes(
    api: tuple[TestClient, str], key: dict[str, Any], tmp_path: Path
) -> None:
    client, secret = api
    (tmp_path / "openapi.json").write_text(json.dumps(client.get("/openapi.json").json()), encoding="utf-8")
    (tmp_path / "cfg.yaml").write_text("post_hooks: []\npackage_name_override: kgclient\n", encoding="utf-8")
    tool = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(
        [
            str(tool),
            "generate",
            "--path",
            "openapi.json",
            "--config",
            "cfg.yaml",
            "--meta",
            "none",
            "--output-path",
            "kgclient",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        gen = importlib.import_module("kgclient")
        closed_loop = importlib.import_module("kgclient.api.queries.query_closed_loop")
        forms = importlib.import_module("kgclient.api.queries.query_violation_statistics_forms")
        models = importlib.import_module("kgclient.models")
        c = gen.AuthenticatedClient(base_url="http://testserver", token=secret)
        client.headers["Authorization"] = f"Bearer {secret}"
        client.headers["X-Access-Purpose"] = "client-test"  # closed_loop rows carry clue detail
        c.set_httpx_client(client)
        answer = closed_loop.sync(
            client=c, body=models.ClosedLoopParams(days=30, as_of=dt.date.fromisoformat(key["as_of"]))
        )
        assert isinstance(answer, models.AnswerClosedLoop), answer
        assert {r.key for r in answer.rows if r.issue == "移送未反馈"} == set(key["overdue_transfers"]["30"])
        assert answer.columns[0].title == "问题类型"
        stats = forms.sync(client=c, body=models.StatsParams(as_of=dt.date.fromisoformat(key["as_of"])))
        assert isinstance(stats, models.AnswerViolationStatisticsForms)
        assert stats.rows and all(isinstance(r.year, int) for r in stats.rows)
    finally:
        sys.path.remove(str(tmp_path))
        client.headers.pop("Authorization", None)
        for mod in [m for m in sys.modules if m == "kgclient" or m.startswith("kgclient.")]:
            del sys.modules[mod]

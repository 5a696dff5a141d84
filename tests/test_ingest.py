"""The ingest job against a real Neo4j: hand-built export folders with known contents."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import neo4j
import pytest

from graph.schema import NODE_SPECS, PROVENANCE_PROPS, REL_SPECS
from graph.settings import Settings
from ingest.job import IngestReport, run_ingest, write_rejects

pytestmark = pytest.mark.neo4j

DATA = Path(__file__).parent / "data" / "ingest"
DOMAIN_LABELS = [n.label for n in NODE_SPECS]


def _plain(v: Any) -> Any:
    if hasattr(v, "iso_format"):
        return v.iso_format()
    if isinstance(v, list):
        return tuple(v)
    return v


def dump(driver: neo4j.Driver, database: str) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Every domain node and relationship with its business properties (provenance excluded)."""
    recs = driver.execute_query(
        "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) RETURN labels(n) AS l, properties(n) AS p",
        {"labels": DOMAIN_LABELS},
        database_=database,
    ).records
    nodes = {
        (tuple(r["l"]), frozenset((k, _plain(v)) for k, v in r["p"].items() if k not in PROVENANCE_PROPS))
        for r in recs
    }
    recs = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN type(r) AS t, elementId(a) AS a0, properties(a) AS a, properties(b) AS b, "
        "properties(r) AS p",
        database_=database,
    ).records
    rels = set()
    for r in recs:
        a = r["a"].get("code") or r["a"].get("badge_no") or r["a"].get("clue_no") or r["a"].get("case_no")
        b = r["b"].get("code") or r["b"].get("badge_no") or r["b"].get("clue_no") or r["b"].get("case_no")
        rels.add(
            (r["t"], a, b, frozenset((k, _plain(v)) for k, v in r["p"].items() if k not in PROVENANCE_PROPS))
        )
    return nodes, rels


def count(driver: neo4j.Driver, database: str, cypher: str, **params: Any) -> int:
    return int(driver.execute_query(cypher, params, database_=database).records[0][0])


def ingest(driver: neo4j.Driver, settings: Settings, folder: Path, **kw: Any) -> IngestReport:
    report = run_ingest(driver, settings.neo4j_database, folder, **kw)
    for f in report.files.values():  # nothing lost, ever
        assert f.read == f.loaded + f.rejected, f
    return report


def test_clean_folder_loads_every_file_in_every_encoding(db: neo4j.Driver, db_settings: Settings) -> None:
    database = db_settings.neo4j_database
    report = ingest(db, db_settings, DATA / "clean")
    assert report.ok and report.ignored == ["notes.txt"]
    assert {k: (f.read, f.loaded, f.rejected) for k, f in report.files.items()} == {
        "units": (6, 6, 0),
        "party_orgs": (3, 3, 0),
        "officers": (5, 5, 0),
        "clues": (3, 3, 0),
        "cases": (1, 1, 0),
        "unit_tree": (5, 5, 0),
        "party_org_tree": (2, 2, 0),
        "party_org_units": (3, 3, 0),
        "postings": (5, 5, 0),
        "committee_members": (2, 2, 0),
        "supervision": (2, 2, 0),
        "clue_subjects": (2, 2, 0),
        "clue_transfers": (1, 1, 0),
        "case_subjects": (1, 1, 0),
        "case_clues": (1, 1, 0),
    }
    assert report.files["officers"].encoding == "GBK/GB18030"
    assert report.files["unit_tree"].encoding == "UTF-8 (BOM)"
    assert report.rejects == []
    officers = {
        r["b"]: (r["n"], r["h"], r["a"])
        for r in db.execute_query(
            "MATCH (o:Officer) RETURN o.badge_no AS b, o.name AS n, o.high_risk_post AS h, o.auxiliary AS a",
            database_=database,
        ).records
    }
    assert officers["010001"] == ("欧阳·娜娜", True, False)
    assert officers["010003"][0] == "买买提·艾力"
    assert officers["010005"] == ("王强", True, True)
    starts = {
        r["b"]: r["d"].to_native()
        for r in db.execute_query(
            "MATCH (o:Officer)-[s:SERVES_IN]->(:Unit) RETURN o.badge_no AS b, s.start_date AS d",
            database_=database,
        ).records
    }
    assert starts == {
        "010001": dt.date(2020, 1, 15),
        "010002": dt.date(2018, 3, 5),
        "010003": dt.date(2021, 9, 1),
        "010004": dt.date(2019, 6, 1),
        "010005": dt.date(2022, 2, 1),
    }
    summary = db.execute_query(
        "MATCH (c:Clue {clue_no: 'XS2024002'}) RETURN c.summary AS s", database_=database
    ).records[0]["s"]
    assert summary == "反映窗口辅警态度差,\n多次推诿"
    sup = db.execute_query(
        "MATCH (:Unit {code: 'U03'})-[s:SUPERVISES]->(:Unit {code: 'U01'}) "
        "RETURN s.rank_scope AS r, s.include_subtree AS i, s.supervision_type AS t",
        database_=database,
    ).records
    assert [(r["r"], r["i"], r["t"]) for r in sup] == [("全部", True, "纪律监督")]
    assert (
        count(
            db,
            database,
            "MATCH (p:PartyOrg {code: 'P01'}) WHERE p.established_on = date('2001-07-01') RETURN count(p)",
        )
        == 1
    )
    assert (
        count(
            db, database, "MATCH (c:Case {case_no: 'AJ2024001'}) WHERE c.form = '第二种形态' RETURN count(c)"
        )
        == 1
    )
    nodes, rels = dump(db, database)
    assert len(nodes) == 6 + 3 + 5 + 3 + 1
    assert len(rels) == 5 + 2 + 3 + 5 + 2 + 2 + 2 + 1 + 1 + 1


def test_bad_rows_are_rejected_with_file_line_field_and_reason(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    database = db_settings.neo4j_database
    report = ingest(db, db_settings, DATA / "dirty")
    assert report.ok
    got = {(r.file, r.line, r.field) for r in report.rejects}
    assert got == {
        ("units.csv", 4, "单位类型"),
        ("officers.csv", 3, "职级"),
        ("officers.csv", 4, "出生年份"),
        ("officers.csv", 5, ""),
        ("clues.csv", 2, "受理日期"),
        ("clues.csv", 3, "受理日期"),
        ("clues.csv", 5, "受理日期"),
        ("postings.csv", 3, "警号"),
        ("postings.csv", 4, "警号"),
        ("postings.csv", 5, "单位编码"),
        ("clue_subjects.csv", 3, "线索编号"),
        ("clue_subjects.csv", 4, "警号"),
    }
    reasons = {(r.file, r.line): r.reason for r in report.rejects}
    assert "大队长" in reasons[("units.csv", 4)] and "不是允许的取值" in reasons[("units.csv", 4)]
    assert ("units.csv", 5) not in reasons  # a unit's name is optional: the code identifies it
    assert "不存在的日期" in reasons[("clues.csv", 2)]
    assert "不存在" in reasons[("postings.csv", 3)] and "999999" in reasons[("postings.csv", 3)]
    assert {k: (f.read, f.loaded, f.rejected, f.duplicates) for k, f in report.files.items()} == {
        "units": (6, 5, 1, 1),
        "officers": (5, 2, 3, 0),
        "clues": (4, 1, 3, 0),
        "postings": (6, 3, 3, 1),
        "clue_subjects": (3, 1, 2, 0),
    }
    # later duplicate wins; no ghost nodes for dangling references
    assert (
        db.execute_query("MATCH (u:Unit {code: 'U0101'}) RETURN u.name AS n", database_=database).records[0][
            "n"
        ]
        == "东城分局"
    )
    assert {
        r["b"]
        for r in db.execute_query("MATCH (o:Officer) RETURN o.badge_no AS b", database_=database).records
    } == {"010001", "010005"}
    assert count(db, database, "MATCH (u:Unit) WHERE u.code IN ['U9999', 'U0199'] RETURN count(u)") == 0
    assert count(db, database, "MATCH (u:Unit {code: 'U0198'}) WHERE u.name IS NULL RETURN count(u)") == 1
    assert count(db, database, "MATCH (n) WHERE n.badge_no IN ['999999', '888888'] RETURN count(n)") == 0
    assert count(db, database, "MATCH ()-[s:SERVES_IN]->() RETURN count(s)") == 2
    assert count(db, database, "MATCH ()-[c:CONCERNS]->() RETURN count(c)") == 1
    # the rejects report: every reject, with the original row as JSON
    path = write_rejects(report, tmp_path / "rejects.csv")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["文件(file)", "行号(line)", "字段(field)", "原因(reason)", "原始行(row)"]
    assert {(r[0], int(r[1]), r[2]) for r in rows[1:]} == got
    bad_rank = next(r for r in rows[1:] if r[0] == "officers.csv" and r[1] == "3")
    assert json.loads(bad_rank[4]) == {"警号": "010002", "姓名": "张伟", "职级": "局长", "出生年份": "1975"}
    extra = next(r for r in rows[1:] if r[0] == "officers.csv" and r[1] == "5")
    assert json.loads(extra[4])["列5"] == "多余"


def test_endpoints_already_in_the_graph_are_found(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    ingest(db, db_settings, DATA / "clean")
    (tmp_path / "clue_subjects.csv").write_text(
        "线索编号,警号\nXS2024003,010001\nXS2024003,777777\n", encoding="utf-8"
    )
    report = ingest(db, db_settings, tmp_path)
    assert (report.files["clue_subjects"].loaded, report.files["clue_subjects"].rejected) == (1, 1)
    assert (
        count(
            db,
            db_settings.neo4j_database,
            "MATCH (:Clue {clue_no: 'XS2024003'})-[:CONCERNS]->(o:Officer) RETURN count(o)",
        )
        == 1
    )


@pytest.mark.parametrize(
    ("folder", "stem", "words"),
    [
        ("bad_quote", "officers", ["officers.csv", "引号", "第 3 行"]),
        ("missing_column", "officers", ["officers.csv", "缺少必填列", "警号"]),
        ("not_a_table", "units", ["units.csv"]),
        ("not_a_table", "officers", ["officers.xlsx", "Excel"]),
        ("not_a_table", "clues", ["clues.csv", "表头"]),
    ],
)
def test_unreadable_file_fails_for_that_file_and_writes_nothing_of_it(
    db: neo4j.Driver, db_settings: Settings, folder: str, stem: str, words: list[str]
) -> None:
    database = db_settings.neo4j_database
    report = ingest(db, db_settings, DATA / folder)
    assert not report.ok
    message = report.errors[stem]
    for w in words:
        assert w in message
    assert report.files[stem].loaded == 0
    label = next(n.label for n in NODE_SPECS if n.file == stem)
    assert count(db, database, f"MATCH (n:`{label}`) RETURN count(n)") == 0
    if folder == "bad_quote":  # the readable file of the same folder still loads
        assert report.files["units"].loaded == 1


def test_running_twice_changes_only_provenance(db: neo4j.Driver, db_settings: Settings) -> None:
    database = db_settings.neo4j_database
    first = ingest(db, db_settings, DATA / "clean")
    before = dump(db, database)
    second = ingest(db, db_settings, DATA / "clean", batch_size=2)
    assert dump(db, database) == before
    assert first.run_id != second.run_id
    assert count(db, database, "MATCH (r:IngestRun) RETURN count(r)") == 2
    stamped = db.execute_query(
        "MATCH (n) WHERE NOT n:IngestRun RETURN collect(DISTINCT n.ingest_run) AS runs", database_=database
    )
    assert stamped.records[0]["runs"] == [second.run_id]


def test_provenance_stamps_and_ingest_run_record(db: neo4j.Driver, db_settings: Settings) -> None:
    database = db_settings.neo4j_database
    report = ingest(db, db_settings, DATA / "dirty")
    sources = {
        (r["l"], r["f"], r["run"])
        for r in db.execute_query(
            "MATCH (n) WHERE NOT n:IngestRun RETURN labels(n)[0] AS l, n.source_file AS f, n.ingest_run AS run",
            database_=database,
        ).records
    }
    assert sources == {
        ("Unit", "units.csv", report.run_id),
        ("Officer", "officers.csv", report.run_id),
        ("Clue", "clues.csv", report.run_id),
    }
    rel_sources = {
        (r["t"], r["f"], r["run"])
        for r in db.execute_query(
            "MATCH ()-[r]->() RETURN type(r) AS t, r.source_file AS f, r.ingest_run AS run",
            database_=database,
        ).records
    }
    assert rel_sources == {
        ("SERVES_IN", "postings.csv", report.run_id),
        ("CONCERNS", "clue_subjects.csv", report.run_id),
    }
    run = db.execute_query(
        "MATCH (r:IngestRun {run_id: $id}) RETURN r", {"id": report.run_id}, database_=database
    ).records[0]["r"]
    counts = dict(
        zip(
            run["files"],
            zip(run["rows_read"], run["rows_loaded"], run["rows_rejected"], strict=True),
            strict=True,
        )
    )
    assert counts == {
        "units": (6, 5, 1),
        "officers": (5, 2, 3),
        "clues": (4, 1, 3),
        "postings": (6, 3, 3),
        "clue_subjects": (3, 1, 2),
    }
    assert run["status"] == "completed"
    assert run["folder"] == str((DATA / "dirty").resolve())
    assert run["started_at"] <= run["finished_at"]
    assert (run["total_read"], run["total_loaded"], run["total_rejected"]) == (24, 12, 12)
    assert [f["file"] for f in json.loads(run["file_reports"])] == run["files"]


def test_partial_export_updates_its_columns_only(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    database = db_settings.neo4j_database
    ingest(db, db_settings, DATA / "clean")
    (tmp_path / "officers.csv").write_text(
        "警号,姓名,职级\n010001,欧阳娜娜,厅局级\n010099,新民警,科员\n", encoding="utf-8"
    )
    ingest(db, db_settings, tmp_path)
    rows = {
        r["b"]: (r["n"], r["k"], r["p"], r["h"])
        for r in db.execute_query(
            "MATCH (o:Officer) WHERE o.badge_no IN ['010001', '010099'] "
            "RETURN o.badge_no AS b, o.name AS n, o.rank AS k, o.police_type AS p, o.high_risk_post AS h",
            database_=database,
        ).records
    }
    # columns present are updated; absent ones keep their value; defaults only fill new nodes
    assert rows == {"010001": ("欧阳娜娜", "厅局级", "刑侦", True), "010099": ("新民警", "科员", None, False)}


def test_cli_exit_codes_and_default_rejects_file(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from graph.settings import get_settings
    from kg import cli

    for name, value in (
        ("NEO4J_URI", db_settings.neo4j_uri),
        ("NEO4J_USER", db_settings.neo4j_user),
        ("NEO4J_PASSWORD", db_settings.neo4j_password),
        ("NEO4J_DATABASE", db_settings.neo4j_database),
    ):
        monkeypatch.setenv(name, value or "")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        folder = tmp_path / "dirty"
        shutil.copytree(DATA / "dirty", folder)
        result = runner.invoke(cli, ["ingest", str(folder)])
        assert result.exit_code == 0, result.output
        assert "postings.csv" in result.output and "拒绝" in result.output
        with (folder / "rejects.csv").open(encoding="utf-8-sig") as f:
            assert sum(1 for _ in csv.reader(f)) == 1 + 12
        again = runner.invoke(cli, ["ingest", str(folder), "--quiet", "--batch-size", "3"])
        assert again.exit_code == 0 and again.output == ""
        bad = runner.invoke(
            cli, ["ingest", str(DATA / "bad_quote"), "--quiet", "--rejects", str(tmp_path / "r.csv")]
        )
        assert bad.exit_code == 1
        assert (tmp_path / "r.csv").exists() and not (DATA / "bad_quote" / "rejects.csv").exists()
        missing = runner.invoke(cli, ["ingest", str(tmp_path / "nope")])
        assert missing.exit_code == 2
    finally:
        get_settings.cache_clear()


def test_every_schema_type_has_a_generated_upsert() -> None:
    from ingest.columns import field_type
    from ingest.querybuilder import node_merge, rel_merge

    for n in NODE_SPECS:
        props = tuple(f for f in n.model.model_fields if f != n.key)
        text = node_merge(n, props)
        assert f"MERGE (n:`{n.label}` {{`{n.key}`: row.`{n.key}`}})" in text
        for p in props:  # dates travel as ISO text and are turned back into dates
            is_date = field_type(n.model.model_fields[p]).kind == "date"
            assert (f"n.`{p}` = date(row.`{p}`)" if is_date else f"n.`{p}` = row.`{p}`") in text
    for r in REL_SPECS:
        text = rel_merge(r, tuple(r.prop_fields), ("x",))
        assert (
            f"[r:`{r.type}`" in text
            and f"MATCH (a:`{r.from_label}`" in text
            and f"MATCH (b:`{r.to_label}`" in text
        )
        assert "ON CREATE SET r.`x` = $defaults.`x`" in text
        for k in r.merge_keys.values():  # optional key fields merge through their derived key
            assert f"`{k}`: row.`{k}`" in text

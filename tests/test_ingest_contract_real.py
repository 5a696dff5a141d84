"""The honest input contract against a real Neo4j: sparse records, unknowns, allegations,
person-level handlers, clue fields, snapshots and the conflict-of-interest query.

Every folder here is written by the test itself, so each expected value can be read off the rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import neo4j
import pytest

from graph.schema import Finding, rel_spec
from graph.settings import Settings
from ingest.job import IngestReport, run_ingest
from queries.registry import get_query

pytestmark = pytest.mark.neo4j


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def ingest(driver: neo4j.Driver, settings: Settings, folder: Path, **kw: Any) -> IngestReport:
    report = run_ingest(driver, settings.neo4j_database, folder, **kw)
    for f in report.files.values():
        assert f.read == f.loaded + f.rejected, f
    return report


def rows(driver: neo4j.Driver, settings: Settings, cypher: str, **params: Any) -> list[dict[str, Any]]:
    recs = driver.execute_query(cypher, params, database_=settings.neo4j_database).records
    return [{k: (v.to_native() if hasattr(v, "to_native") else v) for k, v in r.items()} for r in recs]


def count(driver: neo4j.Driver, settings: Settings, cypher: str, **params: Any) -> int:
    return int(driver.execute_query(cypher, params, database_=settings.neo4j_database).records[0][0])


# ------------------------------------------------------------------------------------- sparse rows


def test_badge_number_alone_and_clue_number_with_date_load_with_zero_rejects(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    """The issue's acceptance check: nothing invented, nothing rejected."""
    write(tmp_path, "officers.csv", "警号\n010001\n")
    write(tmp_path, "clues.csv", "线索编号,受理日期\nXS1,2016/4/1\n")
    report = ingest(db, db_settings, tmp_path)
    assert report.ok and report.rejects == []
    assert {k: (f.read, f.loaded, f.rejected) for k, f in report.files.items()} == {
        "officers": (1, 1, 0),
        "clues": (1, 1, 0),
    }
    officer = rows(
        db,
        db_settings,
        "MATCH (o:Officer) RETURN o.badge_no AS b, o.name AS n, o.rank AS r, "
        "o.birth_year AS y, o.high_risk_post AS h",
    )
    assert officer == [{"b": "010001", "n": None, "r": "未知", "y": None, "h": False}]
    clue = rows(
        db,
        db_settings,
        "MATCH (c:Clue) RETURN c.clue_no AS no, c.received_on AS d, c.source AS s, "
        "c.category AS cat, c.status AS st, c.complainant_type AS ct, c.place AS p",
    )
    assert clue == [
        {
            "no": "XS1",
            "d": dt.date(2016, 4, 1),
            "s": "未知",
            "cat": "未知",
            "st": "未知",
            "ct": "未知",
            "p": None,
        }
    ]


def test_old_officers_and_unknown_values_are_kept_not_invented(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    write(tmp_path, "units.csv", "单位编码,单位名称,单位类型,层级\nU1,某派出所,,\nU2,,其他,未知\n")
    write(
        tmp_path,
        "officers.csv",
        "警号,姓名,出生年份,职级,性别\n"
        "1,,1926,,\n2,张三,1899,科员,男\n3,李四,1940,未知,未知\n4,王五,2016,科员,男\n",
    )
    write(tmp_path, "clues.csv", "线索编号,受理日期,线索来源,问题类别,办理状态\nX1,2015-01-02,其他,其他,\n")
    write(tmp_path, "cases.csv", "案件编号,立案日期\nK1,2015-06-01\n")
    write(tmp_path, "cases_bad.csv", "x\n")  # an unknown file: ignored, not an error
    report = ingest(db, db_settings, tmp_path)
    assert {(r.file, r.line, r.field) for r in report.rejects} == {
        ("officers.csv", 3, "出生年份"),
        ("officers.csv", 5, "出生年份"),
    }
    assert report.ignored == ["cases_bad.csv"]
    got = {
        r["b"]: (r["n"], r["y"], r["r"], r["g"])
        for r in rows(
            db,
            db_settings,
            "MATCH (o:Officer) RETURN o.badge_no AS b, o.name AS n, o.birth_year AS y, o.rank AS r, "
            "o.gender AS g",
        )
    }
    assert got == {"1": (None, 1926, "未知", None), "3": ("李四", 1940, "未知", "未知")}
    units = {
        r["c"]: (r["n"], r["k"], r["l"])
        for r in rows(
            db, db_settings, "MATCH (u:Unit) RETURN u.code AS c, u.name AS n, u.kind AS k, u.level AS l"
        )
    }
    assert units == {"U1": ("某派出所", "未知", "未知"), "U2": (None, "其他", "未知")}
    assert rows(db, db_settings, "MATCH (c:Clue) RETURN c.source AS s, c.category AS c, c.status AS st") == [
        {"s": "其他", "c": "其他", "st": "未知"}
    ]
    assert rows(db, db_settings, "MATCH (c:Case) RETURN c.violation_type AS v, c.status AS s") == [
        {"v": "未知", "s": "未知"}
    ]


def test_postings_without_start_date_are_kept_and_reruns_do_not_duplicate(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    write(tmp_path, "units.csv", "单位编码\nU1\nU2\n")
    write(tmp_path, "officers.csv", "警号\n1\n2\n")
    write(
        tmp_path,
        "postings.csv",
        "警号,单位编码,任职日期,离任日期\n"
        "1,U1,,2012-12-31\n"  # start unknown, ended
        "1,U1,2015-03-01,\n"  # the same unit again, start known
        "2,U2,,\n"  # start unknown, still in post
        "2,U2,,\n",
    )  # a duplicate row of the unknown start
    write(tmp_path, "unit_heads.csv", "警号,单位编码,开始日期\n2,U2,\n")
    first = ingest(db, db_settings, tmp_path)
    assert first.rejects == [] and first.files["postings"].duplicates == 1
    query = (
        "MATCH (o:Officer)-[s:SERVES_IN]->(u:Unit) RETURN o.badge_no AS b, u.code AS u, s.start_date AS s, "
        "s.start_key AS k, s.end_date AS e ORDER BY b, k"
    )
    expected = [
        {"b": "1", "u": "U1", "s": None, "k": "", "e": dt.date(2012, 12, 31)},
        {"b": "1", "u": "U1", "s": dt.date(2015, 3, 1), "k": "2015-03-01", "e": None},
        {"b": "2", "u": "U2", "s": None, "k": "", "e": None},
    ]
    assert rows(db, db_settings, query) == expected
    ingest(db, db_settings, tmp_path, batch_size=1)
    assert rows(db, db_settings, query) == expected
    assert count(db, db_settings, "MATCH ()-[h:HEADS]->() WHERE h.start_date IS NULL RETURN count(h)") == 1


# ------------------------------------------------------------------------------- allegation level


def _people(folder: Path) -> None:
    write(folder, "units.csv", "单位编码,单位名称\nU1,一所\nU2,二所\nS1,纪委\n")
    write(folder, "officers.csv", "警号,姓名\nA1,甲\nA2,乙\nH1,办一\nH2,办二\nH3,办三\n")


def test_one_officer_several_allegations_with_findings_and_dispositions(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    _people(tmp_path)
    write(
        tmp_path,
        "clues.csv",
        "线索编号,受理日期,发生日期,发生地点,发生区县,反映人类别\n"
        'C1,2020-05-01,2020年4月20日,"人民路12号,便利店",城东区,匿名\n'
        "C2,2021-01-01,,,,举报人不详\n",
    )
    write(
        tmp_path,
        "clue_subjects.csv",
        "线索编号,警号,指控类别,指控内容,核查结论,原始结论,处理结果,处理形态\n"
        "C1,A1,廉洁纪律,收受礼金,查实,,诫勉,1\n"
        "C1,A1,工作纪律,执法不规范,Not Sustained,,,\n"
        "C1,A1,,,,,,\n"  # a third, bare link: category and label unknown
        "C1,A2,廉洁纪律,收受礼金,,部分属实,警告,2\n"
        "C1,A2,廉洁纪律,收受礼金,撤销,,,\n",
    )  # the same allegation again: the later row wins
    report = ingest(db, db_settings, tmp_path)
    assert {(r.file, r.line, r.field) for r in report.rejects} == {("clues.csv", 3, "反映人类别")}
    assert report.files["clue_subjects"].duplicates == 1
    query = (
        "MATCH (:Clue {clue_no: 'C1'})-[r:CONCERNS]->(o:Officer) RETURN o.badge_no AS b, "
        "r.allegation_category AS cat, r.allegation AS a, r.allegation_key AS k, r.finding AS f, "
        "r.finding_raw AS raw, r.disposition AS d, r.disposition_form AS form ORDER BY b, cat, k"
    )
    expected = [
        {
            "b": "A1",
            "cat": "工作纪律",
            "a": "执法不规范",
            "k": "执法不规范",
            "f": "查无实据",
            "raw": "Not Sustained",
            "d": None,
            "form": None,
        },
        {
            "b": "A1",
            "cat": "廉洁纪律",
            "a": "收受礼金",
            "k": "收受礼金",
            "f": "查实",
            "raw": None,
            "d": "诫勉",
            "form": "第一种形态",
        },
        {"b": "A1", "cat": "未知", "a": None, "k": "", "f": "未知", "raw": None, "d": None, "form": None},
        {
            "b": "A2",
            "cat": "廉洁纪律",
            "a": "收受礼金",
            "k": "收受礼金",
            "f": "其他",
            "raw": "撤销",
            "d": None,
            "form": None,
        },
    ]
    assert rows(db, db_settings, query) == expected
    ingest(db, db_settings, tmp_path)  # idempotent: allegations are part of the link's key
    assert rows(db, db_settings, query) == expected
    sustained = count(
        db,
        db_settings,
        "MATCH ()-[r:CONCERNS]->() WHERE r.finding IN $s RETURN count(r)",
        s=[Finding.SUSTAINED.value, Finding.PARTLY_SUSTAINED.value],
    )
    assert sustained == 1
    clue = rows(
        db,
        db_settings,
        "MATCH (c:Clue {clue_no: 'C1'}) RETURN c.incident_on AS i, c.place AS p, "
        "c.district AS d, c.complainant_type AS t",
    )
    assert clue == [{"i": dt.date(2020, 4, 20), "p": "人民路12号,便利店", "d": "城东区", "t": "匿名"}]


def test_old_column_names_and_links_written_by_the_earlier_contract(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    """``处理形态``/``处分`` still load (as disposition_form/disposition); links an earlier version
    wrote (no derived keys, old property names) are upgraded and matched, never duplicated."""
    _people(tmp_path)
    write(tmp_path, "cases.csv", "案件编号,立案日期\nK1,2020-06-01\n")
    write(tmp_path, "postings.csv", "警号,单位编码,开始日期\nA1,U1,2019-01-01\n")
    write(
        tmp_path, "case_subjects.csv", "案件编号,警号,涉案角色,处理形态,处分\nK1,A1,主要责任人,二,记过处分\n"
    )
    ingest(db, db_settings, tmp_path)
    database = db_settings.neo4j_database
    # What the earlier contract left behind: the same links without merge keys, old property names.
    db.execute_query(
        "MATCH ()-[r:INVOLVES]->() SET r.form = r.disposition_form, r.sanction = r.disposition "
        "REMOVE r.disposition_form, r.disposition, r.allegation_category, r.allegation_key, r.finding",
        database_=database,
    )
    db.execute_query("MATCH ()-[s:SERVES_IN]->() REMOVE s.start_key", database_=database)
    # ... and its runs, recorded without this version's upgrade fingerprint.
    db.execute_query("MATCH (r:IngestRun) REMOVE r.graph_upgrade", database_=database)
    ingest(db, db_settings, tmp_path)
    assert rows(
        db,
        db_settings,
        "MATCH ()-[r:INVOLVES]->() RETURN r.role AS role, r.disposition_form AS f, "
        "r.disposition AS d, r.form AS old_f, r.sanction AS old_s, r.allegation_category AS c",
    ) == [
        {"role": "主要责任人", "f": "第二种形态", "d": "记过处分", "old_f": None, "old_s": None, "c": "未知"}
    ]
    assert (
        count(db, db_settings, "MATCH ()-[s:SERVES_IN]->() WHERE s.start_key = '2019-01-01' RETURN count(s)")
        == 1
    )
    assert count(db, db_settings, "MATCH ()-[s:SERVES_IN]->() RETURN count(s)") == 1


# -------------------------------------------------------------------- person-level handling


def _conflict_world(folder: Path) -> None:
    """A1 is accused; H1 served in U1 with A1 until 2020 and then moved to U2; H2 always in U2;
    H3's posting in U1 has no start date; A2 handles a clue about himself."""
    _people(folder)
    write(
        folder,
        "postings.csv",
        "警号,单位编码,开始日期,结束日期\n"
        "A1,U1,2015-01-01,\n"
        "A2,U2,2016-01-01,\n"
        "H1,U1,2018-01-01,2020-12-31\n"
        "H1,U2,2021-01-01,\n"
        "H2,U2,2010-01-01,\n"
        "H3,U1,,\n",
    )
    write(folder, "clues.csv", "线索编号,受理日期\nC1,2019-05-01\nC2,2022-01-01\nC3,2022-02-01\n")
    write(folder, "cases.csv", "案件编号,立案日期\nK1,2022-03-01\n")
    write(
        folder,
        "clue_subjects.csv",
        "线索编号,警号,指控类别,指控内容\nC1,A1,廉洁纪律,收礼\nC1,A1,工作纪律,推诿\nC2,A1,,\nC3,A2,,\n",
    )
    write(folder, "case_subjects.csv", "案件编号,警号\nK1,A1\n")
    write(folder, "clue_handlers.csv", "线索编号,承办机构编码\nC1,S1\n")
    write(
        folder,
        "clue_workers.csv",
        "警号,线索编号,办理角色,开始日期\n"
        "H1,C1,承办人,2019-05-02\nH2,C1,核查人,\nH1,C2,承办人,\nA2,C3,核查人,\n"
        "H1,C1,核查人,2019-05-03\n",
    )
    write(folder, "case_workers.csv", "办理人警号,案件编号,办理角色\nH3,K1,审理人\nH2,K1,\n")


def test_handlers_are_loaded_with_their_roles(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    _conflict_world(tmp_path)
    report = ingest(db, db_settings, tmp_path)
    assert report.rejects == []
    got = rows(
        db,
        db_settings,
        "MATCH (o:Officer)-[w:WORKS_ON_CLUE|WORKS_ON_CASE]->(x) RETURN type(w) AS t, "
        "o.badge_no AS b, coalesce(x.clue_no, x.case_no) AS x, w.role AS r, "
        "w.start_date AS s ORDER BY t, b, x, r",
    )
    assert got == [
        {"t": "WORKS_ON_CASE", "b": "H2", "x": "K1", "r": "未知", "s": None},
        {"t": "WORKS_ON_CASE", "b": "H3", "x": "K1", "r": "审理人", "s": None},
        {"t": "WORKS_ON_CLUE", "b": "A2", "x": "C3", "r": "核查人", "s": None},
        {"t": "WORKS_ON_CLUE", "b": "H1", "x": "C1", "r": "承办人", "s": dt.date(2019, 5, 2)},
        {"t": "WORKS_ON_CLUE", "b": "H1", "x": "C1", "r": "核查人", "s": dt.date(2019, 5, 3)},
        {"t": "WORKS_ON_CLUE", "b": "H1", "x": "C2", "r": "承办人", "s": None},
        {"t": "WORKS_ON_CLUE", "b": "H2", "x": "C1", "r": "核查人", "s": None},
    ]
    assert count(db, db_settings, "MATCH (:Clue)-[:HANDLED_BY]->(:Unit) RETURN count(*)") == 1


def test_conflict_of_interest_finds_handlers_from_the_accused_unit_at_the_time(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    _conflict_world(tmp_path)
    ingest(db, db_settings, tmp_path)
    q = get_query("conflict_of_interest")
    result = q.execute(db, db_settings.neo4j_database, {})
    got = [
        (
            r["kind"],
            r["key"],
            r["handler_badge"],
            r["role"],
            r["accused_badge"],
            r["unit_code"],
            r["start_unknown"],
        )
        for r in result.rows
    ]
    # C1 (2019): H1 served in U1 with A1, in two roles; H2 was in U2. C2 (2022): H1 had moved to U2.
    # C3: A2 handles his own clue: not a conflict between two people. K1 (2022): H3's U1 posting has
    # no start date and no end: counted as in post, flagged.
    assert got == [
        ("Case", "K1", "H3", "审理人", "A1", "U1", True),
        ("Clue", "C1", "H1", "承办人", "A1", "U1", False),
        ("Clue", "C1", "H1", "核查人", "A1", "U1", False),
    ]
    assert result.summary["clues"] == ["C1"] and result.summary["cases"] == ["K1"]
    assert result.summary["handlers"] == ["H1", "H3"] and result.summary["start_unknown"] == 1
    assert any("开始日期未知" in n for n in result.notes)
    later = q.execute(
        db, db_settings.neo4j_database, {"date_from": "2020-01-01", "date_to": "2022年12月31日"}
    )
    assert [(r["key"], r["handler_badge"]) for r in later.rows] == [("K1", "H3")]
    assert later.period == {"date_from": "2020-01-01", "date_to": "2022-12-31"}


def test_conflict_of_interest_says_when_there_is_no_handler_data(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    _people(tmp_path)
    write(tmp_path, "clues.csv", "线索编号,受理日期\nC1,2019-05-01\n")
    ingest(db, db_settings, tmp_path)
    result = get_query("conflict_of_interest").execute(db, db_settings.neo4j_database, {})
    assert result.rows == []
    assert any("未导入办理人员数据" in n for n in result.notes) and any(
        "未导入任职数据" in n for n in result.notes
    )


# ------------------------------------------------------------------------------------- snapshots


def test_snapshot_ends_what_the_later_export_no_longer_lists(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    first, later = tmp_path / "first", tmp_path / "later"
    _people(first)
    write(first, "clues.csv", "线索编号,受理日期\nC1,2019-05-01\n")
    write(
        first,
        "postings.csv",
        "警号,单位编码,开始日期\nA1,U1,2015-01-01\nA2,U1,\nH1,U1,2018-01-01\nH2,U2,2030-01-01\n",
    )
    write(first, "clue_subjects.csv", "线索编号,警号\nC1,A1\nC1,A2\n")
    ingest(db, db_settings, first)
    # The later export: A1 moved to U2, A2's posting is gone, H1 unchanged; H2's future posting is gone
    # too (it starts after the export date: never ended before it began). Clue subjects: a partial list.
    write(later, "postings.csv", "警号,单位编码,开始日期\nA1,U2,2024-07-01\nH1,U1,2018-01-01\n")
    write(later, "clue_subjects.csv", "线索编号,警号\nC1,A1\n")
    report = ingest(db, db_settings, later, snapshot=True, as_of=dt.date(2024, 7, 15))
    assert report.files["postings"].ended == 2 and report.totals["ended"] == 2
    assert report.files["clue_subjects"].ended == 0 and "快照不结束" in (
        report.files["clue_subjects"].snapshot_note or ""
    )
    query = (
        "MATCH (o:Officer)-[s:SERVES_IN]->(u:Unit) RETURN o.badge_no AS b, u.code AS u, s.start_date AS s, "
        "s.end_date AS e, s.ended_by_run IS NOT NULL AS ended ORDER BY b, u"
    )
    expected = [
        {"b": "A1", "u": "U1", "s": dt.date(2015, 1, 1), "e": dt.date(2024, 7, 15), "ended": True},
        {"b": "A1", "u": "U2", "s": dt.date(2024, 7, 1), "e": None, "ended": False},
        {"b": "A2", "u": "U1", "s": None, "e": dt.date(2024, 7, 15), "ended": True},
        {"b": "H1", "u": "U1", "s": dt.date(2018, 1, 1), "e": None, "ended": False},
        {"b": "H2", "u": "U2", "s": dt.date(2030, 1, 1), "e": None, "ended": False},
    ]
    assert rows(db, db_settings, query) == expected
    assert rows(
        db,
        db_settings,
        "MATCH ()-[s:SERVES_IN {end_date: date('2024-07-15')}]->() RETURN DISTINCT s.ended_by_run AS r",
    ) == [{"r": report.run_id}]
    assert (
        count(db, db_settings, "MATCH ()-[c:CONCERNS]->() RETURN count(c)") == 2
    )  # never ended, never deleted
    assert count(db, db_settings, "MATCH (o:Officer) RETURN count(o)") == 5  # nodes are never removed
    run = rows(
        db,
        db_settings,
        "MATCH (r:IngestRun {run_id: $id}) RETURN r.snapshot AS s, r.as_of AS a, "
        "r.rows_ended AS e, r.files AS f",
        id=report.run_id,
    )[0]
    assert run["s"] is True and run["a"] == dt.date(2024, 7, 15)
    assert dict(zip(run["f"], run["e"], strict=True)) == {"postings": 2, "clue_subjects": 0}
    # Running the same snapshot again ends nothing more and changes nothing.
    again = ingest(db, db_settings, later, snapshot=True, as_of=dt.date(2024, 7, 20))
    assert again.totals["ended"] == 0 and rows(db, db_settings, query) == expected
    # A posting listed again by a later export is open again.
    write(later, "postings.csv", "警号,单位编码,开始日期\nA1,U2,2024-07-01\nH1,U1,2018-01-01\nA2,U1,\n")
    ingest(db, db_settings, later, snapshot=True, as_of=dt.date(2024, 8, 1))
    assert rows(
        db,
        db_settings,
        "MATCH (:Officer {badge_no: 'A2'})-[s:SERVES_IN]->() RETURN s.end_date AS e, s.ended_by_run AS r",
    ) == [{"e": None, "r": None}]


def test_snapshot_is_not_applied_to_a_file_with_invalid_rows(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    first, later = tmp_path / "first", tmp_path / "later"
    _people(first)
    write(first, "postings.csv", "警号,单位编码,开始日期\nA1,U1,2015-01-01\nA2,U1,2016-01-01\n")
    ingest(db, db_settings, first)
    # A2's row is there but unreadable (bad date): ending A2's posting would be a guess.
    write(
        later,
        "postings.csv",
        "警号,单位编码,开始日期\nA1,U1,2015-01-01\nA2,U1,2016-02-30\nZZ,U1,2016-01-01\n",
    )
    report = ingest(db, db_settings, later, snapshot=True, as_of=dt.date(2024, 7, 15))
    fr = report.files["postings"]
    assert (fr.loaded, fr.rejected, fr.ended) == (1, 2, 0) and "未按快照" in (fr.snapshot_note or "")
    assert count(db, db_settings, "MATCH ()-[s:SERVES_IN]->() WHERE s.end_date IS NULL RETURN count(s)") == 2
    # Only a dangling row (an officer that exists nowhere) does not stop the snapshot.
    write(later, "postings.csv", "警号,单位编码,开始日期\nA1,U1,2015-01-01\nZZ,U1,2016-01-01\n")
    report = ingest(db, db_settings, later, snapshot=True, as_of=dt.date(2024, 7, 15))
    assert (report.files["postings"].rejected, report.files["postings"].ended) == (1, 1)


def test_merge_keys_are_declared_for_optional_key_fields() -> None:
    assert rel_spec("SERVES_IN").merge_keys == {"start_date": "start_key"}
    assert rel_spec("CONCERNS").merge_keys == {
        "allegation_category": "allegation_category",
        "allegation": "allegation_key",
    }
    assert rel_spec("INVOLVES").merge_keys == rel_spec("CONCERNS").merge_keys
    assert rel_spec("WORKS_ON_CLUE").merge_keys == {"role": "role"} == rel_spec("WORKS_ON_CASE").merge_keys
    assert rel_spec("SERVES_IN").has_period and not rel_spec("CONCERNS").has_period

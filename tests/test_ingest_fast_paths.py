"""The ingest's fast paths against a real Neo4j: CREATE for keys the run knows are new, MERGE for
the rest, the start-up warm-up, and streamed reading."""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path
from typing import Any

import neo4j
import pytest

from graph.constraints import q
from graph.errors import InputFileError
from graph.schema import NODE_SPECS, REL_SPECS, NodeSpec
from graph.settings import Settings
from ingest import job
from ingest.columns import field_type, input_specs
from ingest.job import _graph_at_start, run_ingest
from ingest.loader import run_write
from ingest.querybuilder import ended_types
from ingest.reader import open_table
from ingest.warmup import warm_up

pytestmark = pytest.mark.neo4j

CLEAN = Path(__file__).parent / "data" / "ingest" / "clean"
UNITS = next(s for s in input_specs() if s.file == "units")


def _count(driver: neo4j.Driver, database: str, cypher: str) -> int:
    return int(driver.execute_query(cypher, database_=database).records[0][0])


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_new_and_known_rows_in_one_run_give_no_duplicates(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    """Run 2 lists the six known units and their five tree edges again, plus unit U09 (new) and
    its edge to U01: the known rows are merged (no second node or edge), the new ones created."""
    database = db_settings.neo4j_database
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(CLEAN / "units.csv", first)
    shutil.copy(CLEAN / "unit_tree.csv", first)
    assert run_ingest(db, database, first).ok
    assert _count(db, database, "MATCH (u:Unit) RETURN count(u)") == 6
    assert _count(db, database, "MATCH ()-[r:PART_OF]->() RETURN count(r)") == 5

    second = tmp_path / "second"
    second.mkdir()
    units = (CLEAN / "units.csv").read_text(encoding="utf-8-sig")
    _write(second / "units.csv", units.rstrip("\n") + "\nU09,新区分局,分局,区县级,新区,,\n")
    tree = (CLEAN / "unit_tree.csv").read_text(encoding="utf-8-sig")
    _write(second / "unit_tree.csv", tree.rstrip("\n") + "\nU09,U01\n")
    report = run_ingest(db, database, second)
    assert report.ok
    assert (report.files["units"].loaded, report.files["unit_tree"].loaded) == (7, 6)
    assert _count(db, database, "MATCH (u:Unit) RETURN count(u)") == 7
    assert _count(db, database, "MATCH ()-[r:PART_OF]->() RETURN count(r)") == 6
    edges = db.execute_query(
        "MATCH (a:Unit)-[r:PART_OF]->(b:Unit) RETURN a.code AS a, b.code AS b, r.changed_run AS c",
        database_=database,
    ).records
    assert sorted((r["a"], r["b"]) for r in edges) == [
        ("U0101", "U01"),
        ("U010101", "U0101"),
        ("U0102", "U01"),
        ("U02", "U01"),
        ("U03", "U01"),
        ("U09", "U01"),
    ]
    # Only the new edge carries the second run as its change stamp: the known ones were unchanged.
    assert sorted(r["a"] for r in edges if r["c"] == report.run_id) == ["U09"]


def test_dates_are_stored_as_dates_and_a_rerun_with_one_writer_changes_nothing(
    db: neo4j.Driver, db_settings: Settings
) -> None:
    """Dates travel as ISO text and the generated Cypher turns them back into dates: every date
    property of every label and type in the graph is a DATE (none stored as text); a rerun with
    one writer instead of three leaves every change stamp and count as it was."""
    database = db_settings.neo4j_database
    first = run_ingest(db, database, CLEAN)
    assert first.ok
    date_props = {
        (
            f"(x:`{spec.spec.label}`)"
            if isinstance(spec.spec, NodeSpec)
            else f"()-[x:`{spec.spec.type}`]->()",
            p,
        )
        for spec in input_specs()
        for p, info in spec.model.model_fields.items()
        if field_type(info).kind == "date"
    }
    seen: list[tuple[str, str, str]] = []
    for pattern, p in sorted(date_props):
        for r in db.execute_query(
            f"MATCH {pattern} WHERE x.`{p}` IS NOT NULL RETURN DISTINCT valueType(x.`{p}`) AS t",
            database_=database,
        ).records:
            seen.append((pattern, p, r["t"]))
    assert seen and all(t == "DATE NOT NULL" for _, _, t in seen), seen
    assert {"(x:`Clue`)", "()-[x:`SERVES_IN`]->()"} <= {
        pattern for pattern, _, _ in seen
    }  # node and relationship

    def state() -> list[tuple[str, int]]:
        rows = db.execute_query(
            "MATCH (n) WHERE NOT n:IngestRun RETURN 'n:' + coalesce(n.changed_run, '') AS k, count(*) AS c "
            "UNION ALL MATCH ()-[r]->() RETURN 'r:' + coalesce(r.changed_run, '') AS k, count(*) AS c",
            database_=database,
        ).records
        return sorted((r["k"], r["c"]) for r in rows)

    before = state()
    again = run_ingest(db, database, CLEAN, writers=1)
    assert again.ok and again.totals == first.totals
    assert state() == before  # no value changed, so no change stamp moved to the second run


def test_warm_up_leaves_the_graph_as_it_was(db: neo4j.Driver, db_settings: Settings) -> None:
    database = db_settings.neo4j_database
    assert run_ingest(db, database, CLEAN).ok

    def snapshot() -> tuple[int, int, int]:
        return (
            _count(db, database, "MATCH (n) RETURN count(n)"),
            _count(db, database, "MATCH ()-[r]->() RETURN count(r)"),
            _count(db, database, "MATCH (n) WHERE n.ingest_run STARTS WITH '\u2063' RETURN count(n)"),
        )

    before = snapshot()
    assert before[2] == 0 and before[0] > 0
    assert warm_up(db, database) > 0
    assert snapshot() == before


def test_streamed_file_fails_at_a_broken_row_far_down(tmp_path: Path) -> None:
    """The rows stream lazily: the header reads fine, the broken quoting on line 3,002 raises
    only when reached (and the job then writes nothing of the file)."""
    lines = ["单位编码,单位名称,单位类型,层级,所属区县,警种,监督职能"]
    lines += [f"U{i:05d},单位{i},派出所,基层,东城区,派出所," for i in range(3000)]
    lines.append('U99999,"未闭合的引号,派出所,基层,东城区,派出所,')
    path = tmp_path / "units.csv"
    _write(path, "\n".join(lines) + "\n")
    table, rows = open_table(path, UNITS)
    assert table.encoding == "UTF-8" and table.fields[0] == "code"
    seen = 0
    with pytest.raises(InputFileError, match="3002"):
        for _ in rows:
            seen += 1
    assert seen == 3000


def _index_stats(driver: neo4j.Driver, database: str, label: str, prop: str) -> dict[str, int]:
    records, _, _ = driver.execute_query(
        "CALL db.stats.retrieve('GRAPH COUNTS') YIELD data RETURN data.indexes AS ix", database_=database
    )
    (ix,) = [i for i in records[0]["ix"] if i.get("labels") == [label] and i.get("properties") == [prop]]
    return {k: int(ix[k]) for k in ("totalSize", "estimatedUniqueSize", "updatesSinceEstimation")}


def test_a_load_that_creates_entities_leaves_fresh_index_statistics(
    db: neo4j.Driver, db_settings: Settings
) -> None:
    """Right after a load that created entities, the index samples describe the loaded graph
    (no update since the estimate), so the next query is planned on it: here after the graph
    was loaded, emptied and loaded again (the samples of the first load are stale by then)."""
    database = db_settings.neo4j_database
    assert run_ingest(db, database, CLEAN).ok
    db.execute_query("MATCH (n) DETACH DELETE n", database_=database)
    assert run_ingest(db, database, CLEAN).ok
    officers = _count(db, database, "MATCH (o:Officer) RETURN count(o)")
    assert officers > 0
    stats = _index_stats(db, database, "Officer", "badge_no")
    assert stats == {"totalSize": officers, "estimatedUniqueSize": officers, "updatesSinceEstimation": 0}


def _plan_operators(plan: dict[str, Any]) -> list[str]:
    """Operator names of a plan as the driver's summary gives it (nested dicts)."""
    out = [plan["operatorType"]]
    for child in plan.get("children", []):
        out += _plan_operators(child)
    return out


def test_a_run_reads_node_counts_and_ended_types_once(db: neo4j.Driver, db_settings: Settings) -> None:
    """What a run reads before its first file, each in one statement: the node count of every
    input label (from the count store), and which relationship types have relationships a
    snapshot ended (through the index on ``ended_by_run``, not a scan of the type)."""
    database = db_settings.neo4j_database
    assert run_ingest(db, database, CLEAN).ok
    at_start = _graph_at_start(db, database)
    for spec in NODE_SPECS:
        assert at_start.node_counts[spec.label] == _count(
            db, database, f"MATCH (n:{q(spec.label)}) RETURN count(n)"
        ), spec.label
    assert at_start.node_counts["Rectification"] == 0 and at_start.node_counts["Officer"] > 0
    assert at_start.ended_types == frozenset()

    db.execute_query(
        "MATCH ()-[s:SERVES_IN]->() WITH s LIMIT 1 SET s.ended_by_run = 'r0', s.end_date = date('2024-01-01')",
        database_=database,
    )
    assert _graph_at_start(db, database).ended_types == {"SERVES_IN"}

    periods = tuple(s for s in REL_SPECS if s.has_period)
    summary = db.execute_query(
        "EXPLAIN " + ended_types(periods), {"types": [s.type for s in periods]}, database_=database
    ).summary
    assert summary.plan is not None
    operators = _plan_operators(summary.plan)
    assert not any("AllRelationshipsScan" in o or "RelationshipTypeScan" in o for o in operators), operators
    assert sum("RelationshipIndexScan" in o for o in operators) == len(periods), operators


def test_the_upgrade_of_earlier_links_runs_once_per_version(
    db: neo4j.Driver, db_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upgrade statements run only when there is something an earlier version may have
    written: not into an empty graph, not after a completed run of this version (it records
    ``UPGRADE_FINGERPRINT``); runs recorded without it (an earlier version's) make the next run
    upgrade again."""
    database = db_settings.neo4j_database
    calls: list[int] = []
    real = job.upgrade_statements

    def counted(specs: Any) -> Any:
        calls.append(1)
        return real(specs)

    monkeypatch.setattr(job, "upgrade_statements", counted)
    assert run_ingest(db, database, CLEAN).ok  # an empty graph
    assert run_ingest(db, database, CLEAN).ok  # after a completed run of this version
    assert calls == []
    recorded = db.execute_query(
        "MATCH (r:IngestRun) RETURN collect(DISTINCT r.graph_upgrade) AS g", database_=database
    ).records[0]["g"]
    assert recorded == [job.UPGRADE_FINGERPRINT]

    db.execute_query("MATCH (r:IngestRun) REMOVE r.graph_upgrade", database_=database)
    assert run_ingest(db, database, CLEAN).ok
    assert len(calls) == 1


def test_a_write_that_loses_a_deadlock_is_retried(
    db: neo4j.Driver, db_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Two writes lock the same two nodes in opposite orders, with work in between, so Neo4j
    detects a deadlock and rolls one back; ``run_write`` retries that one and both land."""
    database = db_settings.neo4j_database
    db.execute_query("CREATE (:Unit {code: 'DL-A', n: 0}), (:Unit {code: 'DL-B', n: 0})", database_=database)
    query = (
        "MATCH (x:Unit {code: $first}) SET x.n = x.n + 1 "
        "WITH x UNWIND range(1, 2000000) AS i WITH x, count(i) AS busy "
        "MATCH (y:Unit {code: $second}) SET y.n = y.n + 1 RETURN busy"
    )
    start = threading.Barrier(2)
    results: list[Any] = []

    def write(first: str, second: str) -> None:
        start.wait()
        try:
            results.append(run_write(db, database, query, {"first": first, "second": second}))
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            results.append(e)

    with caplog.at_level(logging.INFO, logger="ingest.loader"):
        threads = [threading.Thread(target=write, args=p) for p in (("DL-A", "DL-B"), ("DL-B", "DL-A"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert all(isinstance(r, list) for r in results) and len(results) == 2, results
    counts = db.execute_query(
        "MATCH (u:Unit) WHERE u.code STARTS WITH 'DL-' RETURN u.code AS c, u.n AS n ORDER BY c",
        database_=database,
    ).records
    assert [(r["c"], r["n"]) for r in counts] == [("DL-A", 2), ("DL-B", 2)]
    retries = [r for r in caplog.records if r.name == "ingest.loader" and "retried" in r.getMessage()]
    assert retries, "no deadlock happened: the two writes did not overlap"

"""Every read is routed to readers (docs/scale.md): in a cluster, ``READ`` sends it to a
secondary; on one server it runs in a read-only transaction. The scan lists every driver call in
the packages that does not say ``READ``; each must be a write and is named here with its reason,
so a new read without routing fails this test."""

from __future__ import annotations

import ast
from pathlib import Path

import neo4j
import pytest
from neo4j.exceptions import ClientError

from graph.db import READ, SyncAutoCommitReads, read
from graph.settings import REPO_ROOT, Settings

PACKAGES = ("api", "graph", "ingest", "queries", "viz")

WRITES = {
    "api/audit.py:_write": "appends access records",
    "api/auth.py:execute_query": "driver wrapper: passes the caller's routing_ on (execute_read for READ)",
    "api/tokens.py:create_token": "creates a token",
    "api/tokens.py:revoke_token": "revokes a token and its sessions",
    "api/tokens.py:create_session": "creates a session",
    "api/tokens.py:end_session": "ends a session",
    "graph/access.py:write_access": "appends an access record",
    "graph/backup.py:_flush_nodes": "restore: creates nodes",
    "graph/backup.py:_flush_rels": "restore: creates relationships",
    "graph/backup.py:wipe": "deletes everything",
    "graph/backup.py:restore": "restore: schema, temporary index",
    "graph/constraints.py:apply_schema": "creates constraints and indexes",
    "graph/constraints.py:refresh_statistics": "resamples the indexes and clears the plan cache where the load went",
    "graph/orders/snapshot.py:snapshot_cluster": "stores a cluster snapshot",
    "graph/orders/store.py:create_order": "execute_write",
    "graph/orders/store.py:act": "execute_write",
    "graph/orders/store.py:create_consultation": "execute_write",
    "graph/testing.py:wipe": "deletes everything (tests)",
    "graph/testing.py:load_graph": "loads a hand-built graph (tests)",
    "ingest/job.py:mark_dead_runs_interrupted": "marks runs interrupted",
    "ingest/job.py:_upgrade_graph": "upgrades the stored graph",
    "ingest/job.py:_snapshot": "ends relationships missing from a snapshot",
    "ingest/job.py:_record_run": "stores the IngestRun node",
    "ingest/warmup.py:warm_up": "every ingest write, in transactions rolled back",
}


def unrouted_calls(root: Path = REPO_ROOT, packages: tuple[str, ...] = PACKAGES) -> set[str]:
    """``file:function`` of every ``execute_query`` without ``routing_`` and every ``session``
    without ``default_access_mode`` in the packages."""
    found: set[str] = set()
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for fn in ast.walk(tree):
                if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for call in ast.walk(fn):
                    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                        continue
                    needed = {"execute_query": "routing_", "session": "default_access_mode"}.get(
                        call.func.attr
                    )
                    if needed and needed not in {k.arg for k in call.keywords}:
                        found.add(f"{rel}:{fn.name}")
    return found


def test_every_unrouted_driver_call_is_a_listed_write() -> None:
    found = unrouted_calls()
    assert found - set(WRITES) == set(), "reads must pass routing_=READ (graph.db.read)"
    assert set(WRITES) - found == set(), "listed writes that no longer exist: remove them"


def test_scan_finds_calls_without_routing(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(
        "import neo4j\n"
        "def plain(d):\n    d.execute_query('MATCH (n) RETURN n', database_='x')\n"
        "def routed(d):\n    d.execute_query('MATCH (n) RETURN n', database_='x', routing_='r')\n"
        "def sess(d):\n    with d.session(database='x') as s:\n        s.run('RETURN 1')\n"
        "def read_sess(d):\n    with d.session(database='x', default_access_mode=neo4j.READ_ACCESS) as s:\n"
        "        s.run('RETURN 1')\n",
        encoding="utf-8",
    )
    assert unrouted_calls(tmp_path, ("pkg",)) == {"pkg/m.py:plain", "pkg/m.py:sess"}


@pytest.mark.neo4j
def test_read_runs_read_only(db: neo4j.Driver, db_settings: Settings) -> None:
    database = db_settings.neo4j_database
    db.execute_query("CREATE (:Unit {code: 'R1', name: '读'})", database_=database)
    assert [
        r["name"] for r in read(db, database, "MATCH (u:Unit {code: $c}) RETURN u.name AS name", c="R1")
    ] == ["读"]
    with pytest.raises(ClientError):
        read(db, database, "CREATE (:Unit {code: 'R2'})")
    assert read(db, database, "MATCH (u:Unit) RETURN count(u) AS n")[0]["n"] == 1


@pytest.mark.neo4j
def test_auto_commit_reads_are_read_only_and_writes_pass_through(
    db: neo4j.Driver, db_settings: Settings
) -> None:
    """``SyncAutoCommitReads`` (the query route's driver): a READ-routed call runs as an
    auto-commit read (a write in it fails), any other call is the driver's own."""
    database = db_settings.neo4j_database
    reads = SyncAutoCommitReads(db)
    reads.execute_query("CREATE (:Unit {code: 'A1', name: '甲'})", database_=database)
    result = reads.execute_query(
        "MATCH (u:Unit {code: $c}) RETURN u.name AS name", {"c": "A1"}, database_=database, routing_=READ
    )
    assert [r["name"] for r in result.records] == ["甲"]
    with pytest.raises(ClientError):
        reads.execute_query("CREATE (:Unit {code: 'A2'})", database_=database, routing_=READ)
    counted = reads.execute_query("MATCH (u:Unit) RETURN count(u) AS n", database_=database, routing_=READ)
    assert counted.records[0]["n"] == 1

"""Rows 7 and 9 of the security review, on the command line: ``kg export`` and ``kg viz`` write
personal data to files, so they need ``--purpose``, leave an access record (OS user, command,
purpose, every personal entity written) and write the file owner-only; ``kg token create
--expires`` gives a token that stops working."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import stat
import subprocess
import sys
from pathlib import Path

import neo4j
import pytest

from api.tokens import TokenCache, create_token
from graph.settings import Settings
from tests.test_api import build_graph

pytestmark = pytest.mark.neo4j

REPO = Path(__file__).resolve().parents[1]


def kg(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NEO4J_URI": settings.neo4j_uri or "",
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_password or "",
        "NEO4J_DATABASE": settings.neo4j_database,
    }
    return subprocess.run(
        [sys.executable, "-m", "kg", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def records(db: neo4j.Driver, database: str, endpoint: str) -> list[dict]:
    return [
        dict(r["a"])
        for r in db.execute_query(
            "MATCH (a:AccessRecord {endpoint: $e}) RETURN a ORDER BY a.at", e=endpoint, database_=database
        ).records
    ]


def test_export_and_viz_need_a_purpose_leave_a_record_and_write_0600(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    database = db_settings.neo4j_database
    build_graph(db, database)
    out = tmp_path / "city.graphml"
    for bad in ([], ["--purpose", "."]):
        r = kg(db_settings, "export", "-o", str(out), *bad)
        assert r.returncode == 2 and "调阅事由" in r.stderr and "Traceback" not in r.stderr, (bad, r.stderr)
    assert not out.exists() and records(db, database, "kg export") == []

    r = kg(db_settings, "export", "-o", str(out), "--purpose", "全库导出备查")
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    (rec,) = records(db, database, "kg export")
    assert rec["name"] == getpass.getuser() and rec["role"] == "local" and rec["purpose"] == "全库导出备查"
    assert "export" in rec["path"] and rec["method"] == "CLI"
    # Every officer, clue and case written to the file (ID numbers and phones included).
    assert set(rec["entity_ids"]) == {
        "Officer:010001",
        "Officer:010002",
        "Clue:C1",
        "Clue:C2",
        "Clue:C3",
        "Case:K1",
    }

    page = tmp_path / "unit.html"
    page.write_text("old")
    page.chmod(0o644)
    assert kg(db_settings, "viz", "officer_ego", "-p", "badge_no=010001", "-o", str(page)).returncode == 2
    r = kg(
        db_settings,
        "viz",
        "officer_ego",
        "-p",
        "badge_no=010001",
        "-o",
        str(page),
        "--purpose",
        "民警情况汇报",
    )
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(page.stat().st_mode) == 0o600 and "010001" in page.read_text(encoding="utf-8")
    (rec,) = records(db, database, "kg viz")
    assert rec["purpose"] == "民警情况汇报" and {"Officer:010001", "Clue:C1", "Case:K1"} <= set(
        rec["entity_ids"]
    )


def test_token_expiry(db: neo4j.Driver, db_settings: Settings) -> None:
    database = db_settings.neo4j_database
    r = kg(db_settings, "token", "create", "--role", "纪检", "--name", "限期", "--expires", "90d")
    assert r.returncode == 0, r.stderr
    secret = r.stdout.strip().splitlines()[-1]
    expires = (
        db.execute_query("MATCH (t:ApiToken {name: '限期'}) RETURN t.expires_at AS e", database_=database)
        .records[0]["e"]
        .to_native()
    )
    assert abs((expires - dt.datetime.now(dt.UTC)) - dt.timedelta(days=90)) < dt.timedelta(minutes=5)
    cache = TokenCache()
    assert cache.resolve(db, database, secret, 5.0) is not None
    assert (
        kg(db_settings, "token", "create", "--role", "纪检", "--name", "x", "--expires", "soon").returncode
        == 2
    )
    # An expired token fails on the next request.
    info, old = create_token(db, database, "纪检", "过期", expires=dt.timedelta(minutes=1))
    db.execute_query(
        "MATCH (t:ApiToken {token_id: $id}) SET t.expires_at = datetime() - duration('PT1S')",
        id=info.token_id,
        database_=database,
    )
    assert cache.resolve(db, database, old, 5.0) is None

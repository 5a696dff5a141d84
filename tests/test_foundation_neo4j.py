"""The real Neo4j: constraints, idempotent schema, start/stop/status, clear connection errors."""

from __future__ import annotations

import os
import subprocess
import sys

import neo4j
import pytest
from neo4j.exceptions import ConstraintError

from graph.constraints import apply_schema, existing_schema, schema_statements
from graph.db import open_driver
from graph.errors import Neo4jUnavailable, ServerStartError
from graph.server import EmbeddedServer
from graph.settings import REPO_ROOT, Settings
from graph.testing import free_port, start_test_server


def _kg(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``kg ARGS`` as a user runs it, in this repository, with ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "kg", *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True
    )


def test_schema_apply_is_idempotent_and_constraints_exist(db: neo4j.Driver, db_settings: Settings) -> None:
    assert apply_schema(db, db_settings.neo4j_database) == []
    names = existing_schema(db, db_settings.neo4j_database)
    assert {s.name for s in schema_statements()} <= names


def test_unique_constraint_rejects_a_duplicate_key(db: neo4j.Driver, db_settings: Settings) -> None:
    db.execute_query(
        "CREATE (:Officer {badge_no: '010001', name: '张三'})", database_=db_settings.neo4j_database
    )
    with pytest.raises(ConstraintError):
        db.execute_query(
            "CREATE (:Officer {badge_no: '010001', name: '李四'})", database_=db_settings.neo4j_database
        )


def test_server_agent_is_neo4j_5_26(db: neo4j.Driver) -> None:
    assert db.get_server_info().agent.startswith("Neo4j/5.26")


def test_wrong_uri_gives_a_clear_error_not_a_traceback() -> None:
    bad = Settings(neo4j_uri=f"bolt://127.0.0.1:{free_port()}", neo4j_password="x")
    with pytest.raises(Neo4jUnavailable, match="无法连接 Neo4j"):
        open_driver(bad)
    env = {**os.environ, "NEO4J_URI": bad.neo4j_uri or "", "NEO4J_PASSWORD": "x"}
    out = _kg("schema", "apply", env=env)
    assert out.returncode == 2
    assert "无法连接 Neo4j" in out.stderr and "Traceback" not in out.stderr


def test_malformed_uri_gives_a_clear_error() -> None:
    with pytest.raises(Neo4jUnavailable, match="NEO4J_URI"):
        open_driver(Settings(neo4j_uri="http//nonsense", neo4j_password="x"))


@pytest.mark.neo4j  # starts a server of its own
def test_start_stop_status_and_store_survives_a_restart(tmp_path) -> None:
    server = start_test_server(tmp_path / "neo4j")
    try:
        status = server.status()
        assert status.running and status.pid and (status.server_agent or "").startswith("Neo4j/5.26")
        assert server.start() is False  # already running: no-op
        # The same home asked for on another port: its launcher holds the store, so say where it
        # runs at once (the wait for the other port would only time out).
        other = free_port()
        with pytest.raises(ServerStartError) as refused:
            EmbeddedServer(server.home, other).start()
        assert f"KG_NEO4J_PORT={server.port}" in str(refused.value) and str(other) in str(refused.value)
        env = {**os.environ, "KG_VAR_DIR": str(server.home.parent), "KG_NEO4J_PORT": str(other)}
        env.pop("NEO4J_URI", None)
        st = _kg("db", "status", env=env)
        assert st.returncode == 1 and f"KG_NEO4J_PORT={server.port}" in st.stdout.replace("\n", "")
        with neo4j.GraphDatabase.driver(server.uri, auth=server.auth()) as drv:
            drv.execute_query("CREATE (:Unit {code: 'U1', name: '测试单位'})")
        assert server.stop() is True
        assert not server.status().running
        assert server.stop() is False
        assert server.start() is True
        with neo4j.GraphDatabase.driver(server.uri, auth=server.auth()) as drv:
            rec = drv.execute_query("MATCH (u:Unit {code: 'U1'}) RETURN u.name AS name").records
        assert [r["name"] for r in rec] == ["测试单位"]
        # The default password never works: authentication stays on with the generated one.
        with (
            neo4j.GraphDatabase.driver(server.uri, auth=("neo4j", "neo4j")) as drv,
            pytest.raises(neo4j.exceptions.AuthError),
        ):
            drv.verify_connectivity()
    finally:
        server.stop()


def test_cli_status_and_env_tell_the_truth(tmp_path) -> None:
    home = tmp_path / "var"
    env = {**os.environ, "KG_VAR_DIR": str(home), "KG_NEO4J_PORT": str(free_port())}
    env.pop("NEO4J_URI", None)
    down = _kg("db", "status", env=env)
    assert down.returncode == 1 and "未运行" in down.stdout
    out = _kg("db", "env", env=env)
    lines = out.stdout.splitlines()
    assert lines[0] == f"export NEO4J_URI=bolt://127.0.0.1:{env['KG_NEO4J_PORT']}"
    assert lines[2].startswith("export NEO4J_PASSWORD=") and len(lines[2]) > 30

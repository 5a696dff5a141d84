"""Failure paths of ``kg ingest`` with a real embedded Neo4j, driven as a user would from a shell:
a store created by mistake is announced, Neo4j killed mid-ingest gives a bilingual message and
exit 2 (no traceback), the run is then marked ``interrupted`` and a rerun completes the load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import neo4j
import pytest

from graph.db import NEW_STORE_MARK, store_is_new
from graph.server import EmbeddedServer
from graph.settings import REPO_ROOT, Settings
from graph.testing import free_port

pytestmark = pytest.mark.neo4j

OFFICERS = 12_000


def _kg(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg", *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _big_folder(folder: Path) -> None:
    folder.mkdir()
    (folder / "units.csv").write_text("单位编码\nU1\n", encoding="utf-8")
    (folder / "officers.csv").write_text(
        "警号\n" + "".join(f"{n:06d}\n" for n in range(OFFICERS)), encoding="utf-8"
    )
    (folder / "postings.csv").write_text(
        "警号,单位编码\n" + "".join(f"{n:06d},U1\n" for n in range(OFFICERS)), encoding="utf-8"
    )


def test_new_store_notice_kill_mid_ingest_interrupted_run_and_resume(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {
        **os.environ,
        "KG_VAR_DIR": str(var),
        "KG_NEO4J_PORT": str(free_port()),
        "KG_NEO4J_HEAP": os.environ.get("KG_TEST_HEAP", "512m"),
        "KG_NEO4J_PAGECACHE": os.environ.get("KG_TEST_PAGECACHE", "128m"),
    }
    env.pop("NEO4J_URI", None)
    settings = Settings(kg_var_dir=var, kg_neo4j_port=int(env["KG_NEO4J_PORT"]), _env_file=None)  # type: ignore[call-arg]
    server = EmbeddedServer.from_settings(settings)
    try:
        # 1. A store that did not exist is created, and the command says so in one stderr line.
        first = _kg(env, "db", "start")
        assert first.returncode == 0, first.stderr
        notice = [ln for ln in first.stderr.splitlines() if "数据库为空" in ln]
        assert len(notice) == 1 and f"KG_VAR_DIR={var}" in notice[0] and "NEO4J_URI" in notice[0]
        assert store_is_new(settings) and (server.home / NEW_STORE_MARK).exists()
        assert "数据库为空" not in _kg(env, "db", "start").stderr  # the second start finds it

        # 2. Neo4j dies while the ingest writes.
        big = tmp_path / "big"
        _big_folder(big)
        proc = subprocess.Popen(
            [sys.executable, "-m", "kg", "ingest", str(big), "--quiet", "--batch-size", "50"],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with neo4j.GraphDatabase.driver(server.uri, auth=server.auth()) as drv:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                n = drv.execute_query("MATCH (o:Officer) RETURN count(o) AS n").records[0]["n"]
                if n > 0:
                    break
                time.sleep(0.05)
            assert 0 < n < OFFICERS, n
            run_id = drv.execute_query("MATCH (r:IngestRun) RETURN r.run_id AS id, r.status AS s").records
        assert [r["s"] for r in run_id] == ["running"]
        pid = server.pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 2, err
        assert "Traceback" not in err
        assert "导入中断" in err or "Neo4j" in err
        assert "kg ingest" in err and "idempotent" in err and "幂等" in err

        # 3. Back up: the next run marks the dead one interrupted, then the rerun completes the load.
        restart = _kg(env, "db", "start")
        assert restart.returncode == 0 and "数据库为空" not in restart.stderr
        again = _kg(env, "ingest", str(big), "--quiet")
        assert again.returncode == 0, again.stderr
        with neo4j.GraphDatabase.driver(server.uri, auth=server.auth()) as drv:
            runs = {
                r["id"]: r["s"]
                for r in drv.execute_query("MATCH (r:IngestRun) RETURN r.run_id AS id, r.status AS s").records
            }
            assert runs[run_id[0]["id"]] == "interrupted"
            assert sorted(runs.values()) == ["completed", "interrupted"]
            counts = drv.execute_query(
                "MATCH (o:Officer) WITH count(o) AS o MATCH ()-[s:SERVES_IN]->() RETURN o, count(s) AS s"
            ).records[0]
            assert (counts["o"], counts["s"]) == (OFFICERS, OFFICERS)
        assert not store_is_new(settings)  # loaded since: no longer the empty store just created
    finally:
        _kg(env, "db", "stop")


def test_cli_failures_are_bilingual_with_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "NEO4J_URI": f"bolt://127.0.0.1:{free_port()}", "NEO4J_PASSWORD": "x"}
    (tmp_path / "in").mkdir()
    cases = [
        (["ingest", str(tmp_path / "nope")], "输入目录不存在"),
        (["ingest", str(tmp_path / "in"), "--as-of", "2024-01-01"], "--snapshot"),
        (["ingest", str(tmp_path / "in"), "--snapshot", "--as-of", "去年"], "日期"),
        (["ingest", str(tmp_path / "in")], "无法连接 Neo4j"),
    ]
    for args, words in cases:
        out = _kg(env, *args, timeout=60)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert words in out.stderr and "Traceback" not in out.stderr + out.stdout, (args, out.stderr)

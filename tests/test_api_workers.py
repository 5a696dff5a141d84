"""``kg serve --workers N`` is one server: an alias of a masked officer issued by one worker opens
on every other (the workers share the alias key), and server-wide limits are split among them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import neo4j
import pytest

from api.app import create_app
from api.limits import EXPENSIVE_CONCURRENCY, FAILURE_LIMIT
from api.security import PSEUDONYM_KEY_ENV, _alias_cipher, get_role, new_pseudonym_key, pseudonym, resolve_key
from api.serving import served_process
from api.tokens import create_token
from graph.errors import NotFound
from graph.settings import REPO_ROOT, Settings
from ingest.job import run_ingest

UNITS = "单位编码,单位名称,单位类型,层级\nU1,江州市公安局,市公安局,市级\nU2,城东分局南街派出所,派出所,基层\n"
OFFICERS = "警号,姓名,职级\n010001,张伟,科员\n010002,李娜,科级\n"
POSTINGS = "警号,单位编码,开始日期\n010001,U2,2020-01-01\n010002,U2,2021-05-01\n"


@pytest.fixture
def alias_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fixed alias key for this test; the process's own key again afterwards."""
    key = new_pseudonym_key()
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, key)
    _alias_cipher.cache_clear()
    yield key
    monkeypatch.delenv(PSEUDONYM_KEY_ENV)
    _alias_cipher.cache_clear()


def alias_in_another_process(key: str, label: str, value: str) -> str:
    code = f"from api.security import pseudonym; print(pseudonym({label!r}, {value!r}))"
    env = {**os.environ, PSEUDONYM_KEY_ENV: key}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_an_alias_opens_in_every_process_holding_the_key_and_nowhere_else(alias_key: str) -> None:
    leader = get_role("leader")
    alias = alias_in_another_process(alias_key, "Officer", "010002")
    assert alias.startswith("~") and "010002" not in alias
    assert alias == pseudonym("Officer", "010002")  # deterministic: one officer, one alias
    assert resolve_key(leader, "Officer", alias) == "010002"
    assert pseudonym("Officer", "010001") != alias
    middle = len(alias) // 2
    tampered = alias[:middle] + ("a" if alias[middle] != "a" else "b") + alias[middle + 1 :]
    for bad in (tampered, "010002", "~", "~" + "a" * 40, alias.upper(), alias + "=", alias[:-1]):
        with pytest.raises(NotFound):
            resolve_key(leader, "Officer", bad)
    other = alias_in_another_process(new_pseudonym_key(), "Officer", "010002")
    with pytest.raises(NotFound):  # made with another server's key
        resolve_key(leader, "Officer", other)


@pytest.mark.neo4j
def test_two_workers_answer_one_leaders_alias_alike(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    for name, text in (("units", UNITS), ("officers", OFFICERS), ("postings", POSTINGS)):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    report = run_ingest(db, db_settings.neo4j_database, folder)
    assert report.totals["rejected"] == 0 and not report.errors
    _, secret = create_token(db, db_settings.neo4j_database, "leader", "两个进程")
    headers = {"Authorization": f"Bearer {secret}"}
    with served_process(db_settings, workers=2, var_dir=tmp_path / "var") as base:
        unit = httpx.get(f"{base}/entities/Unit/U2/neighbors", headers=headers, timeout=30)
        assert unit.status_code == 200, unit.text
        officers = [n for n in unit.json()["nodes"] if n["type"] == "Officer"]
        assert len(officers) == 2 and all(n["key"].startswith("~") for n in officers)
        assert "李娜" not in unit.text and "010002" not in unit.text
        # Each request opens a new connection, so the kernel hands them to either worker.
        for n in officers * 6:
            r = httpx.get(f"{base}/entities/Officer/{n['key']}", headers=headers, timeout=30)
            assert r.status_code == 200, r.text
            assert r.json()["key"] == n["key"]


def test_server_wide_limits_are_split_among_the_workers() -> None:
    """Each of N workers holds 1/N of the failed-credential and expensive-read limits."""
    one = create_app(Settings(neo4j_uri="bolt://127.0.0.1:1"))
    two = create_app(Settings(neo4j_uri="bolt://127.0.0.1:1", kg_api_workers=2))
    assert (one.state.throttle.limit, one.state.gate.size) == (FAILURE_LIMIT, EXPENSIVE_CONCURRENCY)
    assert (two.state.throttle.limit, two.state.gate.size) == (FAILURE_LIMIT // 2, EXPENSIVE_CONCURRENCY // 2)

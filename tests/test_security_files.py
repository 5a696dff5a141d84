"""Rows 7 and 13 of the security review: the embedded Neo4j's files are owner-only, and a server
started for a process that dies goes with it (``kg db start`` stays detached on purpose)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from graph.server import EmbeddedServer, _is_launcher
from graph.testing import free_port

pytestmark = pytest.mark.neo4j

REPO = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from graph.server import EmbeddedServer
    server = EmbeddedServer(Path(sys.argv[1]), int(sys.argv[2]), heap="256m", pagecache="32m", watch_parent=True)
    server.start()
    print(server.pid(), flush=True)
    time.sleep(600)
""")


def _loose(path: Path) -> list[str]:
    """Paths below ``path`` (itself included) readable or writable by group or others."""
    out = []
    for p in [path, *path.rglob("*")]:
        if not p.is_symlink() and stat.S_IMODE(p.lstat().st_mode) & 0o077:
            out.append(f"{p.relative_to(path.parent)} {oct(stat.S_IMODE(p.lstat().st_mode))}")
    return out


def test_killed_parent_takes_its_server_and_files_are_owner_only(tmp_path: Path) -> None:
    var = tmp_path / "var"
    home = var / "neo4j"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(home), str(free_port())],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    launcher = 0
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.strip().isdigit(), f"the child did not start a server: {line!r}"
        launcher = int(line)
        assert _is_launcher(launcher)
        # Row 7: the store, transaction logs, password and log are owner-only; var/ too.
        assert stat.S_IMODE(var.stat().st_mode) == 0o700
        assert _loose(home) == []
        assert any(p.name.startswith("neostore.transaction.db") for p in home.rglob("*"))
        # Row 13: kill -9 the parent (as an interrupted pytest would be); the launcher follows.
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 60
        while _is_launcher(launcher) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not _is_launcher(launcher), "the launcher outlived its parent"
        assert "parent" in (home / "launcher.log").read_text(encoding="utf-8")
    finally:
        if proc.poll() is None:
            proc.kill()
        if launcher and _is_launcher(launcher):
            os.kill(launcher, signal.SIGKILL)


def test_detached_server_has_no_watchdog_and_old_files_are_tightened(tmp_path: Path) -> None:
    home = tmp_path / "var" / "neo4j"
    home.mkdir(parents=True, mode=0o755)
    old = home / "data" / "old.db"
    old.parent.mkdir(mode=0o755)
    old.write_text("x")
    old.chmod(0o644)
    detached = EmbeddedServer(home, 7999)
    assert "--parent-pid" not in detached.command()  # kg db start: detached on purpose
    watched = EmbeddedServer(home, 7999, watch_parent=True)
    cmd = watched.command()
    assert cmd[cmd.index("--parent-pid") + 1] == str(os.getpid())
    assert _loose(tmp_path / "var") == []  # an old 0644 store is tightened at start
    assert stat.S_IMODE((home / "password").stat().st_mode) == 0o600

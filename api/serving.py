"""The API on a free loopback port for tests, screenshots and benches: ``served`` runs it in a
background thread of this process; ``served_process`` runs the real ``kg serve`` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from api.app import create_app
from graph.settings import REPO_ROOT, Settings
from graph.testing import free_port

__all__ = ["served", "served_process"]


@contextmanager
def served(settings: Settings, start_timeout: float = 30.0) -> Iterator[str]:
    """Start ``create_app(settings)`` with uvicorn in a daemon thread; yield its base URL; stop it."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    if not server.started:
        raise RuntimeError(f"API did not start on port {port} within {start_timeout:.0f} s")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def served_process(
    settings: Settings, *, workers: int = 1, var_dir: Path, start_timeout: float = 120.0
) -> Iterator[str]:
    """A real ``kg serve --workers N`` process (its own session, stopped with its workers) on a
    free port, reaching Neo4j through ``settings.neo4j_uri``; yields its base URL."""
    port = free_port()
    env = dict(
        os.environ,
        NEO4J_URI=settings.neo4j_uri or "",
        NEO4J_USER=settings.neo4j_user,
        NEO4J_PASSWORD=settings.neo4j_password or "",
        NEO4J_DATABASE=settings.neo4j_database,
        KG_VAR_DIR=str(var_dir),
    )
    cmd = [sys.executable, "-m", "kg", "serve", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"kg serve exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
                )
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            raise RuntimeError(f"the API did not come up within {start_timeout:.0f} s")
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

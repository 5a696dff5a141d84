"""The API served from a background thread on a free loopback port (tests, screenshots, benches)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from api.app import create_app
from graph.settings import Settings
from graph.testing import free_port

__all__ = ["served"]


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

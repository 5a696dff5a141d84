"""`make test` and `make demo` install their Debian packages through scripts/ensure-system-deps.

By the time the suite runs, `make test` has already run the script once, so running it again must
install nothing, print nothing and exit 0 (idempotent and quiet).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "ensure-system-deps"


def _run(env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs a Debian-like system")
def test_second_run_installs_nothing() -> None:
    first = _run()
    assert first.returncode == 0, first.stderr
    second = _run()
    assert second.returncode == 0, second.stderr
    assert second.stdout == "" and second.stderr == ""


def test_without_apt_names_the_packages(tmp_path: Path) -> None:
    """With no package tool on PATH (and so nothing detectable), one clear line, exit 2."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "id", "env"):
        path = shutil.which(tool)
        assert path
        (bin_dir / tool).symlink_to(path)
    env = {"PATH": str(bin_dir), "HOME": os.environ.get("HOME", "/root")}
    result = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "chromium" in lines[0] and "maven" in lines[0]

"""The sample is byte-identical from one process to the next (docs/sample.md promises it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _generate(out: Path, hash_seed: str) -> dict[str, bytes]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    code = "import sys; from ingest.sample import generate; generate(sys.argv[1], scale='city', seed=7)"
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env)
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_two_processes_write_the_same_files(tmp_path: Path) -> None:
    first = _generate(tmp_path / "a", "1")
    second = _generate(tmp_path / "b", "2")
    assert first.keys() == second.keys()
    assert "officers.csv" in first
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []

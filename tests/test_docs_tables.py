"""The README's and docs' tables of queries, views and commands name exactly what the registries hold.

A query, view or command added, renamed or removed without its row fails here (the input contract
is kept the same way by ``make contract`` and tests/test_sample_contract.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from kg import cli
from queries.registry import all_queries
from viz.views import all_views

ROOT = Path(__file__).resolve().parent.parent


def first_cell(row: str) -> str:
    return re.split(r"(?<!\\)\|", row)[1]  # "\|" inside a cell is not a column break


def table_names(path: Path, header: str) -> set[str]:
    """Backticked names in the first column of the table whose header row starts with ``header``.

    ``a`` (``_x``, ``_y``) and ``a``, ``_x`` stand for ``a``, ``a_x``, ``a_y``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    names: set[str] = set()
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        base = ""
        for name in re.findall(r"`([a-z_]+)`", first_cell(line)):
            if name.startswith("_"):
                names.add(base + name)
            else:
                base = name
                names.add(name)
    return names


def test_query_tables_match_the_registry() -> None:
    registered = {q.name for q in all_queries()}
    assert table_names(ROOT / "README.md", "| name | 标题 |") == registered
    assert table_names(ROOT / "docs" / "queries.md", "| query | about |") == registered


def test_view_table_matches_the_registry() -> None:
    assert table_names(ROOT / "docs" / "viz.md", "| view |") == {v.name for v in all_views()}


def test_command_table_names_every_command() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("| command | what it does |")
    rows = [first_cell(line) for line in lines[start + 2 :] if line.startswith("| `kg ")][:40]
    documented = {m for row in rows for m in re.findall(r"`kg ([a-z-]+)", row)}
    commands = typer.main.get_command(cli).commands  # type: ignore[attr-defined]
    assert documented == set(commands)
    for group, command in commands.items():
        for sub in getattr(command, "commands", {}):
            assert any(f"kg {group}" in row and re.search(rf"\b{re.escape(sub)}\b", row) for row in rows), (
                group,
                sub,
            )

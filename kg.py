"""``kg``: the command line of the supervision knowledge graph.

Each layer owns its commands (graph/commands.py, ingest/commands.py, …); this module only
assembles them and turns the project's errors into a clear message and exit code 2. ``kg db …``
imports the server commands only (not the API, views or clustering libraries): the start-up of
the database does not wait for seconds of Python imports.
"""

from __future__ import annotations

import logging
import sys
from functools import cache
from typing import Any

import typer
from rich.console import Console

from graph.commands import db_app, schema_app
from graph.errors import KgError

HELP = (
    "监督知识图谱 / Supervision knowledge graph of the police bureau: units, Party branches, officers, "
    "clues, cases and who supervises whom, in Neo4j."
)


def _root() -> typer.Typer:
    return typer.Typer(help=HELP, no_args_is_help=True, pretty_exceptions_enable=False)


@cache
def build_cli() -> typer.Typer:
    """The whole command line (imports every layer's commands)."""
    from api.commands import serve, token_app
    from graph.orders.commands import order_app
    from ingest.commands import ingest_command, sample_command
    from queries.commands import export_cmd, query_app
    from viz.commands import viz_command
    from viz.report.commands import report_command

    cli = _root()
    cli.add_typer(db_app, name="db")
    cli.add_typer(schema_app, name="schema")
    cli.command("sample")(sample_command)
    cli.command("ingest")(ingest_command)
    cli.add_typer(query_app, name="query")
    cli.command("export")(export_cmd)
    cli.command("viz")(viz_command)
    cli.command("report")(report_command)
    cli.command("serve")(serve)
    cli.add_typer(token_app, name="token")
    cli.add_typer(order_app, name="order")
    return cli


def _db_cli() -> typer.Typer:
    """``kg db …`` alone: the same commands, without importing the other layers."""
    cli = _root()
    cli.add_typer(db_app, name="db")
    return cli


def __getattr__(name: str) -> Any:
    if name == "cli":  # ``from kg import cli`` (tests) gets the whole command line
        return build_cli()
    raise AttributeError(name)


def app() -> None:
    """Console-script entry point."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        (_db_cli() if sys.argv[1:2] == ["db"] else build_cli())()
    except KgError as e:
        Console(stderr=True).print(f"[bold red]错误 / error:[/] {e}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":  # python -m kg
    app()

"""``kg``: the command line of the supervision knowledge graph.

Each layer owns its commands (graph/commands.py, ingest/commands.py, …); this module only
assembles them and turns the project's errors into a clear message and exit code 2.
"""

from __future__ import annotations

import logging
import sys

import typer
from rich.console import Console

from api.commands import serve, token_app
from graph.commands import db_app, schema_app
from graph.errors import KgError
from graph.orders.commands import order_app
from ingest.commands import ingest_command, sample_command
from queries.commands import export_cmd, query_app
from viz.commands import viz_command
from viz.report.commands import report_command

cli = typer.Typer(
    help="监督知识图谱 / Supervision knowledge graph of the police bureau: units, Party branches, officers, "
    "clues, cases and who supervises whom, in Neo4j.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
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


def app() -> None:
    """Console-script entry point."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        cli()
    except KgError as e:
        Console(stderr=True).print(f"[bold red]错误 / error:[/] {e}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":  # python -m kg
    app()

"""The project's one exception root. Messages are for analysts: Chinese first, then English."""

from __future__ import annotations


class KgError(Exception):
    """Root of every error this project raises on purpose."""


class Neo4jUnavailable(KgError):
    """Neo4j cannot be reached or refused the credentials."""


class ServerStartError(KgError):
    """The embedded Neo4j launcher did not come up."""


class InputFileError(KgError):
    """An input file cannot be read at all (encoding, not a table, missing required columns)."""


class IngestInterrupted(KgError):
    """An ingest run stopped part-way (Neo4j died, the connection broke); rerunning resumes it."""


class QueryParamError(KgError):
    """Bad parameters for a prepared query."""


class NotFound(KgError):
    """An entity or query that does not exist."""

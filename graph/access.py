"""The access log's storage contract, shared by the API and the command line.

``AccessRecord`` nodes are appended, never edited: the API's background writer (``api.audit``)
and the commands that write personal data to files (``kg export``, ``kg viz``) use the one
statement here. A stated purpose (调阅事由) is checked by ``clean_purpose`` wherever it enters.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import sys
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import neo4j

from graph.errors import KgError

__all__ = [
    "ACCESS_INSERT",
    "BadPurpose",
    "clean_purpose",
    "local_record",
    "private_output",
    "record_time",
    "write_access",
]

ACCESS_INSERT = (
    "UNWIND $rows AS row "
    "MERGE (a:AccessRecord {record_id: row.record_id}) "
    "ON CREATE SET a.at = datetime(row.at), a.token_id = row.token_id, a.name = row.name, a.role = row.role, "
    "a.endpoint = row.endpoint, a.method = row.method, a.path = row.path, a.params = row.params, "
    "a.entity_ids = row.entity_ids, a.purpose = row.purpose, a.outcome = row.outcome, a.status = row.status, "
    "a.client = row.client"
)


def record_time() -> str:
    """Now (UTC) as ISO text, the way a record's ``at`` travels: ``ACCESS_INSERT`` stores it as a
    datetime. Packing a Python datetime costs the driver more than the text (one per record)."""
    return dt.datetime.now(dt.UTC).isoformat()


LOCAL_ROLE = "local"
"""The role written for command-line reads (the OS user runs them with the database's password)."""

PURPOSE_MIN, PURPOSE_MAX = 2, 200
_INVISIBLE = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


class BadPurpose(KgError):
    """A stated purpose that is too long, too short or not visible text (HTTP 400, exit 2)."""


def clean_purpose(value: str | None) -> str | None:
    """The stated purpose, trimmed; None when none was stated.

    A purpose is 2–200 characters after trimming, holds no control or invisible characters
    (NUL, zero-width space …) and at least two letters or digits (``.`` or ``--`` say nothing).

    >>> clean_purpose("  核查信访件 "), clean_purpose(None), clean_purpose("   ")
    ('核查信访件', None, None)
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if len(text) > PURPOSE_MAX:
        raise BadPurpose(
            f"调阅事由过长：最多 {PURPOSE_MAX} 个字符，收到 {len(text)} 个 / the purpose is too long: "
            f"at most {PURPOSE_MAX} characters, got {len(text)}"
        )
    if any(unicodedata.category(ch) in _INVISIBLE for ch in text):
        raise BadPurpose("调阅事由含不可见或控制字符 / the purpose holds invisible or control characters")
    if sum(1 for ch in text if unicodedata.category(ch)[0] in "LN") < PURPOSE_MIN:
        raise BadPurpose(
            f"调阅事由须写明原因（至少 {PURPOSE_MIN} 个文字或数字）/ state the purpose in words "
            f"(at least {PURPOSE_MIN} letters or digits)"
        )
    return text


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def local_record(
    command: str, *, purpose: str, entity_ids: list[str], params: dict[str, Any], output: Path
) -> dict[str, Any]:
    """An access record for a command that wrote personal data to a file."""
    return {
        "record_id": uuid.uuid4().hex,
        "at": record_time(),
        "token_id": None,
        "name": os_user(),
        "role": LOCAL_ROLE,
        "endpoint": command,
        "method": "CLI",
        "path": " ".join(sys.argv[:1] + sys.argv[1:])[:2000],
        "params": json.dumps(
            {**params, "output": str(output.resolve())}, ensure_ascii=False, sort_keys=True, default=str
        ),
        "entity_ids": sorted(set(entity_ids)),
        "purpose": purpose,
        "outcome": "ok",
        "status": 0,
        "client": f"local:{socket.gethostname()}",
    }


def write_access(driver: neo4j.Driver, database: str, record: dict[str, Any]) -> None:
    """Write one record now (a command's record exists before its file does)."""
    driver.execute_query(ACCESS_INSERT, rows=[record], database_=database)


@contextmanager
def private_output(path: Path) -> Iterator[None]:
    """Files written inside the block are owner-only (umask 077); ``path`` is made 0600 even if
    it existed before."""
    old = os.umask(0o077)
    try:
        if path.exists():
            path.chmod(0o600)
        yield
    finally:
        os.umask(old)
    if path.exists():
        path.chmod(0o600)

"""The sample city's dirty exports load exactly as their expected.json says (real Neo4j)."""

from __future__ import annotations

import json
from pathlib import Path

import neo4j
import pytest

from graph.settings import Settings
from ingest import sample
from ingest.job import run_ingest

pytestmark = pytest.mark.neo4j


def test_sample_dirty_folder_matches_its_expected_counts(
    db: neo4j.Driver, db_settings: Settings, tmp_path: Path
) -> None:
    sample.generate(tmp_path / "city", scale="city")
    dirty = tmp_path / "city" / "dirty"
    expected = json.loads((dirty / "expected.json").read_text(encoding="utf-8"))
    report = run_ingest(db, db_settings.neo4j_database, dirty)
    assert set(report.errors) == set(expected["failures"])
    for stem, failure in expected["failures"].items():
        assert failure["file"] in report.errors[stem] and failure["error_contains"] in report.errors[stem]
    for stem, exp in expected["files"].items():
        got = report.files[stem]
        assert (got.path, got.encoding, got.read, got.loaded, got.rejected, got.duplicates) == (
            exp["file"],
            exp["encoding"],
            exp["read"],
            exp["loaded"],
            exp["rejected"],
            exp["duplicates"],
        ), stem
        assert sorted(r.line for r in report.rejects if r.file == exp["file"]) == exp["reject_lines"], stem

"""The sample city exercises the honest contract: unknowns, allegations with findings, handlers,
clue places, conflicts of interest (answer key against the query) and a later postings export
that a snapshot ingest turns into ended postings."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import neo4j
import pytest

from graph.schema import Finding
from graph.settings import Settings
from ingest.job import run_ingest
from queries.registry import get_query


@pytest.fixture(scope="module")
def files(city_sample: tuple[Path, dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    folder, _ = city_sample
    out = {}
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as f:
            out[path.stem] = list(csv.DictReader(f))
    return out


@pytest.fixture(scope="module")
def key(city_sample: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    return city_sample[1]


def test_the_city_holds_unknowns_as_real_exports_do(files: dict[str, list[dict[str, str]]]) -> None:
    officers = files["officers"]
    assert sum(o["rank"] == "未知" for o in officers) >= 20
    assert sum(o["name"] == "" for o in officers) >= 10
    assert min(int(o["birth_year"]) for o in officers if o["birth_year"]) < 1940
    assert sum(p["start_date"] == "" for p in files["postings"]) >= 10
    clues = files["clues"]
    assert (
        sum(c["category"] == "未知" for c in clues) >= 10 and sum(c["source"] == "未知" for c in clues) >= 10
    )
    assert {c["complainant_type"] for c in clues} >= {"群众", "匿名", "内部", "单位", "未知"}
    assert sum(bool(c["incident_on"]) for c in clues) > len(clues) / 2
    assert sum(bool(c["place"]) for c in clues) > len(clues) / 3
    subjects = files["clue_subjects"]
    assert {s["finding"] for s in subjects} - {""} == {
        f.value for f in Finding
    }  # blank: the source says nothing
    per_pair = Counter((s["clue_no"], s["badge_no"]) for s in subjects)
    assert max(per_pair.values()) >= 2, "one officer faces several allegations in one clue"
    assert max(Counter(s["clue_no"] for s in subjects).values()) > 10, "a mass complaint"
    assert {r["role"] for r in files["clue_workers"]} == {"承办人", "核查人"}
    assert {r["role"] for r in files["case_workers"]} == {"承办人", "审理人"}
    assert all(r["disposition_form"] for r in files["case_subjects"] if r["disposition"])


@pytest.mark.neo4j
def test_allegations_and_handlers_load_as_written(
    city_driver: neo4j.Driver, city_settings: Settings, files: dict[str, list[dict[str, str]]]
) -> None:
    db = city_settings.neo4j_database

    def one(cypher: str) -> Any:
        return city_driver.execute_query(cypher, database_=db).records[0][0]

    sustained = sum(s["finding"] in ("查实", "部分查实") for s in files["clue_subjects"])
    assert (
        one("MATCH ()-[r:CONCERNS]->() WHERE r.finding IN ['查实', '部分查实'] RETURN count(r)") == sustained
    )
    assert one("MATCH ()-[r:CONCERNS]->() RETURN count(r)") == len(files["clue_subjects"])
    assert one("MATCH ()-[r:WORKS_ON_CLUE]->() RETURN count(r)") == len(files["clue_workers"])
    assert one("MATCH ()-[r:WORKS_ON_CASE]->() RETURN count(r)") == len(files["case_workers"])
    assert one("MATCH (o:Officer) WHERE o.rank = '未知' RETURN count(o)") == sum(
        o["rank"] == "未知" for o in files["officers"]
    )
    assert one(
        "MATCH ()-[s:SERVES_IN]->() WHERE s.start_date IS NULL AND s.start_key = '' RETURN count(s)"
    ) == sum(p["start_date"] == "" for p in files["postings"])


@pytest.mark.neo4j
def test_conflicts_of_interest_match_the_answer_key(
    city_driver: neo4j.Driver, city_settings: Settings, key: dict[str, Any]
) -> None:
    result = get_query("conflict_of_interest").execute(city_driver, city_settings.neo4j_database, {})
    got = sorted(
        [r["kind"], r["key"], r["handler_badge"], r["role"], r["accused_badge"], r["unit_code"]]
        for r in result.rows
    )
    assert got == key["conflicts_of_interest"]
    assert len(got) >= 3
    assert not any(r["start_unknown"] for r in result.rows)  # the archive's unknown starts are long over


@pytest.mark.neo4j
def test_later_postings_snapshot_ends_the_moved_officers_old_postings(
    db: neo4j.Driver, db_settings: Settings, city_sample: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    folder, key = city_sample
    later = key["later_postings"]
    first = tmp_path / "first"
    first.mkdir()
    for stem in ("units", "officers", "postings"):
        shutil.copy(folder / f"{stem}.csv", first / f"{stem}.csv")
    database = db_settings.neo4j_database
    assert run_ingest(db, database, first).rejects == []

    def open_postings() -> set[tuple[str, str]]:
        return {
            (r["b"], r["u"])
            for r in db.execute_query(
                "MATCH (o:Officer)-[s:SERVES_IN]->(u:Unit) WHERE s.end_date IS NULL RETURN o.badge_no AS b, u.code AS u",
                database_=database,
            ).records
        }

    before = open_postings()
    as_of = dt.date.fromisoformat(later["as_of"])
    report = run_ingest(db, database, folder / later["folder"], snapshot=True, as_of=as_of)
    fr = report.files["postings"]
    assert (fr.read, fr.rejected, fr.ended) == (later["rows"], 0, later["ended"]) and later["ended"] == 12
    moved = {(m["badge_no"], m["from"]) for m in later["moved"]}
    arrived = {(m["badge_no"], m["to"]) for m in later["moved"]}
    assert open_postings() == (before - moved) | arrived
    ended = {
        (r["b"], r["u"]): r["e"].to_native()
        for r in db.execute_query(
            "MATCH (o:Officer)-[s:SERVES_IN]->(u:Unit) WHERE s.ended_by_run = $run "
            "RETURN o.badge_no AS b, u.code AS u, s.end_date AS e",
            {"run": report.run_id},
            database_=database,
        ).records
    }
    assert ended == dict.fromkeys(moved, as_of)

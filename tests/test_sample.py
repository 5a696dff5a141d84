"""The sample city: deterministic, realistic in scale, and its answer key agrees with its files
(checked again here from the CSV files, independently of the generator's own bookkeeping) and
with the graph the ingest job builds from them."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import neo4j
import pytest

from graph.schema import NODE_SPECS, REL_SPECS, NodeSpec, RelSpec
from ingest.names import id_check_digit
from ingest.sample import generate
from ingest.sample_dirty import write_dirty

AS_OF = dt.date(2026, 6, 30)

ALL_SPECS: tuple[NodeSpec | RelSpec, ...] = (*NODE_SPECS, *REL_SPECS)


def _rows(folder: Path, stem: str) -> list[dict[str, str]]:
    with (folder / f"{stem}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def files(city_sample: tuple[Path, dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    folder, _ = city_sample
    return {s.file: _rows(folder, s.file) for s in ALL_SPECS}


@pytest.fixture(scope="module")
def key(city_sample: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    return city_sample[1]


def _current_unit(files: dict[str, list[dict[str, str]]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in files["postings"]:
        start = dt.date.fromisoformat(r["start_date"]) if r["start_date"] else None
        end = dt.date.fromisoformat(r["end_date"]) if r["end_date"] else None
        if (start is None or start <= AS_OF) and (end is None or end >= AS_OF):
            assert r["badge_no"] not in out, f"two current postings for {r['badge_no']}"
            out[r["badge_no"]] = r["unit_code"]
    return out


# ------------------------------------------------------------------ determinism and shape


def test_same_seed_gives_identical_files_and_another_seed_does_not(
    tmp_path: Path, city_sample: tuple[Path, dict[str, Any]]
) -> None:
    folder, _ = city_sample
    generate(tmp_path / "again", scale="city", seed=7)
    assert _digest(tmp_path / "again") == _digest(folder)
    generate(tmp_path / "other", scale="city", seed=8)
    other = _digest(tmp_path / "other")
    assert other.keys() == _digest(folder).keys()
    assert other["officers.csv"] != _digest(folder)["officers.csv"]
    assert json.loads((tmp_path / "other" / "answer_key.json").read_text(encoding="utf-8"))["seed"] == 8


def test_every_schema_file_is_written_with_the_schema_field_names(
    city_sample: tuple[Path, dict[str, Any]],
) -> None:
    folder, _ = city_sample
    for spec in ALL_SPECS:
        with (folder / f"{spec.file}.csv").open(encoding="utf-8", newline="") as f:
            assert next(csv.reader(f)) == list(spec.model.model_fields), spec.file


def test_counts_are_those_of_a_city_bureau(
    files: dict[str, list[dict[str, str]]], key: dict[str, Any]
) -> None:
    n = {stem: len(rows) for stem, rows in files.items()}
    assert key["counts"] == {
        "units": n["units"],
        "officers": n["officers"],
        "clues": n["clues"],
        "cases": n["cases"],
    }
    assert 250 <= n["units"] <= 400
    assert 18 <= sum(1 for u in files["units"] if u["kind"] == "分局") <= 25
    assert 10_000 <= n["officers"] <= 14_000
    assert 4_500 <= n["clues"] <= 5_500
    assert 1_200 <= n["cases"] <= 1_800
    assert 450 <= sum(1 for o in files["party_orgs"] if o["kind"] == "党支部") <= 750
    assert 2_500 <= n["responsibilities"] + n["rectifications"] <= 3_500
    forms = Counter(c["form"] for c in files["cases"] if c["form"])
    assert forms.most_common(1)[0][0] == "第一种形态"
    years = {c["received_on"][:4] for c in files["clues"]}
    assert len(years) >= 4


def test_rows_validate_with_the_schema_and_keys_are_unique(files: dict[str, list[dict[str, str]]]) -> None:
    for spec in NODE_SPECS:
        rows = files[spec.file]
        keys = [r[spec.key] for r in rows]
        assert len(keys) == len(set(keys)), f"{spec.file}: duplicate {spec.key}"
        for r in rows:
            spec.model.model_validate({k: v for k, v in r.items() if v != ""})
    for rs in REL_SPECS:
        rows = files[rs.file]
        idents = [(r[rs.from_field], r[rs.to_field], *(r[k] for k in rs.key_props)) for r in rows]
        assert len(idents) == len(set(idents)), f"{rs.file}: two rows for one relationship"
        for r in rows:
            rs.model.model_validate({k: v for k, v in r.items() if v != ""})


def test_every_reference_resolves(files: dict[str, list[dict[str, str]]]) -> None:
    keys = {s.label: {r[s.key] for r in files[s.file]} for s in NODE_SPECS}
    for rs in REL_SPECS:
        for r in files[rs.file]:
            assert r[rs.from_field] in keys[rs.from_label], (rs.file, r)
            assert r[rs.to_field] in keys[rs.to_label], (rs.file, r)


def test_personal_fields_look_real(files: dict[str, list[dict[str, str]]]) -> None:
    officers = [o for o in files["officers"] if o["id_number"]]  # the archive's retired officers have none
    assert len(officers) >= 12_000
    for o in officers:
        assert len(o["id_number"]) == 18 and o["id_number"][:17].isdigit()
        assert o["id_number"][17] == id_check_digit(o["id_number"][:17])
        assert o["id_number"][6:10] == o["birth_year"]
        assert int(o["id_number"][16]) % 2 == (1 if o["gender"] == "男" else 0)
        assert len(o["phone"]) == 11 and o["phone"].startswith("1")
    names = [o["name"] for o in officers]
    assert any("·" in n for n in names)
    assert Counter(n[0] for n in names).most_common(3)[0][0] in "王李张"


def test_clues_concentrate_on_high_risk_posts(files: dict[str, list[dict[str, str]]]) -> None:
    high = {o["badge_no"] for o in files["officers"] if o["high_risk_post"] == "是"}
    per_officer = Counter(r["badge_no"] for r in files["clue_subjects"])
    n_officers = len(files["officers"])
    assert len(per_officer) < n_officers / 2, "most officers have no clue"
    rate_high = sum(per_officer[b] for b in high) / len(high)
    rate_rest = sum(c for b, c in per_officer.items() if b not in high) / (n_officers - len(high))
    assert rate_high > 3 * rate_rest


# ------------------------------------------------------------------ the answer key against the files


def test_planted_clusters_are_what_the_definitions_say(
    files: dict[str, list[dict[str, str]]], key: dict[str, Any]
) -> None:
    unit_of = _current_unit(files)
    case_officers: dict[str, set[str]] = defaultdict(set)
    for r in files["case_subjects"]:
        case_officers[r["case_no"]].add(r["badge_no"])
    clue_officers: dict[str, set[str]] = defaultdict(set)
    for r in files["clue_subjects"]:
        clue_officers[r["clue_no"]].add(r["badge_no"])
    case_clues: dict[str, set[str]] = defaultdict(set)
    for r in files["case_clues"]:
        case_clues[r["case_no"]].add(r["clue_no"])
    kinds = Counter(c["kind"] for c in key["clusters"])
    assert kinds == {"窝案": 8, "串案": 8}
    planted: set[str] = set()
    for c in key["clusters"]:
        officers = set(c["officers"])
        assert not officers & planted, "clusters do not share officers"
        planted |= officers
        assert set().union(*(case_officers[k] for k in c["cases"])) == officers
        assert set().union(*(clue_officers[k] for k in c["clues"])) == officers
        assert {unit_of[b] for b in officers} == set(c["units"])
        if c["kind"] == "窝案":
            assert len(c["cases"]) == 1 and len(c["units"]) == 1 and 3 <= len(officers) <= 5
        else:
            assert 2 <= len(c["cases"]) <= 3 and len(c["units"]) >= 2
            a, b = c["cases"][0], c["cases"][1]
            shared_officer = case_officers[a] & case_officers[b]
            shared_clue = case_clues[a] & case_clues[b]
            assert shared_officer or shared_clue
    # Planted officers appear in no other clue or case, and background cases stay small.
    cluster_cases = {k for c in key["clusters"] for k in c["cases"]}
    cluster_clues = {k for c in key["clusters"] for k in c["clues"]}
    for case, offs in case_officers.items():
        if case not in cluster_cases:
            assert len(offs) <= 2 and not offs & planted
    for clue, offs in clue_officers.items():
        if clue not in cluster_clues:
            assert not offs & planted


def test_overdue_transfers_have_no_feedback_and_the_right_age(
    files: dict[str, list[dict[str, str]]], key: dict[str, Any]
) -> None:
    overdue = key["overdue_transfers"]
    assert set(overdue["90"]) <= set(overdue["60"]) <= set(overdue["30"])
    assert len(overdue["90"]) >= 3
    by_clue = {r["clue_no"]: r for r in files["clue_transfers"]}
    for n in (30, 60, 90):
        expected = sorted(
            c
            for c, r in by_clue.items()
            if not r["feedback_on"] and (AS_OF - dt.date.fromisoformat(r["transferred_on"])).days >= n
        )
        assert overdue[str(n)] == expected
    ages = {(AS_OF - dt.date.fromisoformat(by_clue[c]["transferred_on"])).days for c in overdue["30"]}
    assert 30 in ages and 60 in ages and 90 in ages, "the boundaries are planted"
    open_young = [
        r
        for r in by_clue.values()
        if not r["feedback_on"] and (AS_OF - dt.date.fromisoformat(r["transferred_on"])).days == 29
    ]
    assert open_young, "a transfer one day short of overdue is planted"


def test_clue_loop_and_rectification_keys_follow_the_definitions(
    files: dict[str, list[dict[str, str]]], key: dict[str, Any]
) -> None:
    touched = {r["clue_no"] for r in files["clue_handlers"]} | {r["clue_no"] for r in files["clue_transfers"]}
    untouched = [c for c in files["clues"] if c["clue_no"] not in touched]
    assert key["clues_without_handler"] == sorted(c["clue_no"] for c in untouched if c["status"] != "已了结")
    assert len(key["clues_without_handler"]) == 8
    assert any(c["status"] == "已了结" for c in untouched), "concluded clues without a handler are planted"
    overdue = sorted(
        r["code"]
        for r in files["rectifications"]
        if r["status"] != "已整改" and dt.date.fromisoformat(r["deadline"]) < AS_OF
    )
    assert key["overdue_rectifications"] == overdue and overdue


def test_liaison_and_supervision_keys_are_plausible(
    files: dict[str, list[dict[str, str]]], key: dict[str, Any]
) -> None:
    grassroots = {u["code"] for u in files["units"] if u["level"] == "基层"}
    liaised = {r["unit_code"] for r in files["liaisons"]}
    uncovered, stale = set(key["liaison"]["uncovered_units"]), set(key["liaison"]["stale_units"])
    assert len(uncovered) == 8 and 8 <= len(stale) <= 10 and not uncovered & stale
    assert uncovered <= grassroots and stale <= grassroots
    assert uncovered & liaised, "a unit liaised only by a former committee member counts as uncovered"
    ages: dict[str, list[int]] = defaultdict(list)
    for r in files["liaisons"]:
        if r["last_visit_on"]:
            ages[r["unit_code"]].append((AS_OF - dt.date.fromisoformat(r["last_visit_on"])).days)
    mixed = {u for u, a in ages.items() if min(a) <= 180 < max(a)}
    assert mixed and not mixed & stale, "one fresh visit among stale ones keeps a unit covered"
    assert {u for u, a in ages.items() if max(a) == 180 and len(a) == 1} - stale, "180 days is not stale"
    assert {u for u, a in ages.items() if a == [181]} <= stale
    sup = key["supervision"]
    assert sup["type"] == "纪律监督"
    assert sup["unsupervised_officers"] and sup["double_claimed_officers"]
    assert not set(sup["unsupervised_officers"]) & set(sup["double_claimed_officers"])
    assert len(sup["police_branches_without_discipline_staff"]) == 2


# ------------------------------------------------------------------ against the real graph


@pytest.mark.neo4j
def test_city_sample_loads_with_zero_rejects(
    city_ingest: tuple[neo4j.Driver, Any], key: dict[str, Any], city_settings: Any
) -> None:
    driver, report = city_ingest
    assert report.rejects == [] and report.errors == {}
    for stem, fr in report.files.items():
        assert fr.read == fr.loaded == key["files"][stem] and fr.duplicates == 0, stem
    db = city_settings.neo4j_database
    for label, n in (
        ("Unit", key["counts"]["units"]),
        ("Officer", key["counts"]["officers"]),
        ("Clue", key["counts"]["clues"]),
        ("Case", key["counts"]["cases"]),
    ):
        got = driver.execute_query(f"MATCH (n:`{label}`) RETURN count(n) AS c", database_=db).records[0]["c"]
        assert got == n, label


@pytest.mark.neo4j
def test_answer_key_matches_the_loaded_graph(
    city_driver: neo4j.Driver, key: dict[str, Any], city_settings: Any
) -> None:
    db = city_settings.neo4j_database
    as_of = dt.date.fromisoformat(key["as_of"])

    def values(cypher: str, **params: Any) -> list[str]:
        return sorted(r["k"] for r in city_driver.execute_query(cypher, params, database_=db).records)

    for n in (30, 60, 90):
        assert (
            values(
                "MATCH (c:Clue)-[t:TRANSFERRED_TO]->(:Unit) WHERE t.feedback_on IS NULL "
                "AND t.transferred_on <= $limit RETURN DISTINCT c.clue_no AS k",
                limit=as_of - dt.timedelta(days=n),
            )
            == key["overdue_transfers"][str(n)]
        )
    assert (
        values(
            "MATCH (c:Clue) WHERE NOT (c)-[:HANDLED_BY]->() AND NOT (c)-[:TRANSFERRED_TO]->() "
            "AND c.status <> '已了结' RETURN c.clue_no AS k"
        )
        == key["clues_without_handler"]
    )
    assert (
        values(
            "MATCH (r:Rectification) WHERE r.status <> '已整改' AND r.deadline < $d RETURN r.code AS k",
            d=as_of,
        )
        == key["overdue_rectifications"]
    )
    assert (
        values(
            "MATCH (u:Unit {kind: '警种支队'}) WHERE NOT EXISTS { MATCH (u)<-[:SET_UP_IN]-(:PartyOrg)"
            "<-[r:DISCIPLINE_COMMISSIONER_OF]-(:Officer) WHERE (r.start_date IS NULL OR r.start_date <= $d) "
            "AND (r.end_date IS NULL OR r.end_date >= $d) } RETURN u.code AS k",
            d=as_of,
        )
        == key["supervision"]["police_branches_without_discipline_staff"]
    )
    for c in key["clusters"][:4]:
        got = values(
            "MATCH (k:Case)-[:INVOLVES]->(o:Officer) WHERE k.case_no IN $cases "
            "RETURN DISTINCT o.badge_no AS k",
            cases=c["cases"],
        )
        assert got == c["officers"]


# ------------------------------------------------------------------ the dirty folder


@pytest.mark.neo4j
def test_dirty_folder_gives_the_expected_counts(db: neo4j.Driver, db_settings: Any, tmp_path: Path) -> None:
    from ingest.job import run_ingest

    expected = json.loads(write_dirty(tmp_path / "dirty", seed=7, as_of=AS_OF).read_text(encoding="utf-8"))
    report = run_ingest(db, db_settings.neo4j_database, tmp_path / "dirty")
    assert set(report.files) == set(expected["files"]) | set(expected["failures"])
    for stem, exp in expected["files"].items():
        fr = report.files[stem]
        assert fr.error is None, (stem, fr.error)
        assert (fr.path, fr.encoding, fr.read, fr.loaded, fr.rejected, fr.duplicates) == (
            exp["file"],
            exp["encoding"],
            exp["read"],
            exp["loaded"],
            exp["rejected"],
            exp["duplicates"],
        ), stem
        lines = sorted(r.line for r in report.rejects if r.file == exp["file"])
        assert lines == exp["reject_lines"], stem
    for stem, exp in expected["failures"].items():
        fr = report.files[stem]
        assert fr.error and exp["error_contains"] in fr.error, (stem, fr.error)
        assert fr.loaded == 0
    names = db.execute_query(
        "MATCH (o:Officer) WHERE o.name CONTAINS '·' RETURN o.name AS n", database_=db_settings.neo4j_database
    ).records
    assert {"阿依古丽·买买提", "艾力·吐尔逊"} <= {r["n"] for r in names}
    summary = db.execute_query(
        "MATCH (c:Clue) WHERE c.summary CONTAINS '\n' RETURN count(c) AS n",
        database_=db_settings.neo4j_database,
    ).records[0]["n"]
    assert summary > 0

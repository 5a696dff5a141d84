"""Names and query texts generated from the schema, checked against hand-written expectations.

Changing a constraint's name or the shape of a generated upsert must change this file too: the
expectations are written out, not derived from the code that makes them.
"""

from __future__ import annotations

from api.security import ALL_SCOPES, load_roles
from graph.constraints import schema_statements
from graph.schema import PETITION_SOURCES, rel_spec
from ingest.querybuilder import rel_merge

CONSTRAINTS = {
    "constraint_unique_Unit_code",
    "constraint_unique_PartyOrg_code",
    "constraint_unique_Officer_badge_no",
    "constraint_unique_Clue_clue_no",
    "constraint_unique_Case_case_no",
    "constraint_unique_Inspection_code",
    "constraint_unique_Rectification_code",
    "constraint_unique_Responsibility_code",
    "constraint_unique_SupervisionOrder_order_no",
    "constraint_unique_OrderEvent_event_id",
    "constraint_unique_Consultation_consultation_no",
    "constraint_unique_ClusterSnapshot_snapshot_id",
    "constraint_unique_IngestRun_run_id",
    "constraint_unique_ApiToken_token_id",
    "constraint_unique_AccessRecord_record_id",
    "constraint_unique_ApiSession_session_hash",
    "constraint_unique_OrderCounter_name",
}


def test_constraint_names_and_one_statement() -> None:
    statements = {s.name: s for s in schema_statements()}
    assert {n for n, s in statements.items() if s.kind == "constraint"} == CONSTRAINTS
    assert statements["constraint_unique_Officer_badge_no"].cypher == (
        "CREATE CONSTRAINT `constraint_unique_Officer_badge_no` IF NOT EXISTS "
        "FOR (n:`Officer`) REQUIRE n.`badge_no` IS UNIQUE"
    )
    assert statements["index_Clue_received_on"].cypher == (
        "CREATE INDEX `index_Clue_received_on` IF NOT EXISTS FOR (n:`Clue`) ON (n.`received_on`)"
    )


def test_generated_upsert_of_one_relationship_type() -> None:
    """线索 → 承办单位 (HANDLED_BY): endpoints matched by label and key, one property (a date, sent
    as ISO text), run stamps."""
    assert rel_merge(rel_spec("HANDLED_BY"), ("assigned_on",)) == (
        "UNWIND $rows AS row\n"
        "MATCH (a:`Clue` {`clue_no`: row.`clue_no`})\n"
        "MATCH (b:`Unit` {`code`: row.`body_code`})\n"
        "MERGE (a)-[r:`HANDLED_BY`]->(b)\n"
        "SET r.`changed_run` = CASE WHEN r.`changed_run` IS NULL"
        " OR NOT coalesce(r.`assigned_on` = date(row.`assigned_on`),"
        " r.`assigned_on` IS NULL AND row.`assigned_on` IS NULL)"
        " THEN $run_id ELSE r.`changed_run` END,"
        " r.`assigned_on` = date(row.`assigned_on`), r.`ingest_run` = $run_id, r.`source_file` = $source_file\n"
        "RETURN count(r) AS written"
    )


def test_roles_file_names_the_scopes_and_sources() -> None:
    """api/roles.toml and graph.schema against the seven data scopes and the petition sources."""
    scopes = {"org", "officers", "clues", "cases", "inspections", "responsibilities", "liaisons"}
    assert set(ALL_SCOPES) == scopes
    roles = load_roles()
    assert {s.value for s in PETITION_SOURCES} == {"信访举报", "12389热线"}
    assert set(roles["petition"].clue_sources or ()) == {"信访举报", "12389热线"}
    assert roles["strict_office"].scopes == scopes
    assert roles["discipline"].scopes == {"org", "officers", "clues", "cases"}
    assert roles["inspection"].scopes == {"org", "clues", "inspections"}

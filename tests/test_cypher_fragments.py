"""Named Cypher fragments: each shared domain definition is written once (no database needed)."""

from __future__ import annotations

import re

import pytest

from graph import schema
from graph.shape import REL_MAP_KEYS
from queries.common import SCHEMA_PARAMS
from queries.registry import FRAGMENTS_FILE, expand_fragments, fragments, load_cypher, query_files

# A shared definition spelled out in a query file instead of used by name: (what, pattern).
# Matched on the file as written (before expansion), comments included.
SPELLED_OUT = [
    ("current (start)", re.compile(r"(\w+)\.start_date\s+IS\s+NULL\s+OR\s+\1\.start_date\s*<=", re.I)),
    ("current (end)", re.compile(r"(\w+)\.end_date\s+IS\s+NULL\s+OR\s+\1\.end_date\s*>=", re.I)),
    ("current (end, any form)", re.compile(r"end_date\s+IS\s+NULL\s+OR", re.I)),
    ("grassroots unit", re.compile(r"level\s*:\s*'基层'|\.level\s*=\s*'基层'|\$grassroots_level")),
    ("police branch", re.compile(r":Unit\s*\{\s*kind\s*:|\$police_branch_kind|'警种支队'")),
    ("Party committee", re.compile(r":PartyOrg\s*\{\s*kind\s*:")),
    ("leader", re.compile(r"\$leader_ranks|\[\w*:HEADS\]->\(:Unit\)")),
    ("committee member", re.compile(r"EXISTS\s*\{\s*MATCH\s*\(\w+\)-\[\w*:COMMITTEE_MEMBER_OF\]")),
    ("rank scope", re.compile(r"\.rank\s+IN\s+\$rank_scopes\[")),
]


def test_no_query_file_spells_out_a_shared_definition() -> None:
    found = []
    for path in query_files():
        text = path.read_text(encoding="utf-8")
        for what, pattern in SPELLED_OUT:
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path.name}:{line}: {what} spelled out ({m.group(0)!r}); use its fragment")
    assert not found, "\n".join(found)


def test_the_checks_catch_the_old_spelling() -> None:
    """The patterns above do match the definitions as they were written before the fragments."""
    old = {
        "current (start)": "WHERE (s.start_date IS NULL OR s.start_date <= $as_of) AND",
        "current (end)": "(s.end_date IS NULL OR s.end_date >= $as_of)",
        "current (end, any form)": "WHERE r.end_date IS NULL OR r.end_date >= $as_of",
        "grassroots unit": "MATCH (u:Unit {level: '基层'})",
        "police branch": "MATCH (u:Unit {kind: $police_branch_kind})",
        "Party committee": "-[c:COMMITTEE_MEMBER_OF]->(:PartyOrg {kind: '党委'})",
        "leader": "(coalesce(o.rank IN $leader_ranks, false) OR EXISTS { MATCH (o)-[h:HEADS]->(:Unit)",
        "committee member": "WHERE EXISTS { MATCH (m)-[c:COMMITTEE_MEMBER_OF]->(:PartyOrg",
        "rank scope": "(r[1] = '全部' OR o.rank IN $rank_scopes[r[1]])",
    }
    for what, pattern in SPELLED_OUT:
        assert pattern.search(old[what]), what


def test_current_expands_to_the_definition() -> None:
    assert expand_fragments("MATCH (o)-[s:SERVES_IN]->(u)\nWHERE {{current(s)}} AND u.code = $c") == (
        "MATCH (o)-[s:SERVES_IN]->(u)\n"
        "WHERE ((s.start_date IS NULL OR s.start_date <= $as_of) AND (s.end_date IS NULL OR s.end_date >= $as_of))"
        " AND u.code = $c"
    )
    assert expand_fragments("{{current_at(sh, ref_date)}}") == (
        "((sh.start_date IS NULL OR sh.start_date <= ref_date) AND (sh.end_date IS NULL OR sh.end_date >= ref_date))"
    )


def test_node_fragments_and_anonymous_nodes() -> None:
    assert expand_fragments("MATCH {{grassroots_unit(u)}}") == "MATCH (u:Unit {level: $grassroots_level})"
    assert expand_fragments("(m)-[c:COMMITTEE_MEMBER_OF]->{{committee()}}") == (
        "(m)-[c:COMMITTEE_MEMBER_OF]->(:PartyOrg {kind: $committee_kind})"
    )


def test_leader_is_one_definition_in_both_files() -> None:
    """political_ecosystem and officer_facts judge "leader" by the same expanded text."""
    leader = expand_fragments("{{leader(o)}}")
    assert "$leader_ranks" in leader and "HEADS" in leader and "COMMITTEE_MEMBER_OF" in leader
    assert "{{" not in leader
    for name in ("political_ecosystem", "officer_facts"):
        assert leader in load_cypher(name).text, name


def test_rank_scope_argument_may_be_an_expression() -> None:
    assert expand_fragments("{{rank_admits(r[1], o)}}") == (
        "(coalesce(r[1], $rank_scope_all) = $rank_scope_all OR o.rank IN $rank_scopes[r[1]])"
    )


def _enum_values() -> set[str]:
    values: set[str] = set()
    for obj in vars(schema).values():
        if isinstance(obj, type) and issubclass(obj, schema.CnEnum) and obj is not schema.CnEnum:
            values |= {str(m.value) for m in obj}
    return values


def test_no_enum_literal_in_cypher() -> None:
    """Enum values reach the Cypher as parameters (queries.common.SCHEMA_PARAMS), never as literals."""
    values = _enum_values()
    assert {"党委", "基层", "未知", "全部", "第一种形态"} <= values
    found = []
    for path in [*query_files(), FRAGMENTS_FILE]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("//", 1)[0]
            for lit in re.findall(r"'([^']*)'", code):
                if lit in values:
                    found.append(f"{path.name}:{n}: '{lit}' (pass it as a parameter from graph.schema)")
    assert not found, "\n".join(found)


def test_schema_params_follow_the_schema() -> None:
    """A few hand-written values: the parameters carry the schema's current vocabulary."""
    assert SCHEMA_PARAMS["committee_kind"] == "党委" == schema.PartyOrgKind.COMMITTEE.value
    assert SCHEMA_PARAMS["grassroots_level"] == "基层"
    assert SCHEMA_PARAMS["police_branch_kind"] == "警种支队"
    assert SCHEMA_PARAMS["leader_ranks"] == ["厅局级", "处级"]
    assert SCHEMA_PARAMS["sustained"] == ["查实", "部分查实"]
    assert SCHEMA_PARAMS["rank_scopes"]["科级及以下"] == ["科级", "科员", "辅警"]


def test_parameters_replace_whole_words_only() -> None:
    # `d` must not touch `end_date` or a `$d` parameter; `r` must not touch `r2` or `.r`.
    text = expand_fragments("{{not_ended_at(rel, $day)}}")
    assert text == "(rel.end_date IS NULL OR rel.end_date >= $day)"


def test_bad_uses_fail_loudly() -> None:
    with pytest.raises(ValueError, match="unknown fragment"):
        expand_fragments("WHERE {{no_such(x)}}", "q.cypher")
    with pytest.raises(ValueError, match=r"q.cypher: fragment current takes \(r\)"):
        expand_fragments("WHERE {{current(a, b)}}", "q.cypher")


def test_every_fragment_is_documented_and_used() -> None:
    table = fragments()
    assert {"current", "current_at", "grassroots_unit", "police_branch", "leader"} <= set(table)
    texts = [FRAGMENTS_FILE.read_text(encoding="utf-8")] + [
        p.read_text(encoding="utf-8") for p in query_files()
    ]
    for name, frag in table.items():
        assert frag.description, f"fragment {name} has no description"
        calls = sum(t.count("{{" + name + "(") for t in texts)
        assert calls >= 1, f"fragment {name} is never used"


def test_no_fragment_call_survives_loading() -> None:
    for path in query_files():
        cf = load_cypher(path.stem)
        assert not re.search(r"\{\{[a-z_]+\(", cf.text), path.name


def test_rel_map_fragment_has_the_keys_the_collector_recognises() -> None:
    # graph.shape.EntityCollector recognises a relationship map by exactly these keys; a map with
    # other keys would be skipped and its edge lost without an error.
    text = expand_fragments("{{rel_map(r)}}")
    assert text.startswith("{") and text.endswith("}")
    assert set(re.findall(r"(?:^\{|,)\s*(\w+):", text)) == REL_MAP_KEYS

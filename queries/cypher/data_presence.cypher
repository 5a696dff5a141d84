// name: data_presence
// title: 数据概况
// description: 各类业务数据是否导入（节点和关系的数量），用于判断查询结果是否建立在缺失的数据上，以及数据库是否为空。
// columns: units, party_orgs, officers, clues, cases, inspections, rectifications, responsibilities, postings, memberships, secretaries, discipline_commissioners, committee_seats, heads, in_charge, liaisons, supervisions, clue_subjects, clue_units, transfers, clue_handlers, case_subjects, case_clues, case_handlers, unit_tree, grassroots_units, deep_units, committees, unknown_level_units, visit_dates
// Counts by label or type come from the count store (constant time).
CALL () { MATCH (n:Unit) RETURN count(n) AS units }
CALL () { MATCH (n:PartyOrg) RETURN count(n) AS party_orgs }
CALL () { MATCH (n:Officer) RETURN count(n) AS officers }
CALL () { MATCH (n:Clue) RETURN count(n) AS clues }
CALL () { MATCH (n:Case) RETURN count(n) AS cases }
CALL () { MATCH (n:Inspection) RETURN count(n) AS inspections }
CALL () { MATCH (n:Rectification) RETURN count(n) AS rectifications }
CALL () { MATCH (n:Responsibility) RETURN count(n) AS responsibilities }
CALL () { MATCH ()-[r:SERVES_IN]->() RETURN count(r) AS postings }
CALL () { MATCH ()-[r:MEMBER_OF]->() RETURN count(r) AS memberships }
CALL () { MATCH ()-[r:SECRETARY_OF]->() RETURN count(r) AS secretaries }
CALL () { MATCH ()-[r:DISCIPLINE_COMMISSIONER_OF]->() RETURN count(r) AS discipline_commissioners }
CALL () { MATCH ()-[r:COMMITTEE_MEMBER_OF]->() RETURN count(r) AS committee_seats }
CALL () { MATCH ()-[r:HEADS]->() RETURN count(r) AS heads }
CALL () { MATCH ()-[r:IN_CHARGE_OF]->() RETURN count(r) AS in_charge }
CALL () { MATCH ()-[r:LIAISES_WITH]->() RETURN count(r) AS liaisons }
CALL () { MATCH ()-[r:SUPERVISES]->() RETURN count(r) AS supervisions }
CALL () { MATCH ()-[r:CONCERNS]->() RETURN count(r) AS clue_subjects }
CALL () { MATCH ()-[r:CONCERNS_UNIT]->() RETURN count(r) AS clue_units }
CALL () { MATCH ()-[r:TRANSFERRED_TO]->() RETURN count(r) AS transfers }
CALL () { MATCH ()-[r:HANDLED_BY]->() RETURN count(r) AS clue_handlers }
CALL () { MATCH ()-[r:INVOLVES]->() RETURN count(r) AS case_subjects }
CALL () { MATCH ()-[r:ARISES_FROM]->() RETURN count(r) AS case_clues }
CALL () { MATCH ()-[r:INVESTIGATED_BY]->() RETURN count(r) AS case_handlers }
CALL () { MATCH ()-[r:PART_OF]->() RETURN count(r) AS unit_tree }
CALL () { MATCH {{grassroots_unit(u)}} RETURN count(u) AS grassroots_units }
// whether some unit sits two levels below a root (1) or none does (0): without one there is no
// sub-bureau level between the root and the units. Only whether matters, so the first one found
// answers (counting them all expanded every unit's parent and grandparent: ~134,000 db hits in a
// province)
CALL () { OPTIONAL MATCH (u:Unit)-[:PART_OF]->(:Unit)-[:PART_OF]->(:Unit) WITH u LIMIT 1 RETURN count(u) AS deep_units }
CALL () { MATCH {{committee(p)}} RETURN count(p) AS committees }
CALL () { MATCH (u:Unit) WHERE u.level IS NULL OR u.level = $unknown RETURN count(u) AS unknown_level_units }
CALL () { MATCH ()-[l:LIAISES_WITH]->() WHERE l.last_visit_on IS NOT NULL RETURN count(l) AS visit_dates }
RETURN units, party_orgs, officers, clues, cases, inspections, rectifications, responsibilities, postings, memberships,
       secretaries, discipline_commissioners, committee_seats, heads, in_charge, liaisons, supervisions, clue_subjects,
       clue_units, transfers, clue_handlers, case_subjects, case_clues, case_handlers, unit_tree, grassroots_units,
       deep_units, committees, unknown_level_units, visit_dates

// name: political_ecosystem
// title: 政治生态指标
// description: 按单位（或分局汇总）统计统计期内的线索、案件、涉及领导干部的案件、窝案、串案、重复举报、第一种形态占比、逾期整改和信访举报线索。
// columns: unit_code, unit_name, unit_kind, district, officers, clues, cases, leader_cases, nest_cases, linked_cases, repeat_clue_officers, formed_involvements, first_form_involvements, overdue_rectifications, petition_clues, records, unknown_rank_officers, unknown_source_clues
// internal: nest_min_officers
// Period: records dated $date_from..$date_to; state (current postings, roles, overdue): $as_of.
// records = clues + cases + inspections of the unit + rectifications due in the period: a unit with
// none has nothing to be rated on (rating 无数据). Rank 未知 or null is never a leader rank.
// Groups: level 'unit' = each unit; 'sub_bureau' = the unit's ancestor-or-self right below the
// root of the unit tree (分局 and city-level departments), so a sub-bureau rolls up its subtree.
MATCH (u:Unit)
WHERE u.kind IS NULL OR NOT u.kind IN $excluded_kinds
CALL (u) {
  MATCH p = (u)-[:PART_OF*0..]->(top:Unit)
  WHERE NOT (top)-[:PART_OF]->(:Unit)
  RETURN nodes(p) AS chain
  ORDER BY length(p) DESC
  LIMIT 1
}
WITH u, CASE WHEN $level = 'unit' OR size(chain) < 2 THEN u ELSE chain[size(chain) - 2] END AS g
WHERE $unit_code IS NULL OR g.code = $unit_code
WITH g, collect(DISTINCT u) AS units
CALL (units) {
  UNWIND units AS u
  MATCH (o:Officer)-[s:SERVES_IN]->(u)
  WHERE {{current(s)}}
  RETURN collect(DISTINCT o) AS officers
}
CALL (units, officers) {
  CALL (units, officers) {
    UNWIND officers AS o
    MATCH (cl:Clue)-[:CONCERNS]->(o)
    WHERE cl.received_on >= $date_from AND cl.received_on <= $date_to
    RETURN cl
    UNION
    UNWIND units AS u
    MATCH (cl:Clue)-[:CONCERNS_UNIT]->(u)
    WHERE cl.received_on >= $date_from AND cl.received_on <= $date_to
    RETURN cl
  }
  RETURN count(DISTINCT cl) AS clues,
         count(DISTINCT CASE WHEN cl.source IN $petition_sources THEN cl END) AS petition_clues,
         count(DISTINCT CASE WHEN cl.source IS NULL OR cl.source = $unknown THEN cl END) AS unknown_source_clues
}
CALL (officers) {
  UNWIND officers AS o
  MATCH (c:Case)-[i:INVOLVES]->(o)
  WHERE c.opened_on >= $date_from AND c.opened_on <= $date_to
  WITH c, o, collect(i) AS links
  WITH c, o, head([l IN links WHERE l.form IS NOT NULL | l.form]) AS link_form,
       {{leader(o)}} AS leader
  WITH c, o, leader, coalesce(link_form, c.form) AS form
  RETURN count(DISTINCT c) AS cases,
         count(DISTINCT CASE WHEN NOT leader AND (o.rank IS NULL OR o.rank = $unknown) THEN o END) AS unknown_rank_officers,
         count(DISTINCT CASE WHEN leader THEN c END) AS leader_cases,
         count(CASE WHEN form IS NOT NULL THEN 1 END) AS formed_involvements,
         count(CASE WHEN form = $first_form THEN 1 END) AS first_form_involvements,
         collect(DISTINCT c) AS case_nodes
}
CALL (units) {
  UNWIND units AS u
  MATCH (c:Case)-[:INVOLVES]->(o:Officer)-[s:SERVES_IN]->(u)
  WHERE c.opened_on >= $date_from AND c.opened_on <= $date_to
    AND {{current(s)}}
  WITH c, u, count(DISTINCT o) AS n
  WHERE n >= $nest_min_officers
  RETURN count(DISTINCT c) AS nest_cases
}
CALL (case_nodes) {
  UNWIND case_nodes AS c
  MATCH (c)-[:INVOLVES|ARISES_FROM]->(x)<-[:INVOLVES|ARISES_FROM]-(c2:Case)
  WHERE c2 <> c AND (x:Officer OR x:Clue)
  WITH DISTINCT c, c2
  WHERE COUNT {
    MATCH (cc:Case)-[:INVOLVES]->(:Officer)-[s:SERVES_IN]->(uu:Unit)
    WHERE cc IN [c, c2]
      AND {{current(s)}}
    RETURN DISTINCT uu
  } >= 2
  RETURN count(DISTINCT c) AS linked_cases
}
CALL (officers) {
  UNWIND officers AS o
  MATCH (cl:Clue)-[:CONCERNS]->(o)
  WHERE cl.received_on >= $date_from AND cl.received_on <= $date_to
  WITH o, count(DISTINCT cl) AS n
  WHERE n >= 2
  RETURN count(o) AS repeat_clue_officers
}
CALL (units) {
  UNWIND units AS u
  MATCH (r:Rectification)-[:ISSUED_TO]->(u)
  RETURN count(DISTINCT CASE WHEN r.status <> $done_status AND r.deadline < $as_of THEN r END) AS overdue_rectifications,
         count(DISTINCT CASE WHEN r.deadline >= $date_from AND r.deadline <= $date_to THEN r END) AS due_rectifications
}
CALL (units) {
  UNWIND units AS u
  MATCH (ins:Inspection)-[:TARGETS]->(u)
  WHERE ins.started_on >= $date_from AND ins.started_on <= $date_to
  RETURN count(DISTINCT ins) AS inspections
}
WITH g, size(officers) AS officers, clues, petition_clues, unknown_source_clues, cases, leader_cases,
     unknown_rank_officers, formed_involvements, first_form_involvements, nest_cases, linked_cases,
     repeat_clue_officers, overdue_rectifications, clues + cases + inspections + due_rectifications AS records
WHERE officers > 0 OR clues > 0 OR cases > 0
RETURN g.code AS unit_code, g.name AS unit_name, g.kind AS unit_kind, g.district AS district,
       officers, clues, cases, leader_cases, nest_cases, linked_cases, repeat_clue_officers,
       formed_involvements, first_form_involvements, overdue_rectifications, petition_clues, records,
       unknown_rank_officers, unknown_source_clues
ORDER BY unit_code

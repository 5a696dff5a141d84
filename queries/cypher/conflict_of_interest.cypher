// name: conflict_of_interest
// title: 利益冲突
// description: 办理人员（承办人、核查人、审理人）在线索受理日或案件立案日与被反映、被调查的民警任职于同一单位：可能的利益冲突。任职开始日期未知而未结束的任职视为当时在任，并以 start_unknown 标出。
// columns: kind, key, ref_date, handler_badge, handler_name, role, accused_badge, accused_name, unit_code, unit_name, start_unknown
// A posting covers the reference date d when it is current at d (fragment current_at): the
// definition of "current" used everywhere, at d instead of as_of.
CALL () {
  MATCH (h:Officer)-[w:WORKS_ON_CLUE]->(item:Clue)-[:CONCERNS]->(a:Officer)
  RETURN 'Clue' AS kind, item.clue_no AS key, item.received_on AS ref_date, h, w.role AS role, a
  UNION
  MATCH (h:Officer)-[w:WORKS_ON_CASE]->(item:Case)-[:INVOLVES]->(a:Officer)
  RETURN 'Case' AS kind, item.case_no AS key, item.opened_on AS ref_date, h, w.role AS role, a
}
WITH kind, key, ref_date, h, role, a
WHERE h <> a AND ref_date IS NOT NULL
  AND ($date_from IS NULL OR ref_date >= $date_from) AND ($date_to IS NULL OR ref_date <= $date_to)
MATCH (h)-[sh:SERVES_IN]->(u:Unit)<-[sa:SERVES_IN]-(a)
WHERE {{current_at(sh, ref_date)}}
  AND {{current_at(sa, ref_date)}}
WITH kind, key, ref_date, h, role, a, u, max(sh.start_date IS NULL OR sa.start_date IS NULL) AS start_unknown
RETURN kind, key, ref_date, h.badge_no AS handler_badge, h.name AS handler_name, role,
       a.badge_no AS accused_badge, a.name AS accused_name, u.code AS unit_code, u.name AS unit_name, start_unknown
ORDER BY ref_date DESC, key, handler_badge, role, accused_badge, unit_code
LIMIT $limit

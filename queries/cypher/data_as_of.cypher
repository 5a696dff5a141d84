// name: data_as_of
// title: 数据截至日期
// description: 图中最新的业务日期（最新线索受理、立案、结案、走访、检查日期），作为“数据截至”和默认统计期的终点。
// columns: latest
CALL () {
  MATCH (c:Clue) WHERE c.received_on IS NOT NULL RETURN max(c.received_on) AS d
  UNION ALL
  MATCH (k:Case) WHERE k.opened_on IS NOT NULL RETURN max(k.opened_on) AS d
  UNION ALL
  MATCH (k:Case) WHERE k.closed_on IS NOT NULL RETURN max(k.closed_on) AS d
  UNION ALL
  MATCH ()-[l:LIAISES_WITH]->() WHERE l.last_visit_on IS NOT NULL RETURN max(l.last_visit_on) AS d
  UNION ALL
  MATCH (i:Inspection) WHERE i.started_on IS NOT NULL RETURN max(i.started_on) AS d
}
RETURN max(d) AS latest

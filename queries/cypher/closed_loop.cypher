// name: closed_loop
// title: 线索闭环
// description: 闭环管理问题：移送超过 days 天仍未反馈的线索、无承办（既未分办也未移送、且未了结）的线索、逾期未整改事项，含所涉单位和承办机构。
// columns: issue, key, date, days_overdue, status, units, body_code, body_name
// internal: check_handlers
// Period: only items dated (transfer date, received date, deadline) in $date_from..$date_to; overdue
// is judged at $as_of. An unknown status (null or 未知) counts as not concluded / not done.
// check_handlers is false when neither handling nor transfer data was loaded: then every clue
// would look unhandled, so the check is left out (and a note says so).
CALL () {
  MATCH (cl:Clue)-[t:TRANSFERRED_TO]->(b:Unit)
  WHERE t.feedback_on IS NULL AND t.transferred_on <= $as_of - duration({days: $days})
    AND ($date_from IS NULL OR t.transferred_on >= $date_from) AND t.transferred_on <= $date_to
  RETURN '移送未反馈' AS issue, cl AS item, t.transferred_on AS date,
         duration.inDays(t.transferred_on, $as_of).days AS days_overdue, cl.status AS status, b
  UNION ALL
  MATCH (cl:Clue)
  WHERE $check_handlers AND coalesce(cl.status, '') <> $concluded_status
    AND ($date_from IS NULL OR cl.received_on >= $date_from) AND cl.received_on <= $date_to
    AND NOT (cl)-[:HANDLED_BY]->(:Unit) AND NOT (cl)-[:TRANSFERRED_TO]->(:Unit)
  RETURN '无承办' AS issue, cl AS item, cl.received_on AS date,
         duration.inDays(cl.received_on, $as_of).days AS days_overdue, cl.status AS status, null AS b
  UNION ALL
  MATCH (r:Rectification)
  WHERE coalesce(r.status, '') <> $done_status AND r.deadline < $as_of
    AND ($date_from IS NULL OR r.deadline >= $date_from) AND r.deadline <= $date_to
  RETURN '整改逾期' AS issue, r AS item, r.deadline AS date,
         duration.inDays(r.deadline, $as_of).days AS days_overdue, r.status AS status, null AS b
}
CALL (item) {
  OPTIONAL MATCH (item)-[:CONCERNS_UNIT|ISSUED_TO]->(u:Unit)
  RETURN collect(DISTINCT u.code) AS direct_units
}
CALL (item) {
  OPTIONAL MATCH (item)-[:CONCERNS]->(:Officer)-[s:SERVES_IN]->(u:Unit)
  WHERE {{current(s)}}
  RETURN collect(DISTINCT u.code) AS officer_units
}
RETURN issue, coalesce(item.clue_no, item.code) AS key, date, days_overdue, status,
       CASE WHEN size(direct_units) > 0 THEN direct_units ELSE officer_units END AS units,
       b.code AS body_code, b.name AS body_name
ORDER BY issue, days_overdue DESC, key

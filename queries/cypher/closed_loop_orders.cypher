// name: closed_loop_orders
// title: 督办逾期未反馈
// description: 办理期限在统计期（date_from–date_to）内、截至 as_of 已过期限仍未反馈（已下发或已签收）的督办单，含承办单位和下发单位。
// columns: issue, key, date, days_overdue, status, units, body_code, body_name
MATCH (o:SupervisionOrder)-[:ORDER_ASSIGNED_TO]->(u:Unit)
WHERE o.deadline < $as_of AND o.issued_on <= $as_of
  AND ($date_from IS NULL OR o.deadline >= $date_from) AND o.deadline <= $date_to
WITH o, u, COLLECT { MATCH (o)-[:ORDER_HISTORY]->(e:OrderEvent) WHERE e.on <= $as_of
                     RETURN e.state_to ORDER BY e.seq DESC LIMIT 1 }[0] AS state_at
WHERE state_at IN $open_states
OPTIONAL MATCH (o)-[:ORDER_ISSUED_BY]->(b:Unit)
RETURN '督办逾期' AS issue, o.order_no AS key, o.deadline AS date,
       duration.inDays(o.deadline, $as_of).days AS days_overdue, state_at AS status, [u.code] AS units,
       b.code AS body_code, b.name AS body_name
ORDER BY days_overdue DESC, key

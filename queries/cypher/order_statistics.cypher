// name: order_statistics
// title: 督办统计
// description: 统计期内下发的督办单（含工作提示、提醒谈话、约谈函询、纪检建议书），按承办单位和类型：下发数、截至 as_of 已反馈（含办结）中按期与超期的数目、逾期未反馈数、在办数、办结数、撤销数。下发 = 按期反馈 + 超期反馈 + 在办 + 撤销。
// columns: body_code, body, kind, issued, answered_on_time, answered_late, overdue, open, closed, cancelled
// The state of an order at as_of is the state_to of its last event dated on or before as_of; an
// answered order (已反馈 or 已办结 then) is on time when its standing feedback is dated by the deadline.
MATCH (o:SupervisionOrder)-[:ORDER_ASSIGNED_TO]->(u:Unit)
WHERE o.issued_on >= $date_from AND o.issued_on <= $date_to AND o.issued_on <= $as_of
WITH o, u,
     COLLECT { MATCH (o)-[:ORDER_HISTORY]->(e:OrderEvent) WHERE e.on <= $as_of
               RETURN e.state_to ORDER BY e.seq DESC LIMIT 1 }[0] AS state_at,
     COLLECT { MATCH (o)-[:ORDER_HISTORY]->(e:OrderEvent) WHERE e.action = $feedback_action AND e.on <= $as_of
               RETURN e.on ORDER BY e.seq DESC LIMIT 1 }[0] AS last_answer
RETURN u.code AS body_code, u.name AS body, o.kind AS kind, count(o) AS issued,
       count(CASE WHEN state_at IN $answered_states AND last_answer <= o.deadline THEN 1 END) AS answered_on_time,
       count(CASE WHEN state_at IN $answered_states AND last_answer > o.deadline THEN 1 END) AS answered_late,
       count(CASE WHEN state_at IN $open_states AND o.deadline < $as_of THEN 1 END) AS overdue,
       count(CASE WHEN state_at IN $open_states THEN 1 END) AS open,
       count(CASE WHEN state_at = $closed_state THEN 1 END) AS closed,
       count(CASE WHEN state_at = $cancelled_state THEN 1 END) AS cancelled
ORDER BY overdue DESC, body_code, kind

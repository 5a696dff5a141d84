// name: officer_facts
// title: 民警基本情况
// description: 给定警号的民警的姓名、职级、岗位、是否高风险岗位、当前单位及是否领导干部（处级以上、单位负责人或党委班子成员）。
// columns: badge_no, name, rank, post, high_risk_post, unit_code, unit_name, leader
// internal: badges, leader_ranks
UNWIND $badges AS badge
MATCH (o:Officer {badge_no: badge})
OPTIONAL CALL (o) {
  MATCH (o)-[s:SERVES_IN]->(u:Unit)
  WHERE (s.start_date IS NULL OR s.start_date <= $as_of) AND (s.end_date IS NULL OR s.end_date >= $as_of)
  RETURN u, s.post AS posting_post
  ORDER BY s.start_date DESC
  LIMIT 1
}
RETURN o.badge_no AS badge_no, o.name AS name, o.rank AS rank, coalesce(o.post, posting_post) AS post,
       coalesce(o.high_risk_post, false) AS high_risk_post, u.code AS unit_code, u.name AS unit_name,
       (coalesce(o.rank IN $leader_ranks, false)
        OR EXISTS { MATCH (o)-[h:HEADS]->(:Unit)
                    WHERE (h.start_date IS NULL OR h.start_date <= $as_of) AND (h.end_date IS NULL OR h.end_date >= $as_of) }
        OR EXISTS { MATCH (o)-[m:COMMITTEE_MEMBER_OF]->(:PartyOrg {kind: '党委'})
                    WHERE (m.start_date IS NULL OR m.start_date <= $as_of) AND (m.end_date IS NULL OR m.end_date >= $as_of) })
       AS leader

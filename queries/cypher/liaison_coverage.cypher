// name: liaison_coverage
// title: 联系基层覆盖
// description: 每个基层单位的联系情况：当前党委班子成员的联系人、最近走访日期、状态（已覆盖/久未走访/未覆盖）、单位内党组织数及线索、案件数。
// columns: unit_code, unit_name, district, status, liaisons, last_visit_on, days_since_visit, branches, clues, cases, risk
// internal: judge_coverage, judge_stale
// Committee member = current COMMITTEE_MEMBER_OF a 党委; stale = latest visit null or older than stale_days.
// Without liaison or committee data coverage cannot be judged ('无法判断'); without any visit date
// staleness cannot (covered units stay '已覆盖'). Risk counts clues and cases dated in the period.
MATCH {{grassroots_unit(u)}}
CALL (u) {
  OPTIONAL MATCH (m:Officer)-[l:LIAISES_WITH]->(u)
  WHERE {{committee_member(m)}}
  RETURN collect(DISTINCT m.name + '（' + m.badge_no + '）') AS liaisons, count(l) AS n_liaisons,
         max(l.last_visit_on) AS last_visit_on
}
CALL (u) {
  OPTIONAL MATCH (po:PartyOrg)-[:SET_UP_IN]->(u)
  RETURN count(DISTINCT po) AS branches
}
CALL (u) {
  OPTIONAL MATCH (o:Officer)-[s:SERVES_IN]->(u)
  WHERE {{current(s)}}
  RETURN collect(o) AS officers
}
CALL (u, officers) {
  CALL (u, officers) {
    UNWIND officers AS o
    MATCH (cl:Clue)-[:CONCERNS]->(o)
    WHERE ($date_from IS NULL OR cl.received_on >= $date_from) AND cl.received_on <= $date_to
    RETURN cl
    UNION
    MATCH (cl:Clue)-[:CONCERNS_UNIT]->(u)
    WHERE ($date_from IS NULL OR cl.received_on >= $date_from) AND cl.received_on <= $date_to
    RETURN cl
  }
  RETURN count(DISTINCT cl) AS clues
}
CALL (officers) {
  UNWIND officers AS o
  MATCH (c:Case)-[:INVOLVES]->(o)
  WHERE ($date_from IS NULL OR c.opened_on >= $date_from) AND c.opened_on <= $date_to
  RETURN count(DISTINCT c) AS cases
}
WITH u, liaisons, n_liaisons, last_visit_on, branches, clues, cases,
     CASE WHEN last_visit_on IS NULL THEN null ELSE duration.inDays(last_visit_on, $as_of).days END AS days_since_visit
RETURN u.code AS unit_code, u.name AS unit_name, u.district AS district,
       CASE WHEN NOT $judge_coverage THEN '无法判断'
            WHEN n_liaisons = 0 THEN '未覆盖'
            WHEN $judge_stale AND (last_visit_on IS NULL OR days_since_visit > $stale_days) THEN '久未走访'
            ELSE '已覆盖' END AS status,
       liaisons, last_visit_on, days_since_visit, branches, clues, cases, clues + 2 * cases AS risk
ORDER BY unit_code

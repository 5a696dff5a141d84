// name: liaison_members
// title: 班子成员联系负荷
// description: 每位当前党委班子成员联系的基层单位数、近期走访的单位数和久未走访的单位数。
// columns: badge_no, name, position, units, visited_recently, stale
MATCH (m:Officer)-[c:COMMITTEE_MEMBER_OF]->{{committee()}}
WHERE {{current(c)}}
WITH m, head(collect(c.position)) AS position
OPTIONAL MATCH (m)-[l:LIAISES_WITH]->{{grassroots_unit(u)}}
WITH m, position, u, l,
     l.last_visit_on IS NOT NULL AND duration.inDays(l.last_visit_on, $as_of).days <= $stale_days AS recent
RETURN m.badge_no AS badge_no, m.name AS name, position, count(DISTINCT u) AS units,
       count(DISTINCT CASE WHEN recent THEN u END) AS visited_recently,
       count(DISTINCT CASE WHEN u IS NOT NULL AND NOT recent THEN u END) AS stale
ORDER BY units DESC, badge_no

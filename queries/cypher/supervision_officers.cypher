// name: supervision_officers
// title: 民警的监督主体
// description: 每名在职民警（按当前任职单位）在给定监督类型下的监督主体（单位范围含下级、职级范围）。
// columns: badge_no, name, rank, unit_code, unit_name, bodies, restricted
// The rules reaching each unit are found once per unit, then applied to its officers' ranks.
MATCH (u:Unit)
CALL (u) {
  OPTIONAL MATCH (u)-[:PART_OF*0..]->(x:Unit)<-[sv:SUPERVISES]-(b:Unit)
  WHERE sv.supervision_type = $supervision_type
    AND {{current(sv)}}
    AND (x = u OR sv.include_subtree)
  RETURN collect(DISTINCT [b.code, coalesce(sv.rank_scope, $rank_scope_all)]) AS rules
}
MATCH (o:Officer)-[s:SERVES_IN]->(u)
WHERE {{current(s)}}
// 全部 admits every officer, rank known or not; a rank-restricted rule only a known rank in its scope.
WITH o, u, [r IN rules WHERE r[0] IS NOT NULL AND {{rank_admits(r[1], o)}} | r[0]] AS claims,
     size([r IN rules WHERE r[0] IS NOT NULL AND r[1] <> $rank_scope_all]) AS restricted
RETURN o.badge_no AS badge_no, o.name AS name, o.rank AS rank, u.code AS unit_code, u.name AS unit_name,
       reduce(acc = [], b IN claims | CASE WHEN b IN acc THEN acc ELSE acc + b END) AS bodies, restricted
ORDER BY badge_no

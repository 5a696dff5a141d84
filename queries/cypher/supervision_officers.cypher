// name: supervision_officers
// title: 民警的监督主体
// description: 在职民警（按当前任职单位）的数量，以及在给定监督类型下没有监督主体或有两个以上监督主体的民警（单位范围含下级、职级范围）。
// columns: officers, rows
// One record: `officers` counts every current posting; `rows` lists, by badge number, the postings
// whose officer no body or several bodies claim (badge_no, name, rank, unit_code, unit_name,
// bodies, restricted). The rules reaching each unit are found once per unit; an officer's claims
// depend on his unit and rank only, so they are judged once per (unit, rank), and the ~1 in 200
// odd postings leave the server instead of every officer of the province.
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
// `peer` stands for every officer of the group: the fragment reads only its rank.
WITH u, rules, {rank: o.rank} AS peer, collect(o) AS staff
// 全部 admits every officer, rank known or not; a rank-restricted rule only a known rank in its scope.
WITH u, peer, staff, [r IN rules WHERE r[0] IS NOT NULL AND {{rank_admits(r[1], peer)}} | r[0]] AS claims,
     size([r IN rules WHERE r[0] IS NOT NULL AND r[1] <> $rank_scope_all]) AS restricted
WITH u, peer, staff, reduce(acc = [], b IN claims | CASE WHEN b IN acc THEN acc ELSE acc + b END) AS bodies, restricted
WITH sum(size(staff)) AS officers,
     collect(CASE WHEN size(bodies) <> 1 THEN {u: u, rank: peer.rank, staff: staff, bodies: bodies, restricted: restricted} END) AS odd
CALL (odd) {
  UNWIND odd AS g
  UNWIND g.staff AS o
  WITH g, o
  ORDER BY o.badge_no
  RETURN collect({badge_no: o.badge_no, name: o.name, rank: g.rank, unit_code: g.u.code, unit_name: g.u.name,
                  bodies: g.bodies, restricted: g.restricted}) AS rows
}
RETURN officers, rows

// name: supervision_units
// title: 无监督主体的单位
// description: 给定监督类型下，没有任何当前监督关系覆盖（本单位或含下级的上级单位）的单位（监督机构、外部机关除外）。
// columns: unit_code, unit_name, unit_kind
MATCH (u:Unit)
WHERE (u.kind IS NULL OR NOT u.kind IN $excluded_kinds)
  AND NOT EXISTS {
    MATCH (u)-[:PART_OF*0..]->(x:Unit)<-[sv:SUPERVISES]-(:Unit)
    WHERE sv.supervision_type = $supervision_type
      AND {{current(sv)}}
      AND (x = u OR sv.include_subtree)
  }
RETURN u.code AS unit_code, u.name AS unit_name, u.kind AS unit_kind
ORDER BY unit_code

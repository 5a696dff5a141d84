// name: unit_exists
// title: 单位是否存在
// description: 按单位编码查找单位，返回编码和名称（用于“未找到”提示）。
// columns: code, name
MATCH (u:Unit {code: $unit_code})
RETURN u.code AS code, u.name AS name

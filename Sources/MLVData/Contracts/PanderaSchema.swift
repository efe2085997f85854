import Yams

/// pandera's YAML schema (`DataFrameSchema.to_yaml()`), read into a `Contract` for the features
/// both share. What mlv cannot check (custom checks, regex column names, multi-column
/// uniqueness) is an error naming it, never silently skipped.
enum PanderaSchema {
  static func parse(_ root: Node, reader: NodeReader) throws -> Contract {
    let top = try reader.mapping(root)
    let ignored: Set<String> = [
      "schema_type", "version", "name", "title", "description", "coerce", "index", "dtype", "report_duplicates",
      "unique_column_names", "add_missing_columns", "drop_invalid_rows", "metadata", "api",
    ]
    for (key, value) in try reader.orderedMapping(root) where !ignored.contains(key) {
      guard ["columns", "checks", "strict", "ordered", "unique"].contains(key) else {
        throw reader.error(value, "unknown pandera schema key '\(key)'")
      }
    }
    guard let type = top["schema_type"], try reader.scalar(type) == "dataframe" else {
      throw reader.error(top["schema_type"] ?? root, "only pandera schemas with 'schema_type: dataframe' are supported")
    }
    if let checks = top["checks"], !reader.isNull(checks), !isEmptyCollection(checks) {
      throw reader.error(checks, "dataframe-wide pandera checks are not supported by mlv")
    }
    if let unique = top["unique"], !reader.isNull(unique) {
      throw reader.error(unique, "multi-column uniqueness ('unique' on the schema) is not supported by mlv; set 'unique: true' on a column")
    }
    var contract = Contract(columns: [])
    contract.dialect = .pandera
    contract.extraColumns = true
    if let strict = top["strict"] {
      switch try reader.scalar(strict) {
      case "true", "True": contract.extraColumns = false
      case "false", "False", "filter": contract.extraColumns = true
      default: throw reader.error(strict, "'strict' must be true, false or filter")
      }
    }
    if let ordered = top["ordered"] { contract.ordered = try reader.bool(ordered) }
    if let columns = top["columns"], !reader.isNull(columns) {
      for (name, node) in try reader.orderedMapping(columns) {
        contract.columns.append(try column(name, node, reader: reader))
      }
    }
    try contract.validate(reader: reader, node: root)
    return contract
  }

  static func isEmptyCollection(_ node: Node) -> Bool {
    switch node {
    case .sequence(let s): return s.isEmpty
    case .mapping(let m): return m.isEmpty
    default: return false
    }
  }

  static func column(_ name: String, _ node: Node, reader: NodeReader) throws -> ColumnRule {
    var rule = ColumnRule(name: name)
    if reader.isNull(node) { return rule }
    let m = try reader.mapping(node)
    // pandera 0.2x writes checks under `checks:`; newer versions also write them as keys of
    // the column itself (`greater_than_or_equal_to: 0` beside `dtype`).
    let settings: Set<String> = [
      "dtype", "nullable", "unique", "required", "checks", "coerce", "regex", "title", "description", "name", "metadata", "default",
      "report_duplicates", "drop_invalid_rows",
    ]
    var flatChecks: [(String, Node)] = []
    for (key, value) in try reader.orderedMapping(node) where !settings.contains(key) { flatChecks.append((key, value)) }
    if let regex = m["regex"], try !reader.isNull(regex) && reader.bool(regex) {
      throw reader.error(regex, "column '\(name)': regex column names are not supported by mlv")
    }
    if let dtype = m["dtype"], !reader.isNull(dtype) {
      let text = try reader.scalar(dtype)
      guard let type = columnType(text) else {
        throw reader.error(dtype, "column '\(name)': pandera dtype '\(text)' is not supported by mlv")
      }
      rule.type = type
    }
    if let v = m["nullable"] { rule.nullable = try reader.bool(v) }
    if let v = m["unique"] { rule.unique = try reader.bool(v) }
    if let v = m["required"] { rule.required = try reader.bool(v) }
    if let checks = m["checks"], !reader.isNull(checks) {
      for (check, value, at) in try entries(checks, reader: reader) {
        try apply(check, value, at: at, to: &rule, reader: reader)
      }
    }
    for (check, value) in flatChecks { try apply(check, value, at: value, to: &rule, reader: reader) }
    // pandera's category dtype takes any value unless an isin check lists them.
    if rule.type == .category && rule.allowed == nil { rule.type = .string }
    return rule
  }

  /// Checks in any of the shapes pandera has written: `{name: value}`, `[{name: value}]`, or
  /// `[{value: v, options: {check_name: name, …}}]`.
  static func entries(_ node: Node, reader: NodeReader) throws -> [(String, Node, Node)] {
    switch node {
    case .mapping:
      return try reader.orderedMapping(node).map { ($0.0, $0.1, $0.1) }
    case .sequence(let items):
      var out: [(String, Node, Node)] = []
      for item in items {
        let m = try reader.mapping(item)
        if let options = m["options"] {
          guard let nameNode = try reader.mapping(options)["check_name"] else { throw reader.error(item, "a check without 'check_name'") }
          // One argument under `value`, or named arguments beside `options`.
          out.append((try reader.scalar(nameNode), m["value"] ?? item, item))
        } else {
          out += try reader.orderedMapping(item).map { ($0.0, $0.1, $0.1) }
        }
      }
      return out
    default:
      throw reader.error(node, "'checks' must be a mapping or a list")
    }
  }

  static func apply(_ check: String, _ given: Node, at node: Node, to rule: inout ColumnRule, reader: NodeReader) throws {
    // A single-argument check may name its argument (`{min_value: 0}`, `{allowed_values: [...]}`).
    var value = given
    let single = ["min_value", "max_value", "allowed_values", "forbidden_values", "pattern", "value"]
    if case .mapping = given, !["in_range", "between", "str_length"].contains(check) {
      let m = try reader.mapping(given)
      if let key = single.first(where: { m[$0] != nil }) { value = m[key]! }
    }
    // pandera applies every check of a column: several on one column combine (the tighter
    // bound, the common allowed values), never replace each other.
    func lower(_ limit: Limit) { rule.min = tighter(rule.min, limit, lower: true) }
    func upper(_ limit: Limit) { rule.max = tighter(rule.max, limit, lower: false) }
    func allow(_ values: [String]) { rule.allowed = rule.allowed.map { old in old.filter { values.contains($0) } } ?? values }
    func forbid(_ values: [String]) { rule.forbidden = (rule.forbidden ?? []) + values }
    func match(_ pattern: String, _ anchoring: PatternAnchoring) throws {
      guard rule.pattern == nil else { throw reader.error(node, "column '\(rule.name)': mlv supports one pattern check per column") }
      rule.pattern = pattern
      rule.anchoring = anchoring
    }
    switch check {
    case "greater_than_or_equal_to", "ge": lower(Limit(try reader.scalar(value)))
    case "greater_than", "gt": lower(Limit(try reader.scalar(value), exclusive: true))
    case "less_than_or_equal_to", "le": upper(Limit(try reader.scalar(value)))
    case "less_than", "lt": upper(Limit(try reader.scalar(value), exclusive: true))
    case "in_range", "between":
      let m = try reader.mapping(value)
      let includeMin = try m["include_min"].map { try reader.bool($0) } ?? true
      let includeMax = try m["include_max"].map { try reader.bool($0) } ?? true
      if let v = m["min_value"] { lower(Limit(try reader.scalar(v), exclusive: !includeMin)) }
      if let v = m["max_value"] { upper(Limit(try reader.scalar(v), exclusive: !includeMax)) }
    case "equal_to", "eq": allow([try reader.scalar(value)])
    case "not_equal_to", "ne": forbid([try reader.scalar(value)])
    case "isin": allow(try reader.strings(value))
    case "notin": forbid(try reader.strings(value))
    case "str_matches": try match(try reader.scalar(value), .prefix)
    case "str_contains": try match(try reader.scalar(value), .anywhere)
    case "str_length":
      let m = try reader.mapping(value)
      if let v = try m["min_value"].flatMap({ reader.isNull($0) ? nil : try reader.count($0) }) {
        rule.minLength = max(rule.minLength ?? 0, v)
      }
      if let v = try m["max_value"].flatMap({ reader.isNull($0) ? nil : try reader.count($0) }) {
        rule.maxLength = min(rule.maxLength ?? v, v)
      }
    default:
      throw reader.error(node, "column '\(rule.name)': '\(check)' is not a pandera setting or check that mlv supports")
    }
  }

  /// The stricter of two bounds (by number, else by time; exclusive wins a tie).
  static func tighter(_ old: Limit?, _ new: Limit, lower: Bool) -> Limit {
    guard let old, let a = old.orderKey, let b = new.orderKey else { return new }
    if a == b { return old.exclusive ? old : new }
    return (lower ? b > a : b < a) ? new : old
  }

  /// mlv's type for a pandas dtype name.
  static func columnType(_ dtype: String) -> ColumnType? {
    let d = dtype.lowercased()
    if ["int", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"].contains(d) { return .integer }
    if ["float", "float16", "float32", "float64"].contains(d) { return .float }
    if ["bool", "boolean"].contains(d) { return .boolean }
    if ["str", "string", "object"].contains(d) { return .string }
    if d == "category" { return .category }
    if d.hasPrefix("string[") { return .string }
    if d == "date" || d.hasPrefix("datetime64") || d.hasPrefix("datetime") || d == "timestamp" { return .datetime }
    return nil
  }
}

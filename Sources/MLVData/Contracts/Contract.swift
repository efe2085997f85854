import MLVStore
import Yams

/// The types a contract can require of a column.
public enum ColumnType: String, Sendable, CaseIterable {
  /// Whole numbers within 64 bits.
  case integer
  /// Decimal numbers (integers too), `inf` and `nan`.
  case float
  /// `true`/`false` (also `True`, `TRUE`, `False`, `FALSE`; JSON booleans).
  case boolean
  /// Any text.
  case string
  /// Text from a known set of values (`allowed`).
  case category
  /// ISO 8601 dates and date-times.
  case datetime
}

/// A bound on a column's values, kept as written and as the number or time it means.
public struct Limit: Sendable, Equatable {
  /// The bound as written in the contract.
  public let text: String
  /// Whether the value itself is excluded (pandera's `greater_than`, `less_than`).
  public let exclusive: Bool
  /// The bound as a whole number, when it is one.
  public let integer: Int64?
  /// The bound as a number, when it is one.
  public let number: Double?
  /// The bound as a time, when it is one.
  public let time: Timestamp?

  /// Where the bound sits on one line for comparing bounds: the number, else the time.
  var orderKey: Double? { number ?? time.map { Double($0.micros) } }

  /// A bound from its text.
  public init(_ text: String, exclusive: Bool = false) {
    self.text = text
    self.exclusive = exclusive
    let bytes = Array(text.utf8)
    integer = bytes.withUnsafeBufferPointer { ValueParsing.int64($0) }
    number = bytes.withUnsafeBufferPointer { ValueParsing.double($0) }
    time = bytes.withUnsafeBufferPointer { ValueParsing.timestamp($0) }
  }
}

/// Where a regular expression must match.
public enum PatternAnchoring: String, Sendable {
  /// The whole value (mlv's `pattern`).
  case whole
  /// From the start (pandera's `str_matches`, Python's `re.match`).
  case prefix
  /// Anywhere (pandera's `str_contains`, Python's `re.search`).
  case anywhere
}

/// What a contract requires of one column.
public struct ColumnRule: Sendable, Equatable {
  /// The column's name.
  public var name: String
  /// The type its values must have (nil: any).
  public var type: ColumnType?
  /// Whether values may be null.
  public var nullable = false
  /// Whether the column must be present.
  public var required = true
  /// Whether values must be distinct.
  public var unique = false
  /// The smallest value allowed.
  public var min: Limit?
  /// The largest value allowed.
  public var max: Limit?
  /// The only values allowed, as written.
  public var allowed: [String]?
  /// Values that are not allowed, as written.
  public var forbidden: [String]?
  /// A regular expression values must match.
  public var pattern: String?
  /// Where `pattern` must match.
  public var anchoring = PatternAnchoring.whole
  /// The fewest characters a value may have.
  public var minLength: Int?
  /// The most characters a value may have.
  public var maxLength: Int?
  /// The largest share of null values (0…1).
  public var maxNullShare: Double?

  /// A rule with only a name.
  public init(name: String) { self.name = name }
}

/// A data contract: the columns a table must have and what their values must be.
public struct Contract: Sendable, Equatable {
  /// The contract format mlv writes.
  public static let format = 1

  /// Where the contract was written.
  public enum Dialect: String, Sendable {
    /// mlv's own format (`mlv-contract: 1`).
    case mlv
    /// pandera's YAML schema (`schema_type: dataframe`).
    case pandera
  }

  /// The columns, in order.
  public var columns: [ColumnRule]
  /// Whether columns the contract does not name may appear.
  public var extraColumns = true
  /// Whether the columns must appear in the contract's order.
  public var ordered = false
  /// The fewest rows allowed.
  public var minRows: Int?
  /// The most rows allowed.
  public var maxRows: Int?
  /// Text that means null in CSV and TSV fields.
  public var nullValues = NullTokens()
  /// The format it was read from.
  public var dialect = Dialect.mlv

  /// A contract over `columns`.
  public init(columns: [ColumnRule]) { self.columns = columns }

  /// Parses a contract in mlv's format or pandera's YAML schema; `name` is the file's name, for messages.
  public static func parse(_ bytes: [UInt8], name: String) throws -> Contract {
    guard let text = String(validating: bytes, as: UTF8.self), !bytes.contains(0) else {
      throw DataError.badContract(file: name, line: nil, column: nil, reason: "not UTF-8 text")
    }
    let root: Node?
    do { root = try Yams.compose(yaml: text) } catch let error as YamlError {
      throw DataError.badContract(file: name, line: nil, column: nil, reason: describe(error))
    }
    guard let root, case .mapping = root else {
      throw DataError.badContract(file: name, line: root?.mark?.line, column: nil, reason: "expected a mapping at the top")
    }
    let reader = NodeReader(file: name)
    if try reader.mapping(root)["schema_type"] != nil { return try PanderaSchema.parse(root, reader: reader) }
    return try parseMLV(root, reader: reader)
  }

  /// A one-line reason from a Yams error.
  static func describe(_ error: YamlError) -> String {
    let text = "\(error)".split(separator: "\n").first.map(String.init) ?? "not valid YAML"
    return text.isEmpty ? "not valid YAML" : "not valid YAML: " + text
  }

  private static func parseMLV(_ root: Node, reader: NodeReader) throws -> Contract {
    let top = try reader.mapping(root, allowed: ["mlv-contract", "description", "columns", "table"])
    guard let formatNode = top["mlv-contract"] else {
      throw reader.error(root, "not a contract: expected 'mlv-contract: \(format)' (or pandera's 'schema_type: dataframe')")
    }
    guard try reader.integer(formatNode) == format else {
      throw reader.error(formatNode, "unsupported contract format '\(formatNode.string ?? "")' (this mlv reads \(format))")
    }
    var contract = Contract(columns: [])
    if let columns = top["columns"] {
      for (key, value) in try reader.orderedMapping(columns) {
        contract.columns.append(try parseColumn(key, value, reader: reader))
      }
    }
    if let table = top["table"] {
      let t = try reader.mapping(table, allowed: ["extra_columns", "ordered", "rows", "null_values"])
      if let v = t["extra_columns"] { contract.extraColumns = try reader.bool(v) }
      if let v = t["ordered"] { contract.ordered = try reader.bool(v) }
      if let rows = t["rows"] {
        let r = try reader.mapping(rows, allowed: ["min", "max"])
        contract.minRows = try r["min"].map { try reader.count($0) }
        contract.maxRows = try r["max"].map { try reader.count($0) }
      }
      if let v = t["null_values"] { contract.nullValues = NullTokens(try reader.strings(v)) }
    }
    try contract.validate(reader: reader, node: root)
    return contract
  }

  private static func parseColumn(_ name: String, _ node: Node, reader: NodeReader) throws -> ColumnRule {
    var rule = ColumnRule(name: name)
    let keys = [
      "type", "nullable", "required", "unique", "min", "max", "allowed", "forbidden", "pattern", "min_length", "max_length",
      "max_null_share", "description",
    ]
    let m = try reader.mapping(node, allowed: keys)
    if let v = m["type"] {
      let text = try reader.string(v)
      guard let type = ColumnType(rawValue: text) else {
        throw reader.error(v, "unknown type '\(text)' for column '\(name)' (integer, float, boolean, string, category, datetime)")
      }
      rule.type = type
    }
    if let v = m["nullable"] { rule.nullable = try reader.bool(v) }
    if let v = m["required"] { rule.required = try reader.bool(v) }
    if let v = m["unique"] { rule.unique = try reader.bool(v) }
    if let v = m["min"] { rule.min = Limit(try reader.scalar(v)) }
    if let v = m["max"] { rule.max = Limit(try reader.scalar(v)) }
    if let v = m["allowed"] { rule.allowed = try reader.strings(v) }
    if let v = m["forbidden"] { rule.forbidden = try reader.strings(v) }
    if let v = m["pattern"] { rule.pattern = try reader.string(v) }
    if let v = m["min_length"] { rule.minLength = try reader.count(v) }
    if let v = m["max_length"] { rule.maxLength = try reader.count(v) }
    if let v = m["max_null_share"] {
      guard let share = Double(try reader.scalar(v)), share >= 0, share <= 1 else {
        throw reader.error(v, "'max_null_share' must be a number from 0 to 1")
      }
      rule.maxNullShare = share
    }
    return rule
  }

  /// Checks that the rules fit their columns' types (a bound must be a number or time, …).
  func validate(reader: NodeReader, node: Node) throws {
    for rule in columns {
      func bad(_ reason: String) -> DataError { reader.error(node, "column '\(rule.name)': \(reason)") }
      for limit in [rule.min, rule.max].compactMap({ $0 }) {
        switch rule.type {
        case .integer, .float:
          guard limit.number != nil, limit.number?.isNaN == false else { throw bad("bound '\(limit.text)' is not a number") }
        case .datetime:
          guard limit.time != nil else { throw bad("bound '\(limit.text)' is not an ISO 8601 date or time") }
        case nil:
          guard limit.number != nil || limit.time != nil else { throw bad("bound '\(limit.text)' is not a number or a time") }
        case .boolean, .string, .category:
          throw bad("min and max apply to integer, float and datetime columns (use min_length/max_length for text)")
        }
      }
      if rule.type == .category && rule.allowed == nil { throw bad("a category column needs 'allowed' values") }
      for value in (rule.allowed ?? []) + (rule.forbidden ?? []) {
        let bytes = Array(value.utf8)
        let fits: Bool = bytes.withUnsafeBufferPointer { b in
          switch rule.type {
          case .integer: return ValueParsing.int64(b) != nil
          case .float: return ValueParsing.double(b) != nil
          case .boolean: return ValueParsing.bool(b) != nil
          case .datetime: return ValueParsing.timestamp(b) != nil
          case .string, .category, nil: return true
          }
        }
        guard fits else { throw bad("value '\(value)' in its list is not a \(rule.type!.rawValue)") }
      }
      if let pattern = rule.pattern {
        do { _ = try Regex(pattern) } catch { throw bad("'\(pattern)' is not a valid regular expression") }
        if [.integer, .float, .boolean, .datetime].contains(rule.type) { throw bad("'pattern' applies to string and category columns") }
      }
      if (rule.minLength != nil || rule.maxLength != nil) && [.integer, .float, .boolean, .datetime].contains(rule.type) {
        throw bad("'min_length' and 'max_length' apply to string and category columns")
      }
      if let a = rule.min, let b = rule.max, let lo = a.orderKey, let hi = b.orderKey, lo > hi {
        throw bad("min \(a.text) is above max \(b.text)")
      }
    }
    if let a = minRows, let b = maxRows, a > b { throw reader.error(node, "'rows': min \(a) is above max \(b)") }
  }

  /// The contract in mlv's format: canonical YAML, columns in order, keys in a fixed order.
  public func yaml(comment: String? = nil) -> String {
    var out = ""
    if let comment {
      // A comment is one line of printable text (a file name may hold anything).
      let clean = String(
        comment.unicodeScalars.map {
          $0.properties.generalCategory == .control || $0.value >= 0x2028 && $0.value <= 0x2029 || $0.value == 0x85 ? "?" : Character($0)
        })
      out += "# \(clean)\n"
    }
    out += "mlv-contract: \(Self.format)\ncolumns:\n"
    if columns.isEmpty { out = String(out.dropLast()) + " {}\n" }
    func list(_ values: [String], numeric: Bool = false) -> String {
      "[" + values.map { numeric ? yamlValue($0) : yamlScalar($0) }.joined(separator: ", ") + "]"
    }
    for rule in columns {
      out += "  \(yamlScalar(rule.name)):\n"
      if let type = rule.type { out += "    type: \(type.rawValue)\n" }
      out += "    nullable: \(rule.nullable)\n"
      if !rule.required { out += "    required: false\n" }
      if rule.unique { out += "    unique: true\n" }
      if let min = rule.min { out += "    min: \(yamlValue(min.text))\n" }
      if let max = rule.max { out += "    max: \(yamlValue(max.text))\n" }
      if let allowed = rule.allowed { out += "    allowed: \(list(allowed, numeric: rule.type == .integer || rule.type == .float))\n" }
      if let forbidden = rule.forbidden {
        out += "    forbidden: \(list(forbidden, numeric: rule.type == .integer || rule.type == .float))\n"
      }
      if let pattern = rule.pattern { out += "    pattern: \(yamlScalar(pattern))\n" }
      if let v = rule.minLength { out += "    min_length: \(v)\n" }
      if let v = rule.maxLength { out += "    max_length: \(v)\n" }
      if let v = rule.maxNullShare { out += "    max_null_share: \(v)\n" }
    }
    out += "table:\n  extra_columns: \(extraColumns)\n"
    if ordered { out += "  ordered: true\n" }
    if minRows != nil || maxRows != nil {
      out += "  rows:\n"
      if let v = minRows { out += "    min: \(v)\n" }
      if let v = maxRows { out += "    max: \(v)\n" }
    }
    if nullValues != NullTokens() { out += "  null_values: \(list(nullValues.tokens))\n" }
    return out
  }
}

/// Reads Yams nodes with errors that name the contract file, line and column.
struct NodeReader {
  let file: String

  func error(_ node: Node, _ reason: String) -> DataError {
    .badContract(file: file, line: node.mark?.line, column: node.mark?.column, reason: reason)
  }

  /// A mapping's entries by key, in order; `allowed` (when given) lists the keys it may have.
  func orderedMapping(_ node: Node, allowed: [String]? = nil) throws -> [(String, Node)] {
    guard case .mapping(let mapping) = node else { throw error(node, "expected a mapping") }
    var out: [(String, Node)] = []
    var seen: Set<String> = []
    for (k, v) in mapping {
      guard case .scalar(let key) = k else { throw error(k, "a key is not text") }
      if let allowed, !allowed.contains(key.string) {
        throw error(k, "unknown key '\(key.string)' (expected one of: \(allowed.joined(separator: ", ")))")
      }
      guard seen.insert(key.string).inserted else { throw error(k, "key '\(key.string)' appears twice") }
      out.append((key.string, v))
    }
    return out
  }

  func mapping(_ node: Node, allowed: [String]? = nil) throws -> [String: Node] {
    Dictionary(try orderedMapping(node, allowed: allowed), uniquingKeysWith: { a, _ in a })
  }

  /// A scalar as written (quoted or not).
  func scalar(_ node: Node) throws -> String {
    guard case .scalar(let s) = node else { throw error(node, "expected a single value") }
    return s.string
  }

  func string(_ node: Node) throws -> String {
    guard case .scalar(let s) = node, node.null == nil || s.style != .plain else { throw error(node, "expected text") }
    return s.string
  }

  func isNull(_ node: Node) -> Bool {
    if case .scalar(let s) = node, s.style == .plain, node.null != nil { return true }
    return false
  }

  func bool(_ node: Node) throws -> Bool {
    guard case .scalar(let s) = node, s.style == .plain, let b = node.bool else { throw error(node, "expected true or false") }
    _ = s
    return b
  }

  func integer(_ node: Node) throws -> Int {
    guard case .scalar(let s) = node, let n = Int(s.string) else { throw error(node, "expected a whole number") }
    return n
  }

  func count(_ node: Node) throws -> Int {
    let n = try integer(node)
    guard n >= 0 else { throw error(node, "expected a number of at least 0") }
    return n
  }

  /// A list of scalars, each as written.
  func strings(_ node: Node) throws -> [String] {
    guard case .sequence(let items) = node else { throw error(node, "expected a list") }
    return try items.map { try scalar($0) }
  }
}

/// A bound or list value: plain when it is a finite decimal number (`-3`, `0.25`, `1e-05`), else as `yamlScalar`.
func yamlValue(_ text: String) -> String {
  let decimal = text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || "+-.eE".utf8.contains($0) }
  let parsed = Array(text.utf8).withUnsafeBufferPointer { ValueParsing.double($0) }
  return decimal && parsed?.isFinite == true ? text : yamlScalar(text)
}

/// A string as a YAML scalar: plain when that reads back as the same string, else double-quoted
/// (JSON escapes, which YAML accepts).
public func yamlScalar(_ text: String) -> String {
  let plainSafe =
    !text.isEmpty
    && text.utf8.allSatisfy { b in
      (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || "-_./".utf8.contains(b)
    }
    && !text.hasPrefix("-") && !text.hasPrefix(".")
    && (try? Yams.compose(yaml: text))?.flatMap { $0.int == nil && $0.float == nil && $0.bool == nil && $0.null == nil } == true
  if plainSafe { return text }
  var bytes: [UInt8] = []
  CanonicalJSON.writeString(text, to: &bytes)
  // YAML forbids DEL and the C1 controls raw, where JSON allows them: escape those too.
  var out = ""
  for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
    let v = scalar.value
    if v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || v == 0xFEFF || v == 0xFFFE || v == 0xFFFF {
      let hex = String(v, radix: 16)
      out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    } else {
      out.unicodeScalars.append(scalar)
    }
  }
  return out
}
